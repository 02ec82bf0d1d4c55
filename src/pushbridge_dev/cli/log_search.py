"""Where ``pushbridge trace`` reads log lines: CloudWatch Logs Insights on a deployed stack
(StartQuery / GetQueryResults over the functions' log groups), FilterLogEvents where Insights is
not allowed, or the dev server's log file. Each answers :class:`LogEntry` objects; which lines
belong to the trace is decided afterwards, in one place (``timeline.timelines``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pushbridge_dev.cli.timeline import LogEntry, entry_from_json

QUERY_LIMIT = 10_000


def insights_query(needles: Iterable[str]) -> str:
    """The Logs Insights query trace runs: every line that mentions the id or its user hash."""
    terms = " or ".join(f'@message like "{_quoted(n)}"' for n in sorted(needles))
    return f"fields @timestamp, @log, @message | filter {terms} | sort @timestamp asc | limit {QUERY_LIMIT}"


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class InsightsSearch:
    def __init__(
        self,
        logs: Any,
        log_groups: dict[str, str],
        *,
        sleep: Callable[[float], None] = time.sleep,
        timeout_s: float = 120,
    ) -> None:
        self.logs = logs
        self.log_groups = log_groups  # log group name -> function (ingest, delivery, ...)
        self._sleep = sleep
        self._timeout_s = timeout_s

    def search(self, needles: set[str], start: datetime, end: datetime) -> list[LogEntry]:
        query_id = self.logs.start_query(
            logGroupNames=list(self.log_groups),
            startTime=int(start.timestamp()),
            endTime=int(end.timestamp()),
            queryString=insights_query(needles),
            limit=QUERY_LIMIT,
        )["queryId"]
        waited = 0.0
        while True:
            answer = self.logs.get_query_results(queryId=query_id)
            if answer["status"] in ("Complete", "Failed", "Cancelled", "Timeout"):
                break
            if waited >= self._timeout_s:
                self.logs.stop_query(queryId=query_id)
                raise TimeoutError(f"Logs Insights query {query_id} did not finish in {self._timeout_s:.0f} s")
            self._sleep(1.0)
            waited += 1.0
        if answer["status"] != "Complete":
            raise RuntimeError(f"Logs Insights query {query_id} ended {answer['status']}")
        return self.entries_from_results(answer["results"])

    def entries_from_results(self, results: list[list[dict[str, str]]]) -> list[LogEntry]:
        entries = []
        for row in results:
            values = {cell["field"]: cell["value"] for cell in row}
            group = values.get("@log", "").split(":")[-1]  # Insights answers "account:group"
            entry = entry_from_json(
                values.get("@message", ""),
                at=_from_insights_time(values.get("@timestamp")),
                function=self.log_groups.get(group),
            )
            if entry is not None:
                entries.append(entry)
        return entries


class FilterSearch:
    """FilterLogEvents, group by group: slower than Insights, needs only logs:FilterLogEvents."""

    def __init__(self, logs: Any, log_groups: dict[str, str]) -> None:
        self.logs = logs
        self.log_groups = log_groups

    def search(self, needles: set[str], start: datetime, end: datetime) -> list[LogEntry]:
        pattern = " ".join(f'?"{n}"' for n in sorted(needles))
        entries = []
        for group, function in self.log_groups.items():
            paginator = self.logs.get_paginator("filter_log_events")
            for page in paginator.paginate(
                logGroupName=group,
                filterPattern=pattern,
                startTime=int(start.timestamp() * 1000),
                endTime=int(end.timestamp() * 1000),
            ):
                for event in page.get("events", []):
                    at = datetime.fromtimestamp(event["timestamp"] / 1000, tz=timezone.utc)
                    entry = entry_from_json(event["message"], at=at, function=function)
                    if entry is not None:
                        entries.append(entry)
        return entries


class LocalLogSearch:
    """The dev server's log file (``pushbridge dev --log-file``): the same JSON lines."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def search(self, needles: set[str], start: datetime, end: datetime) -> list[LogEntry]:
        entries = []
        with self.path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if not any(n in line for n in needles):
                    continue
                entry = entry_from_json(line)
                if entry is not None and start <= entry.at <= end:
                    entries.append(entry)
        return entries


def _from_insights_time(value: str | None) -> datetime | None:
    if not value:
        return None
    if value.isdigit():  # milliseconds since the epoch
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
