# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# Dagster's instance (run history, partitions, schedules) lives in the state folder.
export DAGSTER_HOME ?= $(or $(JUNHENG_STATE_DIR),$(CURDIR)/.junheng)/dagster
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: setup run backfill docs inspect test test-unit test-integration lint dev dbt-parse benchmark benchmark-national clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

# dagster-dbt reads dbt's manifest when the definitions are built, so it must exist first.
dbt-parse: setup
	$(BIN)/junheng dbt-parse

run: dbt-parse
	$(BIN)/junheng run $(if $(YEARS),--years $(YEARS))

# make backfill FIRST=2016 LAST=2018
backfill: dbt-parse
	$(BIN)/junheng backfill $(FIRST) $(LAST)

# dbt's documentation of every public table and column, after a run
docs: dbt-parse
	$(BIN)/junheng docs

# how the reader reads one file: make inspect FILE=raw/2023/正定县.xlsx
inspect: setup
	$(BIN)/junheng inspect "$(FILE)"

# Both tiers: tests/unit (fast, one folder per layer) and tests/integration (demo ingest,
# dbt build, Dagster materialisation, end to end).
test: dbt-parse lint
	$(BIN)/python -m pytest -n 2 -q

# The unit tier reads no dbt manifest, so it does not wait for dbt parse.
test-unit: setup
	$(BIN)/python -m pytest tests/unit -n 2 -q

test-integration: dbt-parse
	$(BIN)/python -m pytest tests/integration -n 2 -q

# SQL: sqlfluff with the jinja templater, offline (dbt_project/.sqlfluff says why not dbt's).
lint: setup
	$(BIN)/ruff check orchestration contracts tests scripts
	$(BIN)/ruff format --check orchestration contracts tests scripts
	$(BIN)/sqlfluff lint --processes 2 dbt_project/models dbt_project/macros dbt_project/tests

dev: dbt-parse
	$(BIN)/dagster dev -m orchestration.definitions --host 127.0.0.1

benchmark: setup
	$(BIN)/python scripts/benchmark_ingest.py

# Every county of the registry, one year, step by step against issue 13's goals
# (docs/performance.md). Smaller: make benchmark-national ARGS="--counties 30"
benchmark-national: dbt-parse
	$(BIN)/python scripts/benchmark_national.py $(ARGS)

clean:
	rm -rf .junheng warehouse dbt_project/target dbt_project/logs
