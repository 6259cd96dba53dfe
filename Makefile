# Courage Hub – the two commands: `make run` and `make test`.
#
# make run    set up .venv, install, migrate, seed demo data once, serve on http://127.0.0.1:5000
# make test   install dev dependencies, lint, run the suite on SQLite and, when TEST_DATABASE_URL is set
#             (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test), again on PostgreSQL.
# make mutate mutation testing of the rule modules (slow, not part of `make test`): mutmut changes
#             school year, access policy, visibility rules and the joining process one small bug at a time,
#             runs the tests that cover each change and lists the survivors and the score.
# make bench  seed Germany-size demo data, serve it with gunicorn, measure every page (bench/run.py),
#             on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL; tables go to bench/results/.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app courage_hub
PYTEST_ARGS ?= -n auto
MUTMUT_ARGS ?= --max-children 2
HOST ?= 127.0.0.1
PORT ?= 5000
# The W3C Nu Html Checker (npm package vnu-jar) that the browser tests run over every page they visit.
VNU_VERSION := 26.9.27
VNU_STAMP   := $(VENV)/vnu/.installed-$(VNU_VERSION)

.PHONY: run test bench mutate install install-dev install-bench install-mutate lint format migrate seed translations browser vnu clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(VENV)/.installed-mutate: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,mutate]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench
install-mutate: $(VENV)/.installed-mutate

run: export COURAGE_HUB_ENV ?= development
run: install
	$(FLASK) db upgrade
	@if $(FLASK) db-is-empty; then $(FLASK) seed-demo; fi
	@echo ""
	@echo "Courage Hub läuft auf http://$(HOST):$(PORT)  – Demo-Zugänge:"
	@$(FLASK) demo-logins
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev browser vnu
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	COURAGE_HUB_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
		COURAGE_HUB_TEST_DB=postgres $(BIN)/pytest $(PYTEST_ARGS) -m "not browser"; \
	else \
		echo "TEST_DATABASE_URL is not set: skipped the PostgreSQL run."; \
	fi

# BENCH_ARGS e.g. "--db sqlite --requests 200"; see `.venv/bin/python bench/run.py --help`.
bench: install-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The modules and the tests are set in pyproject.toml ([tool.mutmut]); survivors are either killed by a test or
# explained beside the code (`# pragma: no mutate` with the reason). `$(BIN)/mutmut show NAME` shows one mutant.
mutate: install-mutate
	rm -rf mutants
	COURAGE_HUB_TEST_DB=sqlite $(BIN)/mutmut run $(MUTMUT_ARGS)
	$(BIN)/mutmut export-cicd-stats
	@echo "== Survivors"
	@$(BIN)/mutmut results
	@$(BIN)/python scripts/mutation_score.py

# Browser tests drive Debian's chromium; install it when missing and possible.
browser:
	@sh scripts/ensure-chromium

# The HTML checker: Java (installed like chromium when missing) and vnu.jar from npm into .venv/vnu (ignored by git).
vnu: $(VNU_STAMP)
	@sh scripts/ensure-java

$(VNU_STAMP):
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install it (Debian: apt-get install npm) or set SKIP_BROWSER_TESTS=1." >&2; exit 1; }
	rm -rf $(VENV)/vnu
	npm install --prefix $(VENV)/vnu --no-save --no-audit --no-fund --ignore-scripts vnu-jar@$(VNU_VERSION)
	touch $@

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	COURAGE_HUB_ENV=development $(FLASK) db upgrade

seed: install
	COURAGE_HUB_ENV=development $(FLASK) seed-demo

# Re-extract the message catalog after changing user-visible strings, then translate and compile.
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k pgettext:1c,2 -k lazy_pgettext:1c,2 -o courage_hub/translations/messages.pot --no-location --sort-output --ignore-dirs '.* ._ mutants' . templates/_macros
	$(BIN)/pybabel update -i courage_hub/translations/messages.pot -d courage_hub/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d courage_hub/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
