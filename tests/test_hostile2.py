"""Hostile input, round 2: values, outputs and names that used to end in a traceback or a trap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SAMPLES

import cdtext
from cdtext.cli import main
from cdtext.export import write_table
from cdtext.ingestion.config import IngestConfig


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_timeout_is_a_usage_error(tmp_path: Path, value: str) -> None:
    result = cli("ingest", str(SAMPLES), "--store", str(tmp_path / "s.duckdb"), f"--timeout={value}")
    assert result.exit_code == 2 and ("finite" in result.output or "range" in result.output)
    with pytest.raises(Exception, match="finite"):
        IngestConfig(timeout=float(value))


def test_a_thousand_jobs_are_capped() -> None:
    assert IngestConfig(jobs=1000).n_jobs <= 4 * (os.cpu_count() or 1)


@pytest.mark.parametrize("args", [["--by", ""], ["--by", ","], ["--by", "city,"], ["--seed", "-1"]])
def test_bad_profile_values_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    for command in ("profile", "report"):
        result = cli(command, "--store", str(tmp_path / "none.duckdb"), *args)
        assert result.exit_code == 2, (command, args, result.output)
        assert "Traceback" not in result.output


def test_csv_cells_cannot_smuggle_formulas_or_reversed_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["a\r=HYPERLINK(1)", "b\n@SUM(1)", "c\r\n-2+3", "d\u202eev\u200dil\ufeff", "=1+1"]})
    write_table(frame, tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert b"\r=" not in raw and b"\n=" not in raw and b"\n@" not in raw
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False)
    assert list(back.text) == ["a\n'=HYPERLINK(1)", "b\n'@SUM(1)", "c\r\n'-2+3", "devil", "'=1+1"]


def test_status_escapes_control_characters_in_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "title\x1b]0;pwned\x07.txt").write_text("")  # empty: listed with its reason by status
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(folder), "--store", str(store), "-q").exit_code == 0
    out = cli("status", "--store", str(store)).output
    assert "\x1b" not in out and "\x07" not in out and "\\x1b]0;pwned\\x07" in out


def test_classify_without_a_store_leaves_no_temporary_store(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    out = tmp_path / "o.csv"
    cmd = [sys.executable, "-m", "cdtext", "classify", str(SAMPLES), "--model", "fast", "--out", str(out)]
    subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=300)
    assert len(pd.read_csv(out)) > 20
    assert list(scratch.iterdir()) == []


def test_a_corpus_without_text_still_gets_a_report_and_a_run_card(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "blank.html").write_text("<html><body>   </body></html>")
    out = tmp_path / "out"
    result = cli("run", str(folder), "--out", str(out), "--replicates", "10")
    assert result.exit_code == 0, result.output
    assert "None of the 2 documents yielded text" in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "run.json").exists() and pd.read_csv(out / "profiles.csv").empty
    shown = cli("profile", "--store", str(out / "cdtext.duckdb"), "--format", "table")
    assert shown.exit_code == 0 and "no units" in shown.output
    assert cli("report", "--store", str(out / "cdtext.duckdb"), "--out", str(tmp_path / "r.html")).exit_code == 0


def _zoo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder of file-system oddities, and the status each entry must get."""
    import socket

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Passwords and other private notes that must not be read. " * 5)
    (outside / "dir").mkdir()
    (outside / "dir" / "leak.txt").write_text("A file in a folder outside the inputs, reached by a link. " * 5)
    zoo = tmp_path / "zoo"
    (zoo / "sub").mkdir(parents=True)
    body = "The mayor received the ambassador of Kenya to discuss a sister city agreement on trade. " * 3
    (zoo / "good.txt").write_text(body)
    (zoo / "sub" / "inner.txt").write_text(body + " Inner.")
    os.mkfifo(zoo / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(zoo / "sock"))
    sock.close()
    os.symlink("/dev/zero", zoo / "zero.txt")
    os.symlink(outside / "secret.txt", zoo / "passwd.txt")
    os.symlink(outside / "dir", zoo / "linkdir")
    os.symlink(zoo / "good.txt", zoo / "inside-link.txt")
    os.symlink(zoo / "sub", zoo / "sub-link")  # the same folder again: walked once
    os.symlink(zoo / "nowhere", zoo / "broken.txt")
    os.symlink(zoo / "loop-b", zoo / "loop-a")
    os.symlink(zoo / "loop-a", zoo / "loop-b")
    latin = os.fsdecode(b"b-latin1-\xe9t\xe9-\xff.txt")
    (zoo / latin).write_text(body + " Latin.")
    expected = {
        "good.txt": "ok",
        "inner.txt": "ok",
        "pipe": "skipped",
        "sock": "skipped",
        "zero.txt": "skipped",
        "passwd.txt": "skipped",
        "linkdir": "skipped",
        "inside-link.txt": "duplicate",
        "broken.txt": "skipped",
        "loop-a": "skipped",
        "loop-b": "skipped",
        "b-latin1-\\xe9t\\xe9-\\xff.txt": "ok",
    }
    return zoo, expected


def test_file_system_zoo_every_entry_once_and_nothing_outside_is_read(tmp_path: Path) -> None:
    zoo, expected = _zoo(tmp_path)
    store = tmp_path / "s.duckdb"
    result = cli("ingest", str(zoo), "--store", str(store), "--timeout", "20", "-q")
    assert result.exit_code == 0, result.output
    docs = cdtext.read_documents(store)
    got = {Path(p).name: s for p, s in zip(docs.path, docs.status)}
    assert got == expected
    assert len(docs) == len(set(docs.path))  # every entry exactly once
    text = " ".join(cdtext.read_passages(store).text)
    assert "Passwords" not in text and "outside the inputs, reached" not in text
    reasons = dict(zip(docs.path.map(lambda p: Path(p).name), docs.reason))
    assert "FIFO" in reasons["pipe"] and "outside the inputs" in reasons["passwd.txt"] and "loop" in reasons["loop-a"]
    again = cli("ingest", str(zoo), "--store", str(store), "-q")  # a second run: the same rows, no crash
    assert again.exit_code == 0 and len(cdtext.read_documents(store)) == len(expected)


def test_follow_symlinks_reads_links_out_of_the_inputs(tmp_path: Path) -> None:
    zoo, _ = _zoo(tmp_path)
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(zoo), "--store", str(store), "--follow-symlinks", "-q").exit_code == 0
    docs = cdtext.read_documents(store)
    got = {Path(p).name: s for p, s in zip(docs.path, docs.status)}
    assert got["passwd.txt"] == "ok" and got["pipe"] == "skipped" and got["zero.txt"] == "skipped"


def test_symlink_loop_with_meta(tmp_path: Path) -> None:
    zoo, expected = _zoo(tmp_path)
    meta = tmp_path / "meta.csv"
    meta.write_text("file,city\ngood.txt,Nairobi\n")
    store = tmp_path / "s.duckdb"
    result = cli("ingest", str(zoo), "--store", str(store), "--meta", str(meta), "-q")
    assert result.exit_code == 0, result.output
    docs = cdtext.read_documents(store)
    assert len(docs) == len(expected) and "Nairobi" in set(docs.city)


def _workers_of(parent: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"cdtext.ingestion.worker" in cmdline and f"CDTEXT_PARENT_PID={parent}".encode() in environ:
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_stopping_the_parent_stops_its_workers(tmp_path: Path, how: str) -> None:
    import signal
    import time

    from helpers.synth import flow_report, write_pdf

    folder = tmp_path / "in"
    folder.mkdir()
    blocks = [("paragraph", "A long report paragraph about international partnerships and trade. " * 6)] * 3000
    for i in range(2):
        write_pdf(folder / f"big{i}.pdf", flow_report(blocks, columns=2))
    store = tmp_path / "s.duckdb"
    cmd = [sys.executable, "-m", "cdtext", "ingest", str(folder), "--store", str(store), "--jobs", "2", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _workers_of(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # the workers are busy with the PDFs now
    assert _workers_of(proc.pid), "no worker started"
    proc.send_signal(getattr(signal, how))
    _, err = proc.communicate(timeout=60)
    if how == "SIGTERM":
        assert proc.returncode == 143, err
        assert "Traceback" not in err and err.count("\n") == 1 and "run the same command again" in err
    for _ in range(50):
        if not _workers_of(proc.pid):
            break
        time.sleep(0.2)
    assert not _workers_of(proc.pid), "workers outlived their parent"


def test_stores_that_are_not_cdtext_stores_or_are_damaged(tmp_path: Path) -> None:
    import duckdb

    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE documents (id INTEGER, name VARCHAR)")
    for args in (["status", "--store", str(other)], ["ingest", str(SAMPLES), "--store", str(other), "-q"]):
        result = cli(*args)
        assert result.exit_code == 1 and "is not a cdtext store" in result.output and "Traceback" not in result.output
    (tmp_path / "zero.duckdb").write_bytes(b"")
    assert "cannot open store" in cli("status", "--store", str(tmp_path / "zero.duckdb")).output

    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(SAMPLES), "--store", str(store), "-q").exit_code == 0
    data = bytearray(store.read_bytes())
    for offset in range(len(data) // 3, len(data) - 8192, 8192):
        data[offset : offset + 512] = os.urandom(512)
    store.write_bytes(bytes(data))
    result = cli("export", "--store", str(store), "--table", "passages", "--out", str(tmp_path / "p.csv"))
    assert result.exit_code == 1 and result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_output_paths_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = cli("run", str(SAMPLES), "--out", str(blocker / "out"), "-q")
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "Traceback" not in result.output


def test_a_copy_of_a_file_kept_with_a_warning_status_is_a_duplicate(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    script = "<script>" + "var x = 1;" * 30000 + "</script>"
    text = "<p>The mayor met the ambassador of Kenya at city hall today.</p>"
    noisy = f"<html><head>{script}</head><body>{text}</body></html>"
    (folder / "noisy.html").write_text(noisy)
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(folder), "--store", str(store), "-q").exit_code == 0
    first = cdtext.read_documents(store)
    assert first.status.tolist() == ["empty"] and first.n_passages.tolist() == [1]
    (folder / "noisy-copy.html").write_text(noisy)
    result = cli("ingest", str(folder), "--store", str(store), "-q")
    assert result.exit_code == 0, result.output
    got = dict(zip(cdtext.read_documents(store).path.map(lambda p: Path(p).name), cdtext.read_documents(store).status))
    assert got == {"noisy.html": "empty", "noisy-copy.html": "duplicate"}
    assert cli("ingest", str(folder), "--store", str(store), "-q").exit_code == 0


def test_transient_failures_are_retried_on_the_next_run(tmp_path: Path) -> None:
    from helpers.synth import flow_report, write_pdf

    folder = tmp_path / "in"
    folder.mkdir()
    blocks = [("paragraph", "A long report paragraph about international partnerships and trade. " * 6)] * 60
    write_pdf(folder / "report.pdf", flow_report(blocks, columns=2))
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(folder), "--store", str(store), "--timeout", "0.01", "-q").exit_code == 0
    assert cdtext.read_documents(store).status.tolist() == ["timeout"]
    again = cli("ingest", str(folder), "--store", str(store), "--timeout", "120")
    assert again.exit_code == 0 and "0 unchanged, 1 ok" in again.output, again.output
    assert cdtext.read_documents(store).status.tolist() == ["ok"]


def test_a_duplicate_whose_original_changed_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    body = "The mayor received the ambassador of Kenya to discuss a sister city agreement on trade. " * 3
    (folder / "a.txt").write_text(body)
    (folder / "b.txt").write_text(body)
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(folder), "--store", str(store), "-q").exit_code == 0
    (folder / "a.txt").write_text(body + " An edit that makes a differ from b.")
    assert cli("ingest", str(folder), "--store", str(store), "-q").exit_code == 0
    docs = cdtext.read_documents(store)
    assert dict(zip(docs.path.map(lambda p: Path(p).name), docs.status)) == {"a.txt": "ok", "b.txt": "ok"}
    assert len(cdtext.read_passages(store)) == int(docs.n_passages.sum()) >= 2


def test_profile_by_any_meta_column(tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    names = sorted(p.name for p in SAMPLES.iterdir())
    rows = [f"{n},{'north' if i % 2 else 'south'}" for i, n in enumerate(names)]
    meta.write_text("file,region\n" + "\n".join(rows) + "\n")
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(SAMPLES), "--store", str(store), "--meta", str(meta), "-q").exit_code == 0
    out = tmp_path / "p.csv"
    result = cli(
        "profile", "--store", str(store), "--by", "region", "--model", "fast", "--replicates", "0", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_csv(out).region) == ["north", "south"]


def test_one_long_paragraph_is_read_and_a_cut_keeps_what_fits(tmp_path: Path) -> None:
    sentence = "The mayor met the delegation from Kyoto to discuss trade, culture and the port. "
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    whole.mkdir()
    cut.mkdir()
    (whole / "long.txt").write_text(sentence * 14_000)  # 1.1 million characters, no blank line: over spaCy's limit
    (cut / "cut.txt").write_text("Another city. " + sentence * 4_000)
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(whole), "--store", str(store), "-q").exit_code == 0
    assert cli("ingest", str(cut), "--store", str(store), "--max-chars", "200000", "-q").exit_code == 0
    docs = cdtext.read_documents(store).set_index("path")
    long_doc, cut_doc = docs.loc[str(whole / "long.txt")], docs.loc[str(cut / "cut.txt")]
    assert long_doc.status == "ok" and long_doc.n_passages > 500, long_doc.reason
    assert cut_doc.status == "ok" and cut_doc.n_passages > 100 and "text cut at 200,000" in cut_doc.reason


def test_sentences_of_a_text_longer_than_spacy_allows() -> None:
    from cdtext.nlp import SENTENCE_CHUNK, sentence_spans

    text = "One short sentence here. " * (SENTENCE_CHUNK // 10)
    spans = sentence_spans(text)
    assert len(text) > 2 * SENTENCE_CHUNK and spans[-1][1] <= len(text)
    assert all(text[s:e].strip().startswith("One") for s, e in spans[:50] + spans[-50:])


def test_meta_csv_with_an_open_quote_and_old_dates(tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text('file,city\nlakemont-state-of-the-city-2024.txt,"Lakemont\nother.txt,Brightwater\n')
    result = cli("ingest", str(SAMPLES), "--store", str(tmp_path / "s.duckdb"), "--meta", str(broken), "-q")
    assert result.exit_code == 1 and "quote" in result.output and "Traceback" not in result.output

    unmatched = tmp_path / "unmatched.csv"
    unmatched.write_text("file,city\nnothing-like-this.txt,Nowhere\n")
    out = subprocess.run(
        [sys.executable, "-m", "cdtext", "ingest", str(SAMPLES), "--store", str(tmp_path / "u.duckdb"), "--meta",
         str(unmatched), "-q"], capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    assert "matched none of the" in out.stderr

    from cdtext.ingestion.meta import parse_date

    assert parse_date("1850-07-14") == "1850-07-14" and parse_date("2016-02-30") is None


def test_a_pdf_whose_text_is_past_max_pages_says_so(tmp_path: Path) -> None:
    from helpers.synth import flow_report, write_pdf

    text_page = flow_report([("paragraph", "The council thanked the visiting delegation from Porto. " * 5)])[0]
    folder = tmp_path / "in"
    folder.mkdir()
    write_pdf(folder / "late.pdf", [[], [], [], text_page])
    store = tmp_path / "s.duckdb"
    for engine in ("pdfplumber", "pdfium"):
        cli("ingest", str(folder), "--store", str(store), "--max-pages", "2", "--pdf-backend", engine, "--force", "-q")
        doc = cdtext.read_documents(store).iloc[0]
        assert doc.status == "no_text" and "first 2 of its 4 pages" in doc.reason and "--max-pages" in doc.reason


def test_deeply_nested_html_keeps_its_text(tmp_path: Path) -> None:
    from cdtext.ingestion.readers.html import read_html

    para = "<p>The mayor welcomed the delegation from Lyon to talk about the tramway &amp; the river.</p>"
    for opening, closing in (("<div>", "</div>"), ("<blockquote><ul><li>", "</li></ul></blockquote>")):
        page = f"<html><head><title>T</title></head><body>{opening * 2500}{para * 5}{closing * 2500}</body></html>"
        got = read_html(page.encode())
        assert len(got.blocks) == 5 and got.blocks[0].text.endswith("the tramway & the river.")
        assert "nested" in got.reason


def test_a_moved_corpus_is_read_again_and_the_old_paths_are_marked_missing(tmp_path: Path) -> None:
    old = tmp_path / "corpus"
    old.mkdir()
    for f in SAMPLES.iterdir():
        (old / f.name).write_bytes(f.read_bytes())
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(old), "--store", str(store), "-q").exit_code == 0
    n_passages = len(cdtext.read_passages(store))
    new = tmp_path / "corpus-2024"
    old.rename(new)
    assert cli("ingest", str(new), "--store", str(store), "-q").exit_code == 0
    result = cli("ingest", str(old.parent / "corpus-2024"), str(tmp_path / "nothing-here"), "--store", str(store))
    assert result.exit_code != 0  # a folder that does not exist is still an error
    docs = cdtext.read_documents(store)
    moved = docs[docs.path.str.startswith(str(new))]
    assert set(moved.status) == {"ok"} and len(moved) == 5
    # the old rows stay for the record, marked missing; passages and profiles follow the new paths
    gone = docs[docs.path.str.startswith(str(old) + os.sep)]
    assert set(gone.status) == {"missing"} and len(gone) == 5
    assert len(cdtext.read_passages(store)) == n_passages
    assert all(p.startswith(str(new)) for p in cdtext.read_passages(store).path)
    assert cli("ingest", str(new), "--store", str(store), "-q").exit_code == 0
    (new / sorted(p.name for p in new.iterdir())[0]).unlink()
    result = cli("ingest", str(new), "--store", str(store))
    assert result.exit_code == 0 and "1 gone (marked missing)" in result.output, result.output
    assert "missing" in set(cdtext.read_documents(store).status)


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc (Linux)")
def test_a_worker_killed_from_outside_is_not_out_of_memory_and_is_retried(tmp_path: Path) -> None:
    import signal
    import time

    from helpers.synth import flow_report, write_pdf

    folder = tmp_path / "in"
    folder.mkdir()
    blocks = [("paragraph", "A long report paragraph about international partnerships and trade. " * 6)] * 3000
    write_pdf(folder / "big.pdf", flow_report(blocks, columns=2))
    store = tmp_path / "s.duckdb"
    cmd = [sys.executable, "-m", "cdtext", "ingest", str(folder), "--store", str(store), "--jobs", "1", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _workers_of(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)
    for pid in _workers_of(proc.pid):
        os.kill(pid, signal.SIGKILL)
    proc.communicate(timeout=120)
    doc = cdtext.read_documents(store).iloc[0]
    assert doc.status == "error" and "from outside" in doc.reason, doc.reason
    from cdtext.ingestion.driver import _worth_another_try

    assert _worth_another_try(doc.status, doc.reason, doc.sha256, doc.path, {})


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc (Linux)")
def test_status_reports_progress_while_an_ingest_holds_the_store(tmp_path: Path) -> None:
    import time

    from helpers.synth import flow_report, write_pdf

    folder = tmp_path / "in"
    folder.mkdir()
    for f in SAMPLES.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    blocks = [("paragraph", "A long report paragraph about international partnerships and trade. " * 6)] * 3000
    write_pdf(folder / "zz-big.pdf", flow_report(blocks, columns=2))
    store = tmp_path / "s.duckdb"
    cmd = [sys.executable, "-m", "cdtext", "ingest", str(folder), "--store", str(store), "--jobs", "1", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, shown = time.monotonic() + 60, ""
        while time.monotonic() < deadline and "running ingest" not in shown:
            time.sleep(0.5)
            shown = cli("status", "--store", str(store)).output
        assert "being written by a running ingest" in shown and "found so far" in shown, shown
    finally:
        proc.kill()
        proc.communicate(timeout=60)


def test_pdfium_reads_a_pdf_whose_title_is_not_valid_utf16(tmp_path: Path) -> None:
    from helpers.synth import flow_report, write_pdf

    from cdtext.ingestion.readers.pdfium import read_pdf_pdfium

    page = flow_report([("paragraph", "The council thanked the visiting delegation from Porto. " * 5)])[0]
    path = write_pdf(tmp_path / "t.pdf", [page], title="XXXXXXXX")
    data = path.read_bytes()
    path.write_bytes(data.replace(b"/Title (XXXXXXXX)", b"/Title <FEFFD800>"))  # a lone high surrogate
    got = read_pdf_pdfium(path)
    assert got.blocks and "Porto" in got.blocks[0].text


HOSTILE_SYNTHETIC = Path(__file__).resolve().parents[2] / "shared" / "hostile" / "synthetic"


@pytest.mark.skipif(not HOSTILE_SYNTHETIC.exists(), reason="../shared/hostile is absent")
def test_pdfium_memory_bombs_are_out_of_memory(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("flate-bomb-1GiB.pdf", "flate-bomb-nested-4GiB.pdf"):
        (folder / name).write_bytes((HOSTILE_SYNTHETIC / name).read_bytes())
    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(folder), "--store", str(store), "--pdf-backend", "pdfium", "-q").exit_code == 0
    assert set(cdtext.read_documents(store).status) == {"oom"}


def test_ctrl_c_during_classification_is_one_line(tmp_path: Path) -> None:
    import signal
    import time

    table = tmp_path / "many.csv"
    line = "The mayor met the ambassador of country number {} to talk about trade."
    rows = "\n".join(f"{i}," + line.format(i) for i in range(300_000))
    table.write_text("id,text\n" + rows + "\n")
    cmd = [sys.executable, "-m", "cdtext", "classify", str(table), "--model", "fast", "--out", str(tmp_path / "o.csv")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.startswith("Error: interrupted") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o.csv").exists()  # no half-written output


def test_a_full_disk_is_named_and_the_store_stays_readable(tmp_path: Path) -> None:
    disk = tmp_path / "small"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    # several megabytes of prose (the annotated corpus used to be read for this, until JSON tables were refused)
    prose = tmp_path / "prose"
    prose.mkdir()
    for k in range(12):
        paragraphs = (
            f"Paragraph {k}-{i}: the council of city {i} met delegation {k * 1000 + i} about trade."
            for i in range(4000)
        )
        (prose / f"minutes_{k}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    try:
        store = disk / "s.duckdb"
        result = cli("ingest", str(SAMPLES), str(prose), "--store", str(store), "-q")
        if result.exit_code == 0:
            pytest.skip("the corpus fitted on the small disk")
        assert result.output.startswith("Error: ") and "no space left" in result.output, result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
        assert cli("status", "--store", str(store)).exit_code == 0
        assert not (disk / "s.duckdb.progress.json").exists()
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_a_store_from_a_newer_cdtext_is_refused(tmp_path: Path) -> None:
    import duckdb

    store = tmp_path / "s.duckdb"
    assert cli("ingest", str(SAMPLES), "--store", str(store), "-q").exit_code == 0
    with duckdb.connect(str(store)) as con:
        assert con.execute("SELECT value FROM store_info WHERE key = 'schema_version'").fetchone()[0] == "2"
        con.execute("UPDATE store_info SET value = '99' WHERE key = 'schema_version'")
    result = cli("status", "--store", str(store))
    assert result.exit_code == 1 and "newer cdtext" in result.output


def test_an_error_line_escapes_control_characters(tmp_path: Path) -> None:
    result = cli("ingest", str(tmp_path / "no\x1b]0;x\x07such"), "--store", str(tmp_path / "s.duckdb"))
    assert result.exit_code != 0 and "\x1b" not in result.output


def test_an_output_folder_that_cannot_be_written(tmp_path: Path) -> None:
    target = tmp_path / "ro"
    target.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here (needs root)")
    try:
        result = cli("run", str(SAMPLES), "--out", str(target / "out"), "-q")
        assert result.exit_code == 1 and result.output.startswith("Error: ") and "Traceback" not in result.output
        assert "Read-only file system" in result.output
    finally:
        subprocess.run(["umount", str(target)], capture_output=True)
