"""The installed package holds every module and data file of src/cdtext, and the README's first command works
with the installed entry point from a folder outside the checkout (so the source tree cannot mask a gap)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

import cdtext

SOURCE = REPO / "src" / "cdtext"
SHIPPED_SUFFIXES = {".py", ".html", ".css", ".npz", ".json", ".safetensors", ".onnx", ".typed"}


def shipped_files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.suffix in SHIPPED_SUFFIXES and "__pycache__" not in p.parts
    }


def test_installed_package_has_every_source_module_and_data_file() -> None:
    installed = Path(cdtext.__file__).resolve().parent
    if installed == SOURCE.resolve():
        pytest.skip("cdtext is installed in editable mode: the installed files are the source tree")
    missing = shipped_files(SOURCE) - shipped_files(installed)
    assert not missing, f"not installed: {sorted(missing)}"
    for name in ("default", "standard", "fast"):
        assert (installed / "models" / f"{name}.npz").is_file()


def test_readme_first_command_from_outside_the_checkout(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    command = readme.split("```bash", 1)[1].split("```", 1)[0].strip()
    assert command.startswith("pip install . && cdtext run ")
    args = command.split("&& cdtext ", 1)[1].split()
    exe = shutil.which("cdtext")
    if exe is None:
        pytest.skip("no cdtext entry point on PATH")
    # paths in the command are relative to the checkout; run from elsewhere with them made absolute
    args = [str(REPO / a) if (REPO / a).exists() else a for a in args]
    args[args.index("--out") + 1] = str(tmp_path / "out")
    result = subprocess.run([exe, *args, "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "report.html").stat().st_size > 10_000
