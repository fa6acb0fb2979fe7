# composer: make help lists the targets. Every target but help/clean runs setup first.
.DEFAULT_GOAL := help
.PHONY: help setup demo test check bench clean

BIN := .venv/bin

help:
	@echo "make setup  install libfluidsynth, a GM soundfont and .venv (idempotent, fast when done)"
	@echo "make demo   compose scores/product-video.toml into out/"
	@echo "make test   type-check (mypy --strict), then run the tests (pytest, one worker per core); what CI runs"
	@echo "make check  type-check only (mypy --strict)"
	@echo "make bench  benchmarks: start-up per command, compose speed and memory, brief parsing, reference figures, render vs fluidsynth -F, batch throughput"
	@echo "make clean  remove out/"

setup:
	@bash scripts/setup.sh

demo: setup
	$(BIN)/composer compose --brief-file scores/product-video.toml --out out --name product-video

test: setup
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -n auto --dist worksteal

check: setup
	$(BIN)/python -m mypy

bench: setup
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/compose.py
	$(BIN)/python benchmarks/brief.py
	$(BIN)/python benchmarks/reference.py
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/batch.py

clean:
	rm -rf out
