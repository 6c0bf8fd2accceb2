"""Hostile input: every file accounted for, limits hold, nothing executable reaches outputs."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HOSTILE, REPO

import cdtext
from cdtext.types import STATUSES

pytestmark = pytest.mark.realworld


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """`cdtext ingest ../shared/hostile --jobs 2 --timeout 20`, in a child process that reports its own peak memory."""
    if not HOSTILE.exists():
        pytest.skip(f"{HOSTILE} is absent (../shared is only present next to a checkout of the project)")
    store = tmp_path_factory.mktemp("hostile") / "S.duckdb"
    code = (
        "import json, resource, time, cdtext\n"
        "t = time.monotonic()\n"
        f"s = cdtext.ingest([{str(HOSTILE)!r}], {str(store)!r}, config={{'jobs': 2, 'timeout': 20}})\n"
        # VmHWM is this process's own peak; ru_maxrss also counts the (large) pytest process it was spawned
        # from, because Linux keeps the parent's high-water mark across fork and exec
        "status = open('/proc/self/status').read() if __import__('os').path.exists('/proc/self/status') else ''\n"
        "hwm = [int(l.split()[1]) for l in status.splitlines() if l.startswith('VmHWM:')]\n"
        "peak = hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'seconds': time.monotonic() - t, 'total': s.total, 'parent_peak_mb': peak / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    return store, json.loads(out.stdout.strip().splitlines()[-1])


def manifest() -> list[dict[str, str]]:
    with open(HOSTILE / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_every_hostile_file_accounted_once_within_limits(hostile_run: tuple[Path, dict]) -> None:
    store, run = hostile_run
    docs = cdtext.read_documents(store)
    files = sorted(str(p.absolute()) for p in HOSTILE.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert sorted(docs.path) == files and docs.path.is_unique
    assert set(docs.status) <= set(STATUSES)
    assert (docs[docs.status != "ok"].reason.str.len() > 0).all()
    assert run["seconds"] < 600, "the batch must end within 10 minutes"
    assert run["parent_peak_mb"] < 500, run
    assert docs.seconds.max() <= 20 + 5, "no worker may run past its limit by more than 5 s"
    assert docs.worker_peak_mb.max() <= 2048, "no worker above its memory limit"


def test_files_the_bare_libraries_read_still_give_text(hostile_run: tuple[Path, dict]) -> None:
    store, _ = hostile_run
    docs = cdtext.read_documents(store).set_index("path")
    observed = next(k for k in manifest()[0] if k.startswith("observed"))
    readable = []
    for row in manifest():
        m = re.search(r"plumber: ok pages=\d+ chars=(\d+)", row[observed])
        if row["local_path"].startswith("pdf/") and m and int(m.group(1)) > 0:
            readable.append(row["local_path"])
    assert len(readable) >= 10
    for rel in readable:
        row = docs.loc[str((HOSTILE / rel).absolute())]
        assert row.status == "ok" and row.n_passages > 0, (rel, row.status, row.reason)


def test_a_pdf_pdfplumber_cannot_parse_is_read_with_pdfium(hostile_run: tuple[Path, dict]) -> None:
    store, _ = hostile_run
    docs = cdtext.read_documents(store).set_index("path")
    row = docs.loc[str((HOSTILE / "pdf" / "playa-broken-xref-and-streams.pdf").absolute())]
    assert row.status == "ok" and row.n_pages == 7 and row.n_passages > 0
    assert row.reason.startswith("read with PDFium: pdfplumber could not parse the file")


def test_encryption_statuses(hostile_run: tuple[Path, dict]) -> None:
    store, _ = hostile_run
    status = {Path(p).name: s for p, s in zip(cdtext.read_documents(store).path, cdtext.read_documents(store).status)}
    assert status["pypdf-enc-r4-owner-only.pdf"] == "ok"  # empty user password: read
    assert status["pypdf-enc-r6-userpw.pdf"] == "ok"
    assert status["pdfminer-enc-aes256-r6-userpw.pdf"] == "password_required"
    assert status["pdfminer-enc-rc4-40-userpw.pdf"] == "password_required"
    assert status["encrypt-unknown-handler.pdf"] == "encrypted"
    assert status["tounicode-bfrange-4G.pdf"] in ("timeout", "oom")
    assert status["flate-bomb-nested-4GiB.pdf"] in ("oom", "error", "timeout")


def test_cmap_path_traversal_cannot_be_redirected(tmp_path: Path) -> None:
    from cdtext.ingestion.worker import harden_pdfminer

    harden_pdfminer()
    from pdfminer.cmapdb import CMapDB

    for name in ("../../../../etc/passwd", "/etc/passwd", "a/../../b"):
        with pytest.raises(CMapDB.CMapNotFound):
            CMapDB._load_data(name)


def test_no_code_from_data_in_the_source() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src" / "cdtext").rglob("*.py"))
    assert not re.search(r"^\s*import (c?pickle|joblib|dill)|from (c?pickle|joblib) import", source, re.M)
    assert "repair=True" not in source, "never run Ghostscript (pdfplumber repair) on inputs"


def test_hostile_file_names_are_safe_in_outputs(tmp_path: Path) -> None:
    maker = HOSTILE / "html" / "make_html.py"
    if not maker.exists():
        pytest.skip(f"{maker} is absent")
    out = tmp_path / "generated"
    out.mkdir()
    subprocess.run([sys.executable, str(maker), str(out)], check=True, capture_output=True, timeout=300)
    for big in out.glob("*"):
        if big.stat().st_size > 5_000_000:  # the very large pages are for the slow test
            big.unlink()
    run_dir = tmp_path / "run"
    from cdtext.pipeline import OUTPUTS, run

    card = run([out], run_dir, replicates=50, config={"jobs": 2, "timeout": 30})
    names = {Path(i["path"]).name for i in card["inputs"]}
    on_disk = {p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert names == on_disk, "every input, whatever its name, is recorded exactly once"
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(["cdtext.duckdb", "run.json", *OUTPUTS]), (
        "no output file is named after an input"
    )
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    rows = list(csv.reader((run_dir / "predictions.csv").open(encoding="utf-8")))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
