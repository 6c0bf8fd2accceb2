"""The code stays as ruff's rules in pyproject.toml want it (lint and formatting)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import REPO

RUFF = shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed (pip install '.[test]')")
@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(args: list[str]) -> None:
    assert RUFF is not None
    out = subprocess.run([RUFF, *args, "src", "tests", "bench"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
