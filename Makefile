# Three commands: `make demo`, `make check` (the fast tier) and `make test` (everything). Each creates
# .venv when it is missing; `make check PYTHON=python3.13 VENV=.venv313` runs the fast tier on another Python.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader's generate_assignment runs `alembic` in a subprocess: the venv's bin must be on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: install sandbox proxy check test demo release clean

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed sandbox proxy

# JupyterHub's proxy (node's configurable-http-proxy, pinned in tools/node/) for the hub tests and a
# term on JupyterHub: installed into .node/ (not committed); skipped, saying so, without npm.
proxy: .node/.installed
.node/.installed: tools/node/package.json tools/node/package-lock.json
	@if command -v npm >/dev/null; then \
	  mkdir -p .node && cp tools/node/package.json tools/node/package-lock.json .node/ && \
	  npm ci --prefix .node --no-audit --no-fund --loglevel=error >/dev/null && touch $@; \
	else \
	  echo "npm is missing: the JupyterHub tests are skipped (install nodejs and npm, e.g. 'sudo apt-get install nodejs npm')"; \
	fi

# The student's kernel runs inside bubblewrap during autograde (graders/run/sandbox.py).
sandbox:
	@command -v bwrap >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing bubblewrap (kernel sandbox) from Debian's packages"; \
	    apt-get install -y -q bubblewrap >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q bubblewrap >/dev/null; }; \
	  else \
	    echo "bubblewrap (bwrap) is missing: install it (e.g. 'sudo apt-get install bubblewrap');" \
	         "grading refuses to run without it unless CALC4ML_UNSAFE_NO_SANDBOX=1"; \
	  fi; }

# The fast tier: unit tests and every corpus variant judged in-process (tests/test_corpus_inprocess.py);
# what runs nbgrader, calc4ml, kernels that time out or CPU burners is marked e2e and left to `make test`.
check: $(VENV)/.installed sandbox
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# the thirty slowest tests are listed at the end: where the suite's time goes
test: install
	$(BIN)/python -m pytest --durations=30 $(PYTEST_ARGS)

demo: install
	$(BIN)/python tools/demo.py

release: install
	$(BIN)/calc4ml release

clean:
	rm -rf autograded feedback exports grades.csv gradebook.db .pytest_cache
