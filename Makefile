# Two commands for a newcomer: `make run` starts everything, `make test` runs the tests.
# Both bootstrap a local .venv (uv installed with pip, then `uv sync --frozen`).
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv

.PHONY: run test lint format bootstrap

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet "uv==0.13.9"

bootstrap: $(UV)
	$(UV) sync --frozen --quiet

run: bootstrap
	$(VENV)/bin/python -m config.devrun

test: bootstrap
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: bootstrap
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
