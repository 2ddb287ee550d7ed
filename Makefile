# PartnerAPI — every target installs what it needs on a fresh machine.
#   make serve [PORT=8000] [DATA=sandbox-data.json]   local sandbox (emulated AWS, demo data)
#   make test                                         every test, including template lint and sam build
#   make build | lint | bench | faults | clean         (faults: the long fault-injection run, OPS= SEED=)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
TOOLS := .tools
PORT ?= 8000
DATA ?=
# every core, a test file per worker (each worker runs its own sandbox); PYTEST_ARGS= runs in one process
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: serve test build lint bench faults clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (spyne 2.14 does not import on 3.12+); set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $@

$(TOOLS)/.installed: requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --upgrade pip
	$(TOOLS)/bin/pip install --quiet -r requirements-tools.txt
	@touch $@

serve: $(VENV)/.installed
	$(VENV)/bin/partnerapi serve --port $(PORT) $(if $(DATA),--data $(DATA))

test: $(VENV)/.installed $(TOOLS)/.installed
	PARTNERAPI_TOOLS_BIN=$(CURDIR)/$(TOOLS)/bin SAM_CLI_TELEMETRY=0 $(VENV)/bin/pytest $(PYTEST_ARGS)

build: $(TOOLS)/.installed
	SAM_CLI_TELEMETRY=0 $(TOOLS)/bin/sam build

lint: $(VENV)/.installed $(TOOLS)/.installed
	$(TOOLS)/bin/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=eu-central-1 $(TOOLS)/bin/sam validate --lint
	$(VENV)/bin/ruff check layers infra functions tests bench

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/cold_start.py --write
	$(VENV)/bin/python bench/router_latency.py --write

# the long fault-injection run against the spec model (docs/performance.md, "Fault injection")
faults: $(VENV)/.installed
	$(VENV)/bin/python bench/fault_injection.py --ops $(or $(OPS),10000) --seed $(or $(SEED),20261202)

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache
