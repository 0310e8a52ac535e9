# Two commands do everything on a fresh machine:
#   make run    the whole system locally (emulator, tables, API on :8080)
#   make test   the whole test suite (lint, unit, integration, infrastructure, browser, coverage)

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Lambda runs python3.12, so the venv prefers it; pyenv keeps it off PATH here.
PYTHON ?= $(shell for candidate in python3.12 $$(ls -d $$HOME/.pyenv/versions/3.12*/bin/python3 2>/dev/null | sort -V | tail -n 1) python3; do \
	"$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo "$$candidate"; break; }; done)
INFRA := $(VENV)/.installed-infra
# The CDK command line (cdk, cdklocal), pinned in infra/cdk/package-lock.json.
CDK_CLI := infra/cdk/node_modules/.installed
CDK_BIN := node_modules/.bin
STAGE ?= dev
# LocalStack's edge, where localstack-client looks for it: $LOCALSTACK_HOST, else localhost:4566.
LOCALSTACK_ADDRESS ?= $(or $(LOCALSTACK_HOST),localhost:4566)
LOCALSTACK_ENDPOINT ?= http://$(LOCALSTACK_ADDRESS)
# Host-mode LocalStack and DynamoDB Local, installed into .localstack and
# infra/localstack/node_modules (infra/localstack/host.py; idempotent, quick when done).
LOCALSTACK_INSTALL := $(PY) -m infra.localstack.host install
LOCALSTACK_CREDENTIALS := AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
# Debian's chromium, which the browser tests drive (tests/browser); installed once.
CHROMIUM := /usr/bin/chromium
# Debian's PostgreSQL server, which the seed import's tests start on a free port (tests/support/postgresql.py).
POSTGRESQL := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb) /usr/lib/postgresql/installed)

.PHONY: run test lint fuzz bench clean run-localstack bootstrap-localstack test-localstack localstack \
	cdk-synth cdk-diff cdk-bootstrap cdk-deploy cdklocal-deploy package

# Chalice 1.34 packages with pip and supports pip<26.3.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11+ not found"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26.3"
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(INFRA): $(VENV)/.installed requirements-infra.txt
	$(PY) -m pip install --quiet -r requirements-infra.txt
	touch $@

$(CDK_CLI): infra/cdk/package.json infra/cdk/package-lock.json
	npm ci --prefix infra/cdk --no-audit --no-fund
	touch $@

run: $(VENV)/.installed
	$(PY) -m infra.local.run

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

$(CHROMIUM):
	bash infra/local/install-chromium.sh

$(POSTGRESQL):
	bash infra/local/install-postgresql.sh

# Everything on the embedded emulator, then the integration suite again on a
# host-mode LocalStack that this target starts on a free port and stops.
test: $(VENV)/.installed $(INFRA) lint $(CHROMIUM) $(POSTGRESQL)
	$(LOCALSTACK_INSTALL)
	@$(PY) -m pytest || { echo "make test: FAILED on the embedded emulator (unit, integration, infra, browser)"; exit 1; }
	@echo "make test: the integration suite again, on LocalStack (host mode, started for this run)"
	@CATALYST_INTEGRATION_BACKEND=localstack $(PY) -m pytest tests/integration --no-cov \
		|| { echo "make test: the integration suite FAILED on LocalStack"; exit 1; }
	@echo "make test: passed on the embedded emulator and on LocalStack"

# A longer schemathesis pass than make test's (FUZZ_EXAMPLES requests per operation).
fuzz: $(VENV)/.installed
	FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),300) $(PY) -m pytest tests/integration/test_api_fuzz.py --no-cov

# The Lambda package we deploy, with the bytecode of every module: dist/deployment-arm64.zip
# (infra/package.py). LAMBDA_ARCHITECTURE=x86_64 builds dist/deployment-x86_64.zip, to measure here.
package: $(VENV)/.installed
	$(PY) -m infra.package

# Every benchmark, one table: bench/RESULTS.md and bench/results.png. Not part of `make test`.
# Sizes and run counts: make bench BENCH_ARGS="--events 200 --scale-sizes 10,1000" (see python -m bench --help).
bench: $(VENV)/.installed
	$(PY) -m bench $(BENCH_ARGS)

# The whole system on LocalStack at $$LOCALSTACK_HOST (default localhost:4566): one
# that answers there is used and left running (Docker's, say); on a free address
# a host-mode LocalStack is started, and stopped with the runner.
run-localstack: $(VENV)/.installed
	$(LOCALSTACK_INSTALL)
	$(PY) -m infra.local.run --stage localstack --localstack $(LOCALSTACK_ADDRESS)

# Host-mode LocalStack alone, in the foreground until Ctrl-C.
localstack: $(VENV)/.installed
	$(LOCALSTACK_INSTALL)
	$(PY) -m infra.localstack.host serve --address $(LOCALSTACK_ADDRESS)

# What LocalStack's init hook does, from this machine's venv instead of the container.
# The bootstrap signs nothing: a throwaway key satisfies the settings' check.
bootstrap-localstack: $(VENV)/.installed
	CATALYST_STAGE=localstack AWS_ENDPOINT_URL=$(LOCALSTACK_ENDPOINT) $(LOCALSTACK_CREDENTIALS) \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))') \
	$(PY) -m infra.local.bootstrap --stage localstack

# The integration suite on LocalStack at $$LOCALSTACK_HOST, found or started as for
# run-localstack, in a fresh account of its own that it empties afterwards
# (infra/localstack/isolated_account.py).
test-localstack: $(VENV)/.installed
	$(LOCALSTACK_INSTALL)
	CATALYST_INTEGRATION_BACKEND=localstack CATALYST_LOCALSTACK_ADDRESS=$(LOCALSTACK_ADDRESS) \
		$(PY) -m pytest tests/integration --no-cov

# AWS: `make cdk-deploy STAGE=prod`. Uses your AWS credentials and region as the AWS CLI does.
# FRONT_DOOR=rest puts Chalice's REST API in front instead of the HTTP API.
FRONT_DOOR_CONTEXT = $(if $(FRONT_DOOR),-c front_door=$(FRONT_DOOR))
# The stack deploys the package the stages' architecture needs, built first (never an x86_64 one).
cdk-synth cdk-diff cdk-bootstrap cdk-deploy: cdk-%: $(INFRA) $(CDK_CLI)
	env -u LAMBDA_ARCHITECTURE $(PY) -m infra.package --stage $(STAGE)
	cd infra/cdk && $(CDK_BIN)/cdk $* -c stage=$(STAGE) $(FRONT_DOOR_CONTEXT)

# The whole stack into a running LocalStack (cdklocal targets http://localhost:4566), behind
# the REST API: LocalStack's community edition has no HTTP APIs (API Gateway v2).
cdklocal-deploy: $(INFRA) $(CDK_CLI)
	env -u LAMBDA_ARCHITECTURE $(PY) -m infra.package --stage $(STAGE)
	cd infra/cdk && $(CDK_BIN)/cdklocal bootstrap -c stage=$(STAGE) && \
	$(CDK_BIN)/cdklocal deploy -c stage=$(STAGE) -c front_door=$(or $(FRONT_DOOR),rest) --require-approval never

clean:
	rm -rf $(VENV) dist .pytest_cache .ruff_cache .coverage coverage.xml htmlcov test-artifacts \
	infra/cdk/cdk.out infra/cdk/node_modules .localstack infra/localstack/node_modules
