# Thin wrappers: the logic lives in scripts/ and the Python packages.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
LAB_ARGS ?= $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab check test lint release grade setup-system setup-sandbox clean-venv

# Create the virtual environment and install the course (again only when pyproject changes).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.10 or newer is needed; this is " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## make lab: set up, copy new material into workspace/, open JupyterLab on the start page.
lab: $(STAMP)
	$(BIN)/python -m aicareer.workspace --repo . --workspace workspace
	cd workspace && PATH="$(CURDIR)/$(BIN):$$PATH" ../$(BIN)/jupyter lab $(LAB_ARGS) START.ipynb

## make check: grade your own workspace with the full tests; feedback in workspace/feedback/.
check: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m autograder check --workspace workspace

## make test: everything CI checks: lint, unit tests, notebooks, nbgrader, browser.
test: $(STAMP) setup-system lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest --nbval

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check aicareer autograder tests scripts benchmarks nbgrader_config.py

## Debian packages: chromium for the browser tests, bubblewrap for isolated grading,
## postgresql for the PostgreSQL gradebook test (installed when missing and we are root;
## otherwise a note says what to install).
setup-system:
	@sh scripts/setup-system.sh chromium bubblewrap postgresql

setup-sandbox:
	@sh scripts/setup-system.sh bubblewrap

## make release: regenerate release/ from source/ with nbgrader.
release: $(STAMP)
	$(BIN)/python -m autograder release

## make grade ASSIGNMENT=07-job-search [WORKERS=n]: autograde submitted/ (each kernel in a
## sandbox), feedback, grades CSV and report.
grade: $(STAMP) setup-sandbox
	@test -n "$(ASSIGNMENT)" || (echo "usage: make grade ASSIGNMENT=<name> [WORKERS=n]" >&2; exit 2)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m autograder grade $(ASSIGNMENT) $(if $(WORKERS),--workers $(WORKERS))

clean-venv:
	rm -rf $(VENV)
