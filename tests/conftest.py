"""Shared fixtures: paths to ../shared material (skipped with a reason when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REALWORLD = SHARED / "realworld"
HOSTILE = SHARED / "hostile"
SAMPLES = REPO / "corpus" / "samples"


def need(path: Path) -> Path:
    """Return ``path`` or skip the test when the shared material is not there."""
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only present next to a checkout of the project)")
    return path


@pytest.fixture
def realworld() -> Path:
    return need(REALWORLD)


@pytest.fixture
def hostile() -> Path:
    return need(HOSTILE)
