# Two commands set Haven up on a fresh machine:
#   make demo   virtualenv + pinned packages, SQLite under var/, a demo network, served on :8000
#   make test   the whole suite: linters, then the tests on SQLite and on PostgreSQL
SHELL := /bin/bash
PYTHON := $(shell scripts/find-python 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint messages clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@if [ -z "$(PYTHON)" ]; then scripts/find-python; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

demo: $(STAMP)
	$(BIN)/haven demo

test: $(STAMP)
	scripts/test

lint: $(STAMP)
	scripts/test --lint-only

# Rebuild the translation catalogues after changing user-facing text (needs GNU gettext).
messages: $(STAMP)
	cd haven && ../$(BIN)/django-admin makemessages --locale ru --locale en --no-obsolete \
		--add-location file --ignore 'static/*'
	cd haven && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) var/test
