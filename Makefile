# The two commands: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := consult_app

.PHONY: run test install install-dev migrate demo lint typecheck check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load --if-empty

run: demo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install-dev
	$(BIN)/ruff check consult_app tests
	$(BIN)/mypy
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check consult_app tests
	$(BIN)/ruff format --check consult_app tests

typecheck: install-dev
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
