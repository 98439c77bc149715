# Quick start: `make demo` (set up + run the whole pipeline on sample data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
BOOT := .csq/bootstrap
UV := $(BOOT)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

# Compiled bytecode saves ~5 s per Dagster process start (this machine sets
# PYTHONDONTWRITEBYTECODE=1); no telemetry from dbt, GX or Dagster.
export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: setup demo test lint dev docs bi bi-setup browser java spark-setup bench clean

$(UV):
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

## setup: create .venv from uv.lock (exact versions) and parse the dbt project
setup: $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	$(BIN)/csq prepare

## demo: generate sample deliveries and run extracts -> raw -> star -> gate -> marts -> publish
demo: setup
	$(BIN)/csq demo

## browser: Debian's Chromium and a CJK font, for the BI tests in a real browser (as root)
browser:
	@dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

## java: Debian's Java 17 runtime for the Spark engine (CSQ_ENGINE=spark; as root)
java:
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

## spark-setup: the Spark engine's environment (spark/.venv: dbt-spark, pyspark) and Java
spark-setup: $(UV) java
	$(UV) sync --frozen --project spark --python $(PYTHON)

## test: the whole suite (what CI runs)
test: setup bi-setup browser spark-setup
	$(BIN)/pytest -n 2 --dist loadfile --durations=15

## lint: ruff (Python) and sqlfluff (dbt SQL)
lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models

## dev: the Dagster UI on http://127.0.0.1:3000
dev: setup
	$(BIN)/csq dev

## docs: build the dbt docs and Data Docs and serve them on http://127.0.0.1:8081
docs: setup
	$(BIN)/csq docs

## bi: Superset with the dashboards on http://127.0.0.1:8088 (after make demo or csq run)
bi-setup: $(UV)
	$(UV) sync --frozen --project bi --python $(PYTHON)

bi: bi-setup
	bi/.venv/bin/python bi/serve.py

clean:
	rm -rf .csq/landing .csq/lake .csq/warehouse.duckdb .csq/published .csq/reports dbt_project/target

## bench: the benchmark (benchmarks/README.md); e.g. make bench BENCH_ARGS="--days 30 --agents 60"
BENCH_ARGS ?=
bench: setup
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)
