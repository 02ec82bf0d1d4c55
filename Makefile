# The README's commands. Everything installs itself into .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: help install test lint check events fresh-events local-aws dev soak bench build deploy clean

help:
	@echo "make dev      install, then run pushbridge locally (no AWS account needed)"
	@echo "make test     install, then run the whole test suite and lint the template"
	@echo "make check    validate src/pushbridge.yaml and show what each rule does"
	@echo "make events   rebuild events/apigw and events/sqs from the payloads (deterministic)"
	@echo "make fresh-events  sign them now into .pushbridge/events/apigw for sam local invoke"
	@echo "make local-aws  a local AWS stand-in (moto) for sam local invoke with events/env.json"
	@echo "make lint     ruff, and cfn-lint on the SAM template (same check as sam validate --lint)"
	@echo "make soak     the fault soak (WEBHOOKS=2000): 0 lost, 0 duplicated, order kept"
	@echo "make bench    cold start, hot path, delivery, memory, AWS calls vs baselines (BENCH=--quick)"
	@echo "make build    sam build;  make deploy: sam deploy --guided"

# Two installs: the dev server needs only pushbridge and its runtime dependencies (a few
# packages, under a minute); the tests add the providers' SDKs, moto, cfn-lint and the linters.
# VENV=.venv-3.13 PYTHON=python3.13 keeps one virtualenv per Python version (.ci/run).
$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pushbridge needs Python 3.11 or newer (PYTHON=python3.12 make ...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(VENV)/bin/python
	@echo "installing pushbridge and its runtime dependencies into $(VENV) ..."
	$(BIN)/python -m pip install --progress-bar on -e .
	@touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	@echo "installing pushbridge with the test toolchain into $(VENV) (SDKs, moto, cfn-lint, ruff; a few minutes) ..."
	$(BIN)/python -m pip install --progress-bar on -e ".[dev]"
	@touch $(STAMP) $(RUNTIME_STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory lint

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/cfn-lint template.yaml

check: $(RUNTIME_STAMP)
	$(BIN)/pushbridge check

events: $(RUNTIME_STAMP)
	$(BIN)/python -m pushbridge_dev.devtools.sample_events events

fresh-events: $(RUNTIME_STAMP)
	$(BIN)/python -m pushbridge_dev.devtools.sample_events events --fresh .pushbridge/events

# A moto server standing in for SQS, DynamoDB and Secrets Manager, for `sam local invoke`
# with events/env.json (no AWS account needed). Runs until you stop it.
local-aws: $(STAMP)
	$(BIN)/moto_server -H 0.0.0.0 -p 5000 & sleep 2; $(BIN)/python -m pushbridge_dev.devtools.local_aws; wait

dev: $(RUNTIME_STAMP)
	$(BIN)/pushbridge dev

# The fault soak: 2,000 webhooks through pushbridge dev against a failing local Pushwoosh.
soak: $(STAMP)
	$(BIN)/python -m tests.soak --webhooks $(or $(WEBHOOKS),2000)

# Speed, memory and AWS calls against baselines measured in the same run (docs/performance.md).
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

# sam build runs src/Makefile (BuildMethod: makefile): needs python3.13 on PATH, no Docker.
build: lint
	sam build

deploy: build
	sam deploy --guided

clean:
	rm -rf $(VENV) .venv-3.* .aws-sam .pytest_cache .hypothesis
