# The README's two commands: `make demo` and `make test`. Both create the environment on first run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench bench-scale wheel clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tierup plan . --stack prod
	$(BIN)/tierup check . --stack prod
	$(BIN)/tierup cost . --stack prod
	$(BIN)/tierup graph . --stack prod

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/plan_latency.py
	$(BIN)/python bench/check_latency.py

# N copies (1, 5, 10, 20) of the reference architecture in one stack: plan and check CPU, wall, peak RSS
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py

wheel: $(STAMP)
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) dist build *.egg-info
