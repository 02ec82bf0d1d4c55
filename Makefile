# The README's commands. Everything installs itself into .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install test lint check events local-aws dev soak bench build deploy clean

help:
	@echo "make dev      install, then run pushbridge locally (no AWS account needed)"
	@echo "make test     install, then run the whole test suite and lint the template"
	@echo "make check    validate src/pushbridge.yaml and show what each rule does"
	@echo "make events   re-sign events/apigw/*.json for sam local invoke (signatures expire)"
	@echo "make local-aws  a local AWS stand-in (moto) for sam local invoke with events/env.json"
	@echo "make lint     ruff, and cfn-lint on the SAM template (same check as sam validate --lint)"
	@echo "make soak     the fault soak (WEBHOOKS=2000): 0 lost, 0 duplicated, order kept"
	@echo "make bench    cold start, hot path, delivery, memory, AWS calls vs baselines (BENCH=--quick)"
	@echo "make build    sam build;  make deploy: sam deploy --guided"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pushbridge needs Python 3.11 or newer (PYTHON=python3.12 make ...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory lint

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/cfn-lint template.yaml

check: $(STAMP)
	$(BIN)/pushbridge check

events: $(STAMP)
	$(BIN)/python -m pushbridge_dev.devtools.sample_events events

# A moto server standing in for SQS, DynamoDB and Secrets Manager, for `sam local invoke`
# with events/env.json (no AWS account needed). Runs until you stop it.
local-aws: $(STAMP)
	$(BIN)/moto_server -H 0.0.0.0 -p 5000 & sleep 2; $(BIN)/python -m pushbridge_dev.devtools.local_aws; wait

dev: $(STAMP)
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
	rm -rf $(VENV) .aws-sam .pytest_cache .hypothesis
