"""The real-text corpus (corpus/real and corpus/staged): every stand-off reference resolves with its hash, nothing
overlaps the held-back set."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

import cdtext

SHARED = REPO.parent / "shared"
REAL = sorted((REPO / "corpus" / "real").glob("*/*.jsonl"))
FILES = REAL + sorted((REPO / "corpus" / "staged").glob("*/*.jsonl"))


@pytest.fixture(scope="module")
def resolved() -> pd.DataFrame:
    if not (SHARED / "realworld-pool").is_dir():
        pytest.skip("../shared/realworld-pool is not here")
    return cdtext.read_labels(FILES, text_root=SHARED)  # raises LabelError listing any row that does not resolve


def test_every_reference_resolves_and_matches_its_hash(resolved: pd.DataFrame) -> None:
    assert len(resolved) >= sum(1 for f in FILES for line in f.read_text().splitlines() if line.strip())
    assert resolved["text"].notna().all()
    assert all(s.startswith("realworld-pool/") for s in resolved["source"]), "never ../shared/realworld"


def test_no_resolved_passage_overlaps_the_held_back_set(resolved: pd.DataFrame, tmp_path: Path) -> None:
    table = tmp_path / "texts.csv"
    resolved.drop_duplicates("key")[["key", "text"]].rename(columns={"key": "id"}).to_csv(table, index=False)
    tool = SHARED / "tools" / "check_contamination.py"
    out = subprocess.run([sys.executable, str(tool), str(table)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "shares" not in out.stdout, out.stdout


def test_the_corpus_covers_every_pool_source_and_has_a_random_share(resolved: pd.DataFrame) -> None:
    from cdtext.annotation.api import consensus

    one = consensus(resolved[resolved["round"].isin({f.parent.name for f in REAL})])  # what the models train on
    assert len(one) >= 3000 and one["source"].nunique() >= 250
    folders = {p.name for p in (SHARED / "realworld-pool").iterdir() if p.is_dir()}
    used = Counter(s.split("/")[1] for s in one["source"])
    assert folders <= set(used), folders - set(used)
    assert (one["stratum"] == "random").sum() >= 500
    assert sum(not f for f in one["functions"]) >= 1500
