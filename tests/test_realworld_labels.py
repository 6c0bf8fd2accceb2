"""The measuring labels on ../shared/realworld (bench/realworld): stand-off rows without text; every reference
resolves with its hash, they point only at ../shared/realworld, none overlaps the held-back set, and none is a
training passage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REALWORLD, REPO, SHARED, need

import cdtext

FILES = sorted((REPO / "bench" / "realworld").glob("*/*.jsonl"))
TRAINING = sorted(p for part in ("real", "staged") for p in (REPO / "corpus" / part).glob("*/*.jsonl"))


@pytest.fixture(scope="module")
def resolved() -> pd.DataFrame:
    need(REALWORLD)
    return cdtext.read_labels(FILES, text_root=SHARED)  # raises LabelError listing any row that does not resolve


def test_rows_hold_references_and_labels_but_no_text() -> None:
    assert FILES, "bench/realworld holds no label files"
    for path in FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert not {"text", "before", "after"} & set(row), f"{path.name}: third-party text in a label row"
            assert row["source"].startswith("realworld/") and row["sha1"] and row["doc_sha256"]
            assert len(row.get("note") or "") <= 200, f"{path.name}: a note is longer than a short reason"


@pytest.mark.realworld
def test_every_reference_resolves_to_realworld_and_matches_its_hash(resolved: pd.DataFrame) -> None:
    assert len(resolved) == sum(1 for f in FILES for line in f.read_text().splitlines() if line.strip())
    assert resolved["text"].notna().all()
    assert all(s.startswith("realworld/") for s in resolved["source"]), "measuring labels point at ../shared/realworld"
    assert set(resolved["round"]) == {f.parent.name for f in FILES}


@pytest.mark.realworld
def test_no_measured_passage_overlaps_the_held_back_set(resolved: pd.DataFrame, tmp_path: Path) -> None:
    table = tmp_path / "texts.csv"
    resolved.drop_duplicates("key")[["key", "text"]].rename(columns={"key": "id"}).to_csv(table, index=False)
    tool = SHARED / "tools" / "check_contamination.py"
    out = subprocess.run([sys.executable, str(tool), str(table)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "shares" not in out.stdout, out.stdout


def test_no_measured_passage_is_a_training_label() -> None:
    trained = cdtext.read_labels(TRAINING, resolve=False)
    measured = cdtext.read_labels(FILES, resolve=False)
    assert not set(trained["sha1"].dropna()) & set(measured["sha1"].dropna())
    assert not any(str(s).startswith("realworld/") for s in trained["source"])
