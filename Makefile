# Thin wrappers: the logic lives in scripts/ and the Python packages.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The test tools (pytest, playwright, ruff, psycopg) come on top, for make test only.
TEST_STAMP := $(VENV)/.installed-test
# Quiet pip: one line from us says what is happening instead of pip's progress. The
# warning filter drops setuptools' box about editable installs (a note for package authors,
# about folders named like the package; the course is installed from its own folder on purpose).
PIP    := PIP_ROOT_USER_ACTION=ignore PYTHONWARNINGS="ignore:Editable installation" \
          $(BIN)/python -m pip --quiet --disable-pip-version-check
# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
LAB_ARGS ?= $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab check test lint release grade class export-lms setup-system setup-sandbox clean-venv

# Create the virtual environment and install what the course needs to run (again only
# when pyproject changes): JupyterLab, nbgrader, ipywidgets, matplotlib, NumPy.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.10 or newer is needed; this is " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	@echo "Installing the course into $(VENV)/ (JupyterLab, nbgrader and friends): a few minutes the first time, once only."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip
	@$(PIP) install -e .
	@touch $(STAMP)

# The test extras, for make test and make lint.
$(TEST_STAMP): $(STAMP)
	@echo "Adding the test tools (pytest, nbval, playwright, ruff, psycopg)..."
	@$(PIP) install -e ".[test]"
	@touch $(TEST_STAMP)

## make lab: set up, copy new material into workspace/, open JupyterLab on the start page.
## The lab is the learner's (see learner-lab/): no instructor tools, no news prompt.
lab: $(STAMP)
	@$(BIN)/python -m aicareer.workspace --repo . --workspace workspace
	@cd workspace && ../$(BIN)/python ../scripts/lab.py $(LAB_ARGS) START.ipynb

## make check: grade your own workspace with the full tests; feedback in workspace/feedback/.
check: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m autograder check --workspace workspace

## make test: everything CI checks: lint, unit tests, notebooks, nbgrader, browser.
test: $(TEST_STAMP) setup-system lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest --nbval

lint: $(TEST_STAMP)
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

## make class [ROSTER=roster.csv]: the class page over every graded assignment
## (reports/class.html, class-grades.csv, class-summary.csv).
class: $(STAMP)
	$(BIN)/python -m autograder class $(if $(ROSTER),--roster $(ROSTER))

## make export-lms PLATFORM=canvas|moodle ROSTER=roster.csv: the grades as a CSV for the
## learning platform's gradebook import (reports/PLATFORM-grades.csv).
export-lms: $(STAMP)
	@test -n "$(PLATFORM)" -a -n "$(ROSTER)" || (echo "usage: make export-lms PLATFORM=canvas|moodle ROSTER=<roster.csv>" >&2; exit 2)
	$(BIN)/python -m autograder export-lms $(PLATFORM) --roster $(ROSTER)

clean-venv:
	rm -rf $(VENV)
