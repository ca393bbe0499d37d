# Reproduce, audit and extend "Scaling Laws Under the Microscope".
# `make paper` is the main command; `make test` runs the test suite. See `make help`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules -j2

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed-from-lock
B          ?= 1000
SEED       ?= 20260331
ARGS       := --B $(B) --seed $(SEED)

# Every part depends on the whole library: scripts import only analysis.core (tests/test_architecture.py),
# so a change to any imported module rebuilds every part that imports it (tests/test_build_integrity.py).
LIB        := $(wildcard analysis/core/*.py) analysis/__init__.py
METHOD_STAMP := results/.method
DATA_FILES := $(filter-out data/curate.py,$(wildcard data/*.csv data/*.csv.gz)) data/SHA256SUMS
PARTS_DIR  := results/ledger
DATA_OK    := $(PARTS_DIR)/s0_data_check.json
SECTIONS   := s1_loss_scaling s2_task_scaling s3_correlation s4_extrapolation s5_transfer
EXTENSIONS := $(patsubst analysis/%.py,%,$(wildcard analysis/x[0-9]*_*.py))
AUDIT      := $(PARTS_DIR)/s6_audit.json
PARTS      := $(DATA_OK) $(SECTIONS:%=$(PARTS_DIR)/%.json) $(EXTENSIONS:%=$(PARTS_DIR)/%.json) $(AUDIT)
LEDGER     := results/ledger.json
PAPER_SRC  := $(wildcard paper/*.qmd paper/sections/*.qmd paper/*.bib paper/_quarto.yml paper/*.typ paper/_extensions/*/*)
# The manuscript's build stages: the provenance appendix, staging into paper/_generated/, the fallback renderer.
PAPER_TOOLS := tools/__init__.py tools/provenance.py $(wildcard tools/render/*.py tools/render/*.lua)
PAPER_OUT  := paper/paper.pdf paper/paper.html
# Which renderer builds the manuscript: `fallback` (tools/render: pandoc + typst from the lock,
# the default and what `make test` checks everywhere) or `quarto` (the Quarto CLI on PATH; the
# CI workflow .github/workflows/paper.yml runs both). An explicit choice: nothing is auto-detected.
RENDERER   ?= fallback
RENDERER_STAMP := results/.renderer

.PHONY: help all env data-check analysis tables figures paper verify check-record record test bench lock clean distclean
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

env: $(VENV_STAMP) ## create .venv from the hashed lock (automatic on first use)

# Self-repairing: a venv whose interpreter or pip does not run (for example a `python -m venv`
# that was killed) is removed and created again; the stamp is written only after a complete
# install, so an interrupted install is simply repeated.
# Installer: uv (hash-pinned in requirements-uv.lock) installs the lock in about a sixth of pip's
# time; where no uv wheel fits or uv fails, pip installs the same lock. Both enforce the hashes.
PIP_QUIET := --quiet --quiet --disable-pip-version-check
$(VENV_STAMP): requirements.lock requirements-uv.lock
	@if ! "$(PY)" -m pip --version >/dev/null 2>&1; then \
	  if [ -e "$(VENV)" ]; then echo "$(VENV) is incomplete (no working pip): creating it again"; fi; \
	  rm -rf "$(VENV)" && "$(PYTHON_SYS)" -m venv "$(VENV)"; \
	fi
	@if "$(PY)" -m pip install $(PIP_QUIET) --require-hashes --no-deps -r requirements-uv.lock >/dev/null 2>&1 \
	   && "$(VENV)/bin/uv" pip install --quiet --python "$(PY)" --require-hashes --no-deps -r requirements.lock; then \
	  echo "installed requirements.lock with uv"; \
	else \
	  echo "uv not available here: installing requirements.lock with pip"; \
	  "$(PY)" -m pip install $(PIP_QUIET) --require-hashes --no-deps -r requirements.lock; \
	fi
	@touch "$@"

# Method parameters are build inputs: results/.method holds the B and SEED of the last build.
# It is rewritten (atomically, while make reads this file) only when they change, so it is an
# ordinary prerequisite: `make B=200 paper` followed by `make paper` rebuilds every number with
# the default B instead of keeping the B = 200 ones, and `make -n` tells the truth.
# Both are skipped for the goals that build nothing.
METHOD := B=$(B) SEED=$(SEED)
ifneq ($(filter-out help clean distclean lock,$(or $(MAKECMDGOALS),help)),)
ifneq ($(file < $(METHOD_STAMP)),$(METHOD))
$(shell mkdir -p results && printf '%s\n' '$(METHOD)' > $(METHOD_STAMP).tmp && mv $(METHOD_STAMP).tmp $(METHOD_STAMP))
endif
# The renderer is a build input of the manuscript only, in the same way.
ifneq ($(file < $(RENDERER_STAMP)),$(RENDERER))
$(shell mkdir -p results && printf '%s\n' '$(RENDERER)' > $(RENDERER_STAMP).tmp && mv $(RENDERER_STAMP).tmp $(RENDERER_STAMP))
endif
endif

data-check: $(DATA_OK) ## verify data checksums and validate every table

$(DATA_OK): analysis/s0_data_check.py $(LIB) $(DATA_FILES) $(METHOD_STAMP) $(VENV_STAMP)
	"$(PY)" -m analysis.s0_data_check $(ARGS)

$(PARTS_DIR)/%.json: analysis/%.py $(LIB) $(DATA_OK) $(METHOD_STAMP) $(VENV_STAMP)
	"$(PY)" -m analysis.$* $(ARGS)

$(AUDIT): analysis/s6_audit.py data/paper_claims.csv $(SECTIONS:%=$(PARTS_DIR)/%.json)

$(LEDGER): analysis/build_ledger.py $(PARTS)
	"$(PY)" -m analysis.build_ledger

analysis: $(LEDGER) ## run every analysis script: ledger, tables, figures
tables figures: analysis

all: analysis ## data check + analysis (tables, figures, ledger)

paper: $(PAPER_OUT) ## build the manuscript PDF and HTML (RENDERER=fallback, the default, or RENDERER=quarto)

ifeq ($(filter $(RENDERER),fallback quarto),)
$(error RENDERER must be fallback or quarto, not '$(RENDERER)')
endif

# tools.provenance also stages results/ into paper/_generated/ (inside the Quarto project, typst's root).
$(PAPER_OUT) &: $(LEDGER) $(PAPER_SRC) $(PAPER_TOOLS) $(LIB) $(VENV_STAMP) $(RENDERER_STAMP)
	"$(PY)" -m tools.provenance
ifeq ($(RENDERER),quarto)
	@command -v quarto >/dev/null 2>&1 || { echo "RENDERER=quarto but the Quarto CLI is not on PATH"; exit 1; }
	cd paper && quarto render --to typst && quarto render --to html
else
	"$(PY)" -m tools.render --pdf paper/paper.pdf --html paper/paper.html
endif

verify: $(VENV_STAMP) ## recompute everything from data/ and compare with the committed record
	"$(PY)" -m tools.verify

check-record: $(LEDGER) ## compare the built ledger with the committed record (record/ledger.json)
	"$(PY)" -m tools.record check

record: $(LEDGER) ## deliberately update record/ledger.json from the build, listing what moved
	"$(PY)" -m tools.record update

# The record gate runs even when a test fails, so CI names the keys that moved either way.
test: $(PAPER_OUT) ## build the paper if needed, run the test suite, then the record gate
	@status=0; "$(PY)" -m pytest -q || status=$$?; "$(PY)" -m tools.record check || status=1; exit $$status

bench: $(VENV_STAMP) ## time a clean rebuild, a no-op make, and the bootstrap engines
	"$(PY)" -m tools.bench

lock: ## regenerate requirements.lock from requirements.in (needs uv and the network)
	uv pip compile --universal --python-version 3.11 --generate-hashes --no-header \
	  --index-url https://pypi.org/simple requirements.in -o requirements.lock

clean: ## remove generated results and manuscript outputs (keeps .venv and the committed record/)
	rm -rf results paper/paper.pdf paper/paper.html paper/_variables.yml paper/.build paper/_generated

distclean: clean ## also remove the virtual environment
	rm -rf $(VENV)
