"""The command line through click's CliRunner."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from conftest import REPO, SAMPLES

from cdtext.cli import main
from cdtext.pipeline import OUTPUTS


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


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".parquet", ".csv", ".html")}


def test_run_twice_does_no_repeated_work_and_gives_identical_outputs(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for f in SAMPLES.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "out"
    args = ("run", str(folder), "--out", str(out), "--replicates", "50", "--jobs", "2", "--pdf-backend", "pdfium")
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert "5 file(s), 0 unchanged, 5 ok" in first.output
    card = json.loads((out / "run.json").read_text())
    assert card["counts"] == {"ok": 5} and card["settings"]["ingest"]["pdf_backend"] == "pdfium"
    assert len(card["model"]["sha256"]) == 64 and {"ingest", "classify", "profile", "outputs"} <= set(
        card["timings_seconds"]
    )
    assert sorted(Path(i["path"]).name for i in card["inputs"]) == sorted(p.name for p in folder.iterdir())
    before = _outputs(out)
    assert set(before) == set(OUTPUTS)

    again = run(*args)
    assert again.exit_code == 0, again.output
    assert "ingest: 5 file(s), 5 unchanged (size and time)\n" in again.output  # not even the store is opened
    card = json.loads((out / "run.json").read_text())
    kept = {
        "forced": False,
        "unchanged": 5,
        "processed": {},
        "classified": 0,
        "outputs": "kept from the previous run (nothing changed)",
    }
    assert card["this_run"] == kept
    assert _outputs(out) == before, "a second run over the same inputs gives identical files"

    # a file touched but not changed: its hash is compared, nothing is re-read, outputs stay
    sample = next(p for p in folder.iterdir() if p.suffix == ".txt")
    os.utime(sample, ns=(sample.stat().st_atime_ns, sample.stat().st_mtime_ns + 10**9))
    touched = run(*args)
    assert "ingest: 5 file(s), 5 unchanged\n" in touched.output, touched.output
    assert json.loads((out / "run.json").read_text())["this_run"] == kept and _outputs(out) == before
    # a changed file is read again and the outputs are rebuilt
    sample.write_text(sample.read_text() + "\nThe mayor also welcomed a trade delegation from Osaka.\n")
    changed = run(*args)
    assert "4 unchanged, 1 ok" in changed.output, changed.output
    assert json.loads((out / "run.json").read_text())["this_run"]["processed"] == {"ok": 1}
    sample.write_bytes((SAMPLES / sample.name).read_bytes())
    assert "4 unchanged, 1 ok" in run(*args).output

    forced = run(*args, "--force")
    assert forced.exit_code == 0, forced.output
    card = json.loads((out / "run.json").read_text())
    assert card["this_run"]["processed"] == {"ok": 5} and card["this_run"]["classified"] == card["n_passages"]
    after = _outputs(out)
    for name in ("passages.parquet", "profiles.csv", "report.html"):
        assert after[name] == before[name], name

    old, new = (pd.read_parquet(io.BytesIO(o["predictions.parquet"])) for o in (before, after))
    assert (new.classified_at > old.classified_at).all(), "--force classifies every passage again"
    pd.testing.assert_frame_equal(old.drop(columns="classified_at"), new.drop(columns="classified_at"))


def test_engine_options_reach_the_config(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    bad = CliRunner().invoke(main, ["ingest", str(SAMPLES), "--store", store, "--scheduler", "tcp://127.0.0.1:1"])
    assert bad.exit_code == 1 and "only applies to the dask executor" in bad.output
    assert run("ingest", str(SAMPLES), "--store", store, "--executor", "nope").exit_code == 2
    ok = run("ingest", str(SAMPLES), "--store", store, "--executor", "local", "--pdf-backend", "pdfium", "-q")
    assert ok.exit_code == 0, ok.output
    # the former names still work (hidden from --help)
    old = run("ingest", str(SAMPLES), "--store", store, "--engine", "local", "--pdf-engine", "pdfium", "-q")
    assert old.exit_code == 0, old.output
    assert "--engine" not in run("ingest", "--help").output and "--executor" in run("ingest", "--help").output
    from cdtext.ingestion.config import IngestConfig

    assert IngestConfig.resolve({"engine": "local", "pdf_engine": "pdfium"}).pdf_backend == "pdfium"


def test_evaluate_leads_with_real_text_and_scores_given_labels(tmp_path: Path) -> None:
    labels = tmp_path / "mine.csv"
    labels.write_text(
        "id,text,functions,policy_anchored,policy_areas,annotator,note\n"
        "a,The mayor received the Consul General of Japan at City Hall.,diplomatic_representation,false,,me,\n"
        "b,The council approved the resurfacing of Elm Street.,,,,me,\n"
    )
    result = run("evaluate", "--model", "fast", "--labels", str(labels), "--json", str(tmp_path / "e.json"))
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.index("real text: cross-validation") < text.index("real text, leave-one-source-out")
    assert text.index("real text, leave-one-source-out") < text.index("your labelled passages (2 passages)")
    assert text.index("your labelled passages") < text.index("authored corpus: held-out test split")
    figures = json.loads((tmp_path / "e.json").read_text())
    assert figures["labels"]["lexicon"]["n"] == 2 and "real_cv" in figures
    # areas the model never gives say so, in every section and in the JSON (the lexicon withholds none)
    from cdtext import Classifier

    withheld = [a for a, cut in Classifier.load("fast", lazy=True).thresholds.items() if cut == 2.0]
    assert withheld and all(figures[s]["fast"]["withheld"] == withheld for s in ("real_cv", "labels", "authored"))
    assert figures["authored"]["lexicon"]["withheld"] == []
    rows = [line for line in text.splitlines() if line.startswith(withheld[0])]
    assert len(rows) == 3 and all(row.split()[1] == "withheld" for row in rows)
    assert text.count("withheld: a policy area the model never gives") == 3


def test_run_takes_the_profile_options(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("run", str(SAMPLES), "--out", str(out), "--replicates", "20", "--min-diplomacy", "1", "-q")
    result = run(*args, "--meta", str(SAMPLES.parent / "samples-metadata.csv"))
    assert result.exit_code == 0, result.output
    card = json.loads((out / "run.json").read_text())
    assert card["settings"]["rule"] == {"min_diplomacy": 1.0, "min_coherence": 0.5}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Listed apart" not in html and "none is ranked" not in html  # both sample cities have >= 1


def test_classify_each_kind_of_input(tmp_path: Path) -> None:
    """A table file, a store and documents, through the CLI, with the same columns where they overlap."""
    table = tmp_path / "t.csv"
    table.write_text("id,text\na,The mayor signed a sister city agreement with Kyoto.\nb,Potholes on Main Street.\n")
    got = run("classify", str(table), "--model", "fast", "--out", str(tmp_path / "t.out.csv"))
    assert got.exit_code == 0, got.output
    rows = pd.read_csv(tmp_path / "t.out.csv")
    assert list(rows.id) == ["a", "b"] and "p_diplomatic_representation" in rows.columns

    store = tmp_path / "docs.duckdb"
    got = run("classify", str(SAMPLES), "--store", str(store), "--model", "fast", "--out", str(tmp_path / "d.jsonl"))
    assert got.exit_code == 0, got.output
    assert "classified" in got.output and str(store) in got.output
    docs = pd.read_json(tmp_path / "d.jsonl", lines=True)
    assert {"path", "city", "country", "page", "model_sha256"} <= set(docs.columns) and len(docs) > 20

    got = run("classify", str(store), "--model", "fast", "--explain", "--out", str(tmp_path / "s.parquet"))
    assert got.exit_code == 0, got.output
    again = pd.read_parquet(tmp_path / "s.parquet")
    assert sorted(again.id) == sorted(docs.id) and again.explanation.notna().all()
    assert set(rows.columns) - {"explanation"} <= set(again.columns)


def test_profile_through_the_cli(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    assert run("ingest", str(SAMPLES), "--store", str(store), "-q").exit_code == 0
    got = run("profile", "--store", str(store), "--model", "fast", "--replicates", "20", "--format", "table")
    assert got.exit_code == 0, got.output
    assert "verdict" in got.output and "theta" in got.output
    out = tmp_path / "p.csv"
    got = run("profile", "--store", str(store), "--by", "city,year", "--replicates", "0", "--out", str(out))
    assert got.exit_code == 0, got.output
    assert {"city", "year", "verdict", "theta"} <= set(pd.read_csv(out).columns)


def test_a_closed_output_pipe_ends_quietly(tmp_path: Path) -> None:
    """`cdtext status | head -1`: once the reader stops, cdtext stops without an error message (exit 141, the
    shell's code for SIGPIPE), as command-line tools do."""
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(400):  # 400 empty files with long names: more lines of problems than a pipe holds (64 KiB)
        (folder / f"{'empty-' * 30}{i:03d}.txt").write_text("")
    store = str(tmp_path / "s.duckdb")
    assert run("ingest", str(folder), "--store", store, "-q").exit_code == 0
    cmd = [sys.executable, "-m", "cdtext", "status", "--store", store]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    error = proc.stderr.read().decode()
    assert proc.wait() == 141 and error == ""
