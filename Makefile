# Hive: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv lint typecheck format messages compilemessages worker beat clean

# The venv is rebuilt when a requirements file changes (the stamp is older).
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Hive needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

venv: $(VENV)/.runtime

## Start the portal with demo data on the embedded default (SQLite, eager tasks).
run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (on DATABASE_URL / REDIS_URL when they are set), one process
## per core (pytest-xdist; each has its own test database); PYTEST_ARGS=-n0 runs it in one.
test: $(VENV)/.dev
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## mypy with django-stubs and the DRF stubs (pyproject.toml [tool.mypy]): a lenient
## baseline for the project, strict on the core mechanisms and every services/selectors.
typecheck: $(VENV)/.dev
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Refresh the Chinese catalogue from the source, then compile it (needs GNU gettext).
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --no-obsolete \
		--ignore=.venv --ignore=staticfiles --ignore=media --ignore=tests --ignore=scripts
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

worker: $(VENV)/.runtime
	$(BIN)/celery -A config worker --loglevel=info

beat: $(VENV)/.runtime
	$(BIN)/celery -A config beat --loglevel=info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
