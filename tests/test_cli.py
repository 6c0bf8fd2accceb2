"""The command line through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cdtext.cli import main

from .conftest import REPO, SAMPLES


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_ingest_status_export(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    result = run(
        "ingest", str(SAMPLES), "--store", store, "--meta", str(REPO / "corpus" / "samples-metadata.csv"), "--jobs", "2"
    )
    assert result.exit_code == 0, result.output
    assert "5 file(s): 0 unchanged, 5 ok" in result.output

    status = run("status", "--store", store)
    assert status.exit_code == 0
    assert "5 document(s)" in status.output and "ok                 5" in status.output

    out = tmp_path / "p.jsonl"
    exported = run("export", "--store", store, "--table", "passages", "--out", str(out))
    assert exported.exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) > 30 and {"passage_id", "doc_id", "page", "text", "start", "end"} <= set(rows[0])

    parquet = tmp_path / "d.parquet"
    assert run("export", "--store", store, "--table", "documents", "--out", str(parquet)).exit_code == 0
    import pandas as pd

    assert len(pd.read_parquet(parquet)) == 5


def test_export_csv_to_stdout_neutralises_formulas(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "x.txt").write_text('=HYPERLINK("http://example.invalid","click") is not a formula here at all.\n')
    store = str(tmp_path / "s.duckdb")
    assert run("ingest", str(folder), "--store", store, "-q").exit_code == 0
    result = run("export", "--store", store, "--table", "passages", "--format", "csv")
    assert result.exit_code == 0
    assert "'=HYPERLINK" in result.output


def test_strict_exit_code(tmp_path: Path) -> None:
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    result = run("ingest", str(folder), "--store", str(tmp_path / "s.duckdb"), "--strict")
    assert result.exit_code == 3


def test_errors_are_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    result = CliRunner().invoke(main, ["status", "--store", str(missing)])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"Error: store not found: {missing}; create it with `cdtext ingest ... --store {missing}`"
    )

    result = CliRunner().invoke(main, ["export", "--store", str(missing), "--table", "nope"])
    assert result.exit_code == 2

    bad_meta = tmp_path / "m.csv"
    bad_meta.write_text("city\nAustin\n")
    result = CliRunner().invoke(
        main, ["ingest", str(SAMPLES), "--store", str(tmp_path / "s.duckdb"), "--meta", str(bad_meta)]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad_meta}: no column to match documents on")


def test_version_and_python_m() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "cdtext", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("cdtext, version")
