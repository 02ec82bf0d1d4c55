"""What the commands that talk to a deployed stack share: ``--stack/--region/--profile`` as the
SAM CLI takes them, the stack's outputs and resources, and AWS errors said in words."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_STACK = "pushbridge"


class StackError(Exception):
    """Something an operator can fix: no credentials, no such stack, no permission."""


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", default=DEFAULT_STACK, help=f"CloudFormation stack name (default: {DEFAULT_STACK})")
    parser.add_argument("--region", help="AWS region (default: your profile's or AWS_REGION)")
    parser.add_argument("--profile", help="AWS named profile (default: AWS_PROFILE or the default one)")


@dataclass
class Stack:
    """A deployed pushbridge stack, reached with one boto3 session."""

    name: str
    session: Any
    outputs: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)  # logical id -> physical id

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def output(self, key: str) -> str:
        try:
            return self.outputs[key]
        except KeyError:
            raise StackError(f"stack {self.name!r} has no output {key}: is it a pushbridge stack?") from None

    def resource(self, logical_id: str) -> str | None:
        return self.resources.get(logical_id)


def open_stack(args: argparse.Namespace, *, session: Any = None) -> Stack:
    """The stack named by ``--stack``, its outputs and resources; raises :class:`StackError`."""
    session = session or new_session(args)
    cloudformation = session.client("cloudformation")
    with aws_errors(f"stack {args.stack!r}"):
        described = cloudformation.describe_stacks(StackName=args.stack)["Stacks"][0]
        resources: dict[str, str] = {}
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=args.stack):
            for resource in page["StackResourceSummaries"]:
                resources[resource["LogicalResourceId"]] = resource.get("PhysicalResourceId", "")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return Stack(args.stack, session, outputs, resources)


def new_session(args: argparse.Namespace) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        session = boto3.Session(profile_name=getattr(args, "profile", None), region_name=getattr(args, "region", None))
    except ProfileNotFound:
        raise StackError(f"no AWS profile named {args.profile!r} (see ~/.aws/config)") from None
    if session.region_name is None:
        raise StackError("no AWS region: pass --region, or set AWS_REGION or a region in your profile")
    return session


class aws_errors:  # noqa: N801 - used as a context manager, reads like a sentence
    """Turns botocore's exceptions into a :class:`StackError` with a sentence an operator can act on."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or isinstance(exc, StackError):
            return False
        message = describe_aws_error(exc, self.what)
        if message is None:
            return False
        raise StackError(message) from None


def describe_aws_error(exc: BaseException, what: str = "the request") -> str | None:
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        TokenRetrievalError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return "no AWS credentials: run `aws configure` (or `aws sso login`), or pass --profile"
    if isinstance(exc, TokenRetrievalError):
        return "your AWS SSO session has expired: run `aws sso login` (with --profile if you use one)"
    if isinstance(exc, NoRegionError):
        return "no AWS region: pass --region, or set AWS_REGION or a region in your profile"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach AWS for {what}: {exc.kwargs.get('endpoint_url', 'the endpoint')} (network, or a wrong --region?)"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, text = error.get("Code", "?"), error.get("Message", "")
        if code == "ValidationError" and "does not exist" in text:
            return f"{what} does not exist in this account and region (--stack, --region, --profile?)"
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            return "your AWS credentials have expired: refresh them (`aws sso login`, new keys)"
        if code in ("InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"):
            return "AWS does not accept these credentials (a wrong or deleted access key?)"
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return f"access denied for {what}: your credentials lack a permission ({text or code})"
        return f"AWS answered {code} for {what}: {text}".rstrip(": ")
    if isinstance(exc, BotoCoreError):
        return f"AWS SDK error for {what}: {exc}"
    return None


def run_against_stack(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A subcommand's ``run`` that prints StackError as ``pushbridge: ...`` (exit 2), never a traceback."""
    from pushbridge_dev.cli.common import fail

    def wrapped(args: argparse.Namespace) -> int:
        try:
            with aws_errors(f"stack {args.stack!r}"):
                return run(args)
        except StackError as exc:
            return fail(str(exc))

    return wrapped
