# Two commands for a newcomer: `make demo` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ALVH := $(VENV)/bin/alvh
SHARED_DATA ?= ../shared/data
export ALVH_SHARED_DATA ?= $(abspath $(SHARED_DATA))

.PHONY: demo test realdata headline lint typecheck bench install install-dev clean

$(VENV)/.installed: pyproject.toml
	@echo "[1/3] creating the virtualenv $(VENV) ..."
	@$(PYTHON) -m venv $(VENV)
	@echo "[2/3] upgrading pip ..."
	@$(PY) -m pip install -q --upgrade pip
	@echo "[3/3] installing alvh and its dependencies (numpy, pandas, scipy, numba, ...); the first time this downloads them and can take a minute or two ..."
	@$(PY) -m pip install -q -e .
	@touch $@
	@echo "installed: $(ALVH)"

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	@echo "installing the development tools (pytest, hypothesis, QuantLib, ruff, mypy) ..."
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: install and run the main job on the embedded synthetic market
demo: install
	@echo "running alvh demo --out out/demo: the condor ladder with the ALVH hedge on the synthetic market, then the evidence report"
	@$(ALVH) demo --out out/demo

## make test: install with dev extras and run the whole unit test suite
test: install-dev
	$(PY) -m pytest -q -m "not realdata"

## make realdata: checks against the real market history in ../shared/data
realdata: install-dev
	$(PY) -m pytest -q -m realdata

## make headline: the README's real-data comparison (all hedges + 4/4/2 sensitivity, each claim across its band of assumptions; own sizing = matched risk, then twin sizing for contrast) -> out/headline*/headline.md
HEADLINE_PRESETS := none,alvh-442,alvh-123,alvh-vega,vxth,442-budget,442-budget@margin,442-budget@spx_notional,442-instruments
HEADLINE_END ?= 2026-12-31# past the data's last session: the runs go to the end of the data
headline:
	@test -x $(ALVH) || { echo "alvh is not installed; run 'make install' first" >&2; exit 2; }
	$(ALVH) compare --presets $(HEADLINE_PRESETS) --data store --start 2006-01-03 --end $(HEADLINE_END) --band --out out/headline
	$(ALVH) compare --presets none,alvh-442,alvh-123,alvh-vega,vxth --config examples/ic-ladder-twin-sizing.toml --data store --start 2006-01-03 --end $(HEADLINE_END) --out out/headline-twin

lint: install-dev
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

typecheck: install-dev
	$(VENV)/bin/mypy

## make bench: benchmarks with ratios against baselines measured in the same run
bench: install-dev
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) out .pytest_cache
