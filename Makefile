# make test / make lint run exactly what CI and contributors run.
.PHONY: test lint samples

test:
	pip install '.[test]' && python -m pytest

lint:
	ruff check src tests bench && ruff format --check src tests bench && mypy src/cdtext

samples:
	python corpus/tools/make_samples.py
