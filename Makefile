# Two commands do all set-up on a fresh Debian machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | sha256sum | cut -c1-12)
# Every system package the tests, the generators and `make run` use (a fresh machine has only these):
# Tesseract with Chinese; the CJK fonts the test-document generators draw with (synth/pdf.py FONTS,
# checked by tests/test_system_files.py); qpdf for broken-PDF fixtures; PostgreSQL for the ingestion
# tests; LibreOffice Writer/Calc (headless) to lay out test documents this project did not draw, and
# poppler-utils to rasterise them; Chromium (headless) for the review-report test.
APT_PKGS := tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-zenhei fonts-arphic-uming fonts-arphic-ukai \
  fonts-noto-cjk qpdf postgresql libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils chromium
export OMP_THREAD_LIMIT := 1
export PREFECT_HOME ?= $(CURDIR)/.prefect
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: all setup system-deps run test test-all bench clean golden

all: run

system-deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing" >&2; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "warning: missing system packages:$$missing (not root: install them yourself)" >&2; fi; \
	fi

# pip's machine-wide config names local indexes that may not exist; its warnings about them are noise
PIP := $(BIN)/python -m pip install -q --disable-pip-version-check
QUIET_PIP := 2>&1 | { grep -v 'WARNING: Location' || true; }; test $${PIPESTATUS[0]} -eq 0

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing pinned Python packages into $(VENV) (requirements.lock)" >&2
	@$(PIP) -r requirements.lock $(QUIET_PIP)
	@$(PIP) --no-deps --no-build-isolation -e . $(QUIET_PIP)
	@rm -f $(VENV)/.installed-*; touch $@

setup: system-deps $(STAMP)

run: setup
	$(BIN)/jixiao ingest data/samples --out output --db sqlite:///$(CURDIR)/output/jixiao.db; \
	  status=$$?; [ $$status -eq 0 ] || [ $$status -eq 3 ] || exit $$status
	$(BIN)/jixiao report output --screenshot output/report.png
	@echo "wrote output/ (JSON per source, forms/indicators/calc_terms/findings CSV and jixiao.xlsx, manifest.jsonl, jixiao.db, report.html and its first screen report.png)"

test: setup
	$(BIN)/python -m pytest -q -n 2

test-all: setup
	$(BIN)/python -m pytest -q -n 2 -m ''

bench: setup
	$(BIN)/python -m bench

golden: setup
	$(BIN)/jixiao extract ../shared/samples/futian_hr_2025_declarations.txt --format jsonl \
	  | $(BIN)/python ../shared/tools/check_golden.py ../shared/golden/futian_hr_2025_declarations.expected.jsonl

clean:
	rm -rf $(VENV) output/* .pytest_cache .prefect
