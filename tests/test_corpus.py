"""The annotated corpus: coverage minimums, near-duplicates, fixed split, documented distribution."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO

from cdtext.corpus import DEFAULT_CORPUS, check_corpus, load_corpus, near_duplicates


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return load_corpus()


def test_corpus_meets_every_minimum_and_has_no_near_duplicates(corpus: pd.DataFrame) -> None:
    problems = check_corpus(corpus)
    assert problems == [], "\n".join(problems[:30])


def test_near_duplicate_detector_catches_a_rewrite() -> None:
    a = "The mayor welcomed a delegation from Osaka to discuss port logistics and a new cargo route to Asia."
    b = "The mayor welcomed a delegation from Osaka to discuss port logistics and a new cargo route to Japan."
    c = "Council approved the library budget for the coming fiscal year after a short debate on hours."
    assert [(i, j) for i, j, _ in near_duplicates([a, b, c])] == [(0, 1)]


def test_split_is_fixed_in_the_files(corpus: pd.DataFrame) -> None:
    assert set(corpus.split) == {"train", "test"}
    assert 0.15 <= (corpus.split == "test").mean() <= 0.25


def test_readme_distribution_is_generated_and_current() -> None:
    script = REPO / "corpus" / "tools" / "corpus_stats.py"
    out = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (DEFAULT_CORPUS / "README.md").exists()
