# tsqa: the two commands of the README, and the steps they are made of.
#   make demo   set up, generate the sample landing folder, build, validate, publish
#   make test   the whole test suite (SQL lint, dbt build with every test, pytest)
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv comes from PATH when installed, else it is installed once into .tools/ (from PyPI).
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen
SCALE ?= 1
SEED ?= 7

# The published warehouse, as tsqa and dbt read it (TSQA_DUCKDB_PATH, else the default).
WAREHOUSE = $${TSQA_DUCKDB_PATH:-warehouse/tsqa.duckdb}

.PHONY: help setup browser java spark demo test lint pytest build docs bench clean dbt report sql analysis

help:
	@echo "make demo    - set up, generate sample data, build, validate, publish (the main job)"
	@echo "make test    - the whole test suite: SQL lint + pytest (dbt builds, GX, browser, extracts)"
	@echo "make lint    - SQLFluff on every model and analysis with SQL of its own"
	@echo "make build   - gated build of TSQA_RAW_DIR into TSQA_DUCKDB_PATH (ARGS='--verbose', '--full-refresh')"
	@echo "make spark   - the same dbt project built on a local Apache Spark (needs Java 17; ARGS='--select ...')"
	@echo "make report  - the Monthly Quality Report page (MONTH=2026-09; default: latest complete month; ARGS=--pdf)"
	@echo "make sql     - a DuckDB shell on the published warehouse, read-only (make sql < query.sql)"
	@echo "make analysis NAME=experiment_readout [VARS='{experiment_id: EXP-01}'] - compile and run analyses/NAME.sql"
	@echo "make dbt ARGS='...' - any dbt command, e.g. ARGS='build --select mart_quality_monthly'"
	@echo "make mf MF_ARGS='...' - the semantic layer (MetricFlow), e.g. MF_ARGS='list metrics'"
	@echo "make docs    - dbt docs (HTML) for the current warehouse"
	@echo "make bench   - the performance benchmark (writes BENCHMARKS.md)"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"

# The environment is (re)synced only when pyproject.toml or uv.lock change.
.venv/.tsqa-synced: pyproject.toml uv.lock | $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen
	@touch $@

setup: .venv/.tsqa-synced

# The report-page test drives a real headless Chromium (Debian's package, never a
# browser download). Installed with apt-get when missing and we may (root on Debian);
# elsewhere install Chromium or Chrome yourself, or point TSQA_CHROMIUM at it.
browser:
	@if [ -n "$$TSQA_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	    || command -v google-chrome >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Chromium for the report-page test (apt-get install chromium fonts-liberation)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null; \
	else echo "note: no Chromium found; the report-page test will fail: install chromium or set TSQA_CHROMIUM"; fi

# The Spark parity test and `make spark` need Java 17 (Debian's openjdk-17-jre-headless,
# installed with apt-get when missing and we may, as for Chromium above; elsewhere
# install a Java 17 runtime yourself or point JAVA_HOME at one).
java:
	@if [ -n "$$JAVA_HOME" ] || command -v java >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Java 17 for the Spark build (apt-get install openjdk-17-jre-headless)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else echo "note: no Java found; the Spark parity test will fail: install Java 17 or set JAVA_HOME"; fi

# dbt build of TSQA_RAW_DIR on a local Spark, in one process (tsqa/spark.py): Spark's
# metastore and warehouse under target/spark-build/spark, never in the project root.
spark: setup java
	SPARK_LOCAL_IP=127.0.0.1 $(RUN) tsqa spark-build $(ARGS)

demo: setup
	$(RUN) tsqa demo --scale $(SCALE) --seed $(SEED)

build: setup
	$(RUN) tsqa build $(ARGS)

# Tools of the locked environment, without activating it (or: source .venv/bin/activate).
dbt: setup
	$(RUN) dbt $(ARGS)

report: setup
	$(RUN) tsqa report $(if $(MONTH),--month $(MONTH)) $(ARGS)

# The DuckDB shell (PyPI package duckdb-cli) on the published file, read-only: it never
# holds the write lock, so a build can run meanwhile.
sql: setup
	@$(RUN) duckdb -readonly "$(WAREHOUSE)"

# An analysis (analyses/<NAME>.sql) compiled by dbt against the published file attached
# read-only (profile target `reader`, its own target folder), then run read-only.
NAME ?= experiment_readout
analysis: setup
	@$(RUN) dbt compile --quiet --target reader --target-path target/reader --select "$(NAME)" \
	    $(if $(VARS),--vars "$(VARS)") >/dev/null
	@$(RUN) duckdb -readonly -line "$(WAREHOUSE)" < target/reader/compiled/tsqa/analyses/$(NAME).sql

# SQLFluff (dbt templater) on the files that hold SQL of their own. A model whose body is
# only macro calls (landing__*, quarantine__*: `{{ landing_select(...) }}`) is left out:
# SQLFluff ignores violations in templated areas, so all it did there was render and
# parse some 20 KB of macro output each (the macros' SQL runs in every dbt build).
LINT_FILES = $(shell for f in $$(find models analyses -name '*.sql' | sort); do \
    grep -qvE '^[[:space:]]*(\{\{.*\}\}|\{\#.*|--.*)?[[:space:]]*$$' $$f && echo $$f; done)
lint: setup
	$(RUN) sqlfluff lint --processes 2 $(LINT_FILES)

# pytest runs on up to 4 cores (pytest-xdist; PYTEST_WORKERS=0: one process, N: N workers):
# a test file per worker, so its module fixtures build once, the dearest files first
# (tests/conftest.py, DEAREST_FIRST; --no-loadscope-reorder keeps that order), the
# workers sharing one sample warehouse (built by the first that needs it, under a file
# lock). More than 4 gives nothing here: two files (the Spark parity test and the gated
# builds of test_publish.py) are most of the time, and each worker holds a dbt server.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)
pytest: setup browser java
	$(RUN) pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder) \
	    $(PYTEST_ARGS)

test: lint pytest

docs: setup
	$(RUN) dbt docs generate

# about 45 minutes on 2 cores; e.g. BENCH_ARGS='--scales 1 --runs 1' for a quick look
BENCH_ARGS ?= --scales 50 500 --runs 3
bench: setup
	$(RUN) python -m tsqa.bench $(BENCH_ARGS)

# The semantic layer (models/marts/_marts__semantic_models.yml): MetricFlow's `mf`, read-only
# (profiles.yml target `semantic`) on the published warehouse. `dbt parse` first writes the
# semantic manifest MetricFlow reads (target/semantic_manifest.json; the gated build keeps
# its artefacts in target/gate). E.g. make mf MF_ARGS="list metrics"
.PHONY: mf
MF_ARGS ?= query --metrics audits,accuracy --group-by metric_time__month,vendor --order metric_time__month,vendor
mf: setup
	TSQA_DBT_TARGET=semantic $(RUN) dbt parse --quiet
	TSQA_DBT_TARGET=semantic $(RUN) mf $(MF_ARGS)

clean:
	rm -rf target logs .pytest_cache
