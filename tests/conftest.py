"""Shared fixtures: paths to ../shared material (skipped with a reason when absent)."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REALWORLD = SHARED / "realworld"
HOSTILE = SHARED / "hostile"
SAMPLES = REPO / "corpus" / "samples"


def corpus_tool(name: str) -> ModuleType:
    """A script of corpus/tools imported as a module (the scripts import each other by bare name)."""
    tools = str(REPO / "corpus" / "tools")
    sys.path.insert(0, tools)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(tools)


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


def pytest_configure(config: pytest.Config) -> None:
    # the tables cdtext keeps between runs (cdtext.cache) go to a folder of this session, shared by the cdtext
    # processes the tests start, never to the user's own cache
    os.environ["CDTEXT_CACHE_DIR"] = tempfile.mkdtemp(prefix="cdtext-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.get("CDTEXT_CACHE_DIR", ""), ignore_errors=True)
