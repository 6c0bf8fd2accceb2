# make test / make lint run exactly what CI and contributors run.
.PHONY: test lint samples bench

test:
	pip install '.[test]' && python -m pytest

lint:
	ruff check cdtext tests && ruff format --check cdtext tests && mypy cdtext

samples:
	python corpus/tools/make_samples.py
