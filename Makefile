# Two entry points for a newcomer: `make serve` and `make test` (`make test-all` for CI).
# environment in .venv first (once; again when pyproject.toml changes).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test test-all lint setup bench-smoke

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	touch $@

setup: $(VENV)/.installed

# `make serve PORT=8080` (and HOST=0.0.0.0) override OVERSTAP_PORT / OVERSTAP_HOST.
serve: $(VENV)/.installed
	$(BIN)/overstap serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The quick suite: everything but the tests marked slow (pyproject's addopts), SQLite only
# unless OVERSTAP_TEST_POSTGRES_URL names a server.
test: lint
	$(BIN)/python -m pytest

# Everything, slow tests included; `.ci/run` calls it with a PostgreSQL server running,
# so every store, API and crash test also runs on PostgreSQL.
test-all: lint
	$(BIN)/python -m pytest -m "" --durations=15

# CI smoke run of the performance harness: it must complete and print valid JSON with
# its ratios. No speed is asserted (shared machines are noisy); docs/performance.md
# holds the figures of full runs.
bench-smoke: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[peer]'  # txtai, the peer (a no-op when installed)
	$(BIN)/overstap bench --quick --peer txtai > bench-quick.json
	$(BIN)/python -c "import json, sys; r = json.load(open('bench-quick.json')); \
	assert r['ratios'] and r['service']['endpoints'], 'no figures'; \
	assert r['ratios']['search_rps_over_txtai_c8'], 'no peer figures'; \
	assert r['peer']['top10_agreement_with_exact']['txtai'] >= 0.98, 'txtai indexed other labels'; \
	print('bench --quick: valid JSON,', len(r['ratios']), 'ratios')"
