"""Ingestion end to end: accounting, incremental runs, duplicates, limits, isolation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
from conftest import REPO, SAMPLES
from helpers.synth import flow_report, write_pdf

import cdtext
from cdtext.ingestion.config import IngestConfig


def make_inputs(root: Path) -> Path:
    folder = root / "in"
    shutil.copytree(SAMPLES, folder)
    (folder / "nested").mkdir()
    (folder / "nested" / "note.md").write_text(
        "# Twinning\n\nThe council approved a new twinning agreement with Kumasi after a long debate.\n",
        encoding="utf-8",
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF")
    (folder / ".hidden.txt").write_text("skipped because hidden", encoding="utf-8")
    return folder


def statuses(store: Path) -> dict[str, str]:
    docs = cdtext.read_documents(store)
    return {Path(p).name: s for p, s in zip(docs.path, docs.status)}


def test_every_file_accounted_for_once(tmp_path: Path) -> None:
    folder = make_inputs(tmp_path)
    store = tmp_path / "s.duckdb"
    summary = cdtext.ingest([folder], store, meta=REPO / "corpus" / "samples-metadata.csv", config={"jobs": 2})
    got = statuses(store)
    assert summary.total == len(got) == 9
    assert got["empty.txt"] == "empty"
    assert got["image.bin"] == "unsupported"
    assert got["broken.pdf"] in ("error", "no_text", "empty")
    assert ".hidden.txt" not in got
    assert sum(1 for s in got.values() if s == "ok") == 6
    docs = cdtext.read_documents(store)
    speech = docs[docs.path.str.endswith("lakemont-state-of-the-city-2024.txt")].iloc[0]
    assert (speech.city, speech.date, speech.doc_type, speech.year) == ("Lakemont", "2024-02-08", "speech", 2024)
    assert json.loads(speech.meta_source)["city"] == "meta"
    assert speech.country == "US" and json.loads(speech.meta_source)["country"] == "meta"
    assert all(docs[docs.status != "ok"].reason.str.len() > 0)


def test_second_run_is_a_no_op_and_changed_file_replaces(tmp_path: Path) -> None:
    folder = make_inputs(tmp_path)
    store = tmp_path / "s.duckdb"
    cdtext.ingest([folder], store, config={"jobs": 1})
    before = cdtext.read_passages(store)
    again = cdtext.ingest([folder], store, config={"jobs": 1})
    assert again.unchanged == again.total and again.processed == 0
    assert cdtext.read_passages(store).equals(before)

    note = folder / "nested" / "note.md"
    note.write_text("# Twinning\n\nA completely different text about the budget and road repairs in spring.\n")
    changed = cdtext.ingest([folder], store, config={"jobs": 1})
    assert changed.processed == 1
    after = cdtext.read_passages(store)
    assert "road repairs" in " ".join(after.text)
    assert "Kumasi" not in " ".join(after.text)
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 9
        orphans = con.execute(
            "SELECT count(*) FROM passages WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
        ).fetchone()[0]
        assert orphans == 0


def test_overlapping_inputs_name_each_file_once(tmp_path: Path) -> None:
    folder = make_inputs(tmp_path)
    store = tmp_path / "s.duckdb"
    one = folder / "lakemont-state-of-the-city-2024.txt"
    summary = cdtext.ingest([folder, one, folder / "nested"], store, config={"jobs": 1})
    assert summary.total == len(statuses(store)) == 9


def test_store_renewed_mid_run_keeps_every_row(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import cdtext.ingestion.driver as pipeline

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(30):
        text = f"Passage {i} about the sister city programme with Accra and the trade mission of spring {2000 + i}."
        (folder / f"doc{i:03d}.txt").write_text(f"{text}\n\n{text} A second paragraph follows here.\n")
    monkeypatch.setattr(pipeline, "FLUSH_EVERY", 4)
    monkeypatch.setattr(pipeline, "REOPEN_EVERY", 8)
    reopened = []
    original = pipeline.Store.reopen
    monkeypatch.setattr(pipeline.Store, "reopen", lambda self: (reopened.append(1), original(self)))
    store = tmp_path / "s.duckdb"
    cdtext.ingest([folder], store, config={"jobs": 1})
    assert len(reopened) >= 3
    docs = cdtext.read_documents(store)
    assert len(docs) == 30 and set(docs.status) == {"ok"}
    assert len(cdtext.read_passages(store)) == int(docs.n_passages.sum()) > 30


def test_duplicate_content_is_stored_once(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    text = "The mayor received the ambassador of Kenya at City Hall to discuss a sister-city agreement.\n"
    (folder / "a.txt").write_text(text)
    (folder / "b.txt").write_text(text)
    store = tmp_path / "s.duckdb"
    cdtext.ingest([folder], store, config={"jobs": 1})
    assert sorted(statuses(store).values()) == ["duplicate", "ok"]
    assert len(cdtext.read_passages(store)) == 1


def test_timeout_kills_the_worker_and_the_batch_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    blocks = [("paragraph", "A long report paragraph about international partnerships and trade. " * 6)] * 1500
    write_pdf(folder / "big.pdf", flow_report(blocks, columns=2))
    (folder / "small.txt").write_text("A short note about a delegation from Osaka visiting the port authority.\n")
    store = tmp_path / "s.duckdb"
    summary = cdtext.ingest([folder], store, config=IngestConfig(jobs=2, timeout=1.0))
    got = statuses(store)
    assert got == {"big.pdf": "timeout", "small.txt": "ok"}
    assert summary.counts["timeout"] == 1
    reason = cdtext.read_documents(store).set_index("status").loc["timeout", "reason"]
    assert "timeout" in reason


def test_too_large_limit(tmp_path: Path) -> None:
    folder = tmp_path / "l"
    folder.mkdir()
    (folder / "big.txt").write_text("word " * 5000)
    store = tmp_path / "s.duckdb"
    cdtext.ingest([folder], store, config={"jobs": 1, "max_bytes": 1000})
    docs = cdtext.read_documents(store)
    assert docs.status.tolist() == ["too_large"] and "max_bytes" in docs.reason[0]


def test_repeat_run_with_nothing_new_does_not_load_the_model(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import cdtext.classify.persist as persist
    from cdtext.pipeline import run

    out = tmp_path / "out"
    first = run([SAMPLES], out, replicates=50)
    assert first["this_run"]["classified"] > 0

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the model arrays were loaded with nothing to classify")

    monkeypatch.setattr(persist, "load_model", refuse)
    again = run([SAMPLES], out, replicates=50)
    assert again["this_run"]["classified"] == 0 and again["n_passages"] == first["n_passages"]


def test_repeat_run_keeps_outputs_and_a_changed_input_renews_them(tmp_path: Path) -> None:
    from cdtext.pipeline import run

    inputs = tmp_path / "in"
    shutil.copytree(SAMPLES, inputs)
    out = tmp_path / "out"
    run([inputs], out, replicates=50)
    report = (out / "report.html").stat().st_mtime_ns
    again = run([inputs], out, replicates=50)
    assert again["this_run"]["outputs"].startswith("kept") and (out / "report.html").stat().st_mtime_ns == report
    changed = run([inputs], out, replicates=60)  # other settings: outputs are written again
    assert "outputs" not in changed["this_run"] and changed["settings"]["replicates"] == 60
    next(inputs.glob("*.txt")).write_text("The mayor met the Consul General of Japan at City Hall today.\n" * 3)
    renewed = run([inputs], out, replicates=60)
    assert "outputs" not in renewed["this_run"] and renewed["this_run"]["classified"] > 0


def test_a_wrong_grouping_column_fails_before_anything_is_classified(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pytest

    import cdtext.classify.persist as persist
    from cdtext.errors import ConfigError
    from cdtext.pipeline import run

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the model was loaded for a run whose --by cannot work")

    monkeypatch.setattr(persist, "load_model", refuse)
    with pytest.raises(ConfigError, match="cannot group by office"):
        run([SAMPLES], tmp_path / "out", by=["city", "office"], replicates=0)
    assert len(cdtext.read_documents(tmp_path / "out" / "cdtext.duckdb"))  # what was read stays for a re-run


def test_a_meta_column_groups_the_run_and_the_network(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cdtext.cli import main
    from cdtext.pipeline import run

    meta = tmp_path / "meta.csv"
    meta.write_text("path,mayor\nbrightwater-resolution-2023-17.txt,Smith\n", encoding="utf-8")
    card = run([SAMPLES], tmp_path / "out", by=["mayor"], meta=meta, replicates=0)
    assert card["this_run"]["classified"] > 0
    network = CliRunner().invoke(
        main, ["network", "--store", str(tmp_path / "out" / "cdtext.duckdb"), "--by", "mayor", "--format", "csv"]
    )
    assert network.exit_code == 0, network.output
    assert network.output.splitlines()[0].startswith("mayor,partner,")
