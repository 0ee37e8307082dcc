# The two commands of the README:
#   make run    serve the essay's map at http://127.0.0.1:8000 (SQLite)
#   make test   run the tests
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup setup-dev lint fuzz

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_essay
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup-dev
	$(PY) -m pytest

# Exactly the checks of .ci/run besides the tests (and what the pre-commit hooks run).
lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# The contract's release check: schemathesis, every check, a random seed, four callers
# (scripts/fuzz.sh; SEED=n to repeat one).
fuzz: setup-dev
	scripts/fuzz.sh

setup:
	scripts/bootstrap.sh

setup-dev:
	scripts/bootstrap.sh dev
