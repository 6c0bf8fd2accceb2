"""The measuring labels on ../shared/realworld (bench/realworld): every stand-off reference resolves with its hash,
they point only at ../shared/realworld, none overlaps the held-back set, and none is a training passage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

import cdtext

SHARED = REPO.parent / "shared"
FILES = sorted((REPO / "bench" / "realworld").glob("*/*.jsonl"))


@pytest.fixture(scope="module")
def resolved() -> pd.DataFrame:
    if not (SHARED / "realworld").is_dir():
        pytest.skip("../shared/realworld is not here")
    return cdtext.read_labels(FILES, text_root=SHARED)  # raises LabelError listing any row that does not resolve


def test_every_reference_resolves_to_realworld_and_matches_its_hash(resolved: pd.DataFrame) -> None:
    assert FILES, "bench/realworld holds no label files"
    assert len(resolved) == sum(1 for f in FILES for line in f.read_text().splitlines() if line.strip())
    assert resolved["text"].notna().all()
    assert all(s.startswith("realworld/") for s in resolved["source"]), "measuring labels point at ../shared/realworld"
    assert set(resolved["round"]) == {f.parent.name for f in FILES}


def test_no_measured_passage_overlaps_the_held_back_set(resolved: pd.DataFrame, tmp_path: Path) -> None:
    table = tmp_path / "texts.csv"
    resolved.drop_duplicates("key")[["key", "text"]].rename(columns={"key": "id"}).to_csv(table, index=False)
    tool = SHARED / "tools" / "check_contamination.py"
    out = subprocess.run([sys.executable, str(tool), str(table)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "shares" not in out.stdout, out.stdout


def test_no_measured_passage_is_a_training_label() -> None:
    trained = cdtext.read_labels(sorted((REPO / "corpus" / "real").glob("*/*.jsonl")), resolve=False)
    measured = cdtext.read_labels(FILES, resolve=False)
    assert not set(trained["sha1"].dropna()) & set(measured["sha1"].dropna())
    assert not any(str(s).startswith("realworld/") for s in trained["source"])
