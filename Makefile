# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint migrate neo4j neo4j-stop bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/bcg migrate

run: migrate
	$(BIN)/bcg serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check app graph ingest migrations tests synth bench
	$(BIN)/mypy app graph ingest

test: $(STAMP)
	scripts/test.sh

neo4j:
	@scripts/neo4j.sh start

neo4j-stop:
	@scripts/neo4j.sh stop

clean:
	rm -rf $(VENV) build *.egg-info .neo4j neo4j-local/target

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
