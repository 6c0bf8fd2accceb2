"""Each document's language is recorded, and text in other languages than the models' is pointed out."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
from click.testing import CliRunner

import cdtext
from cdtext.cli import main
from cdtext.language import WINDOW, describe, detect, other_languages
from cdtext.store import Store

EN = (
    "The city council approved the new cycle lanes and the extension of the tram line after a long debate on "
    "costs. The mayor said the decision mattered for every neighbourhood and thanked the residents who came to "
    "the hearings over the past two years."
)
FR = (
    "Le conseil municipal a approuvé les nouvelles pistes cyclables et le prolongement du tramway après un long "
    "débat sur les coûts. La maire a salué une décision importante pour tous les quartiers et a remercié les "
    "habitants venus aux réunions publiques."
)
DE = (
    "Der Stadtrat hat die neuen Radwege und die Verlängerung der Straßenbahn nach einer langen Debatte über die "
    "Kosten genehmigt. Die Bürgermeisterin sprach von einer wichtigen Entscheidung für alle Stadtteile und dankte "
    "den Bewohnerinnen und Bewohnern."
)


def test_detect_names_the_language_of_a_text_and_leaves_short_or_unclear_ones_unknown() -> None:
    assert detect(EN) == "en" and detect(FR) == "fr" and detect(DE) == "de"
    assert detect("Lyon, 3 mars 2021") is None  # too short to tell
    # a long text is judged by its start, middle and end: the majority wins, a tie of one each is unknown
    long_french = "\n\n".join([EN * 3, FR * 30])
    assert len(long_french) > 3 * WINDOW and detect(long_french) == "fr"
    assert detect("\n\n".join([EN * 12, FR * 12, DE * 12])) is None


def _mixed_folder(tmp_path: Path) -> Path:
    """An English document of two passages, a French one, and one too short to tell."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "council.txt").write_text(f"{EN}\n\n{EN}\n", encoding="utf-8")
    (folder / "conseil.txt").write_text(f"{FR}\n\n{FR}\n", encoding="utf-8")
    (folder / "short.txt").write_text("Minutes of the meeting held on Monday evening at City Hall.\n", encoding="utf-8")
    return folder


def test_other_languages_and_their_description() -> None:
    counts = other_languages(["en", "fr", None, "fr", "de", "en"])
    assert counts == {"fr": 2, "de": 1}
    assert describe(counts) == "3 documents are not in English (fr 2, de 1)"
    assert describe({"fr": 1}) == "1 document is not in English (fr 1)"


def test_ingest_records_languages_and_status_run_and_report_point_out_the_others(tmp_path: Path) -> None:
    folder = _mixed_folder(tmp_path)
    rows = '"' + EN + '",Lyon\n"' + DE + '",Lyon\n'
    (folder / "items.csv").write_text("text,city\n" + rows, encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(main, ["run", str(folder), "--out", str(out), "--records", "--jobs", "1", "--model", "fast"])
    assert result.exit_code == 0, result.output
    assert "warning: 2 documents are not in English (fr 1, de 1)" in result.output
    docs = cdtext.read_documents(out / "cdtext.duckdb")
    language = {Path(p).name: code if isinstance(code, str) else None for p, code in zip(docs.path, docs.language)}
    assert language["council.txt"] == "en" and language["conseil.txt"] == "fr"
    assert language["items.csv#1"] == "en" and language["items.csv#2"] == "de"
    assert language["short.txt"] is None and language["items.csv"] is None  # too short; a table holds no text
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "2 documents are not in English (fr 1, de 1)" in report
    status = runner.invoke(main, ["status", "--store", str(out / "cdtext.duckdb")])
    assert "note: 2 documents are not in English (fr 1, de 1)" in status.output
    # profiled apart by language, as the note suggests
    store = str(out / "cdtext.duckdb")
    args = ["profile", "--store", store, "--by", "language", "--replicates", "0", "--format", "csv"]
    by_language = runner.invoke(main, args)
    assert by_language.exit_code == 0, by_language.output
    assert {line.split(",")[0] for line in by_language.output.splitlines()[1:]} == {"en", "fr", "de", "(unknown)"}


def test_an_english_corpus_gets_no_note(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "council.txt").write_text(f"{EN}\n\n{EN}\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    cdtext.ingest([folder], store, config={"jobs": 1})
    status = CliRunner().invoke(main, ["status", "--store", str(store)])
    assert "not in English" not in status.output


def test_a_store_from_before_languages_gains_the_column(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "conseil.txt").write_text(f"{FR}\n\n{FR}\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    cdtext.ingest([folder], store, config={"jobs": 1})
    con = duckdb.connect(str(store))
    con.execute("ALTER TABLE documents DROP COLUMN language")  # as an older cdtext wrote it
    con.close()
    with Store(store, read_only=True) as db:
        assert db.languages() == []  # read-only: nothing to tell, no error
    status = CliRunner().invoke(main, ["status", "--store", str(store)])
    assert status.exit_code == 0 and "not in English" not in status.output
    cdtext.ingest([folder], store, config={"jobs": 1}, force=True)  # opened for writing: the column comes back
    with Store(store, read_only=True) as db:
        assert db.languages() == ["fr"]


def test_language_counts_only_documents_in_those_languages_and_unknown_ones(tmp_path: Path) -> None:
    from cdtext.aggregate import in_languages

    folder = _mixed_folder(tmp_path)
    runner = CliRunner()
    out = tmp_path / "out"
    args = ["run", str(folder), "--out", str(out), "--jobs", "1", "--model", "fast", "--replicates", "0"]
    assert runner.invoke(main, [*args, "--by", "language"]).exit_code == 0
    store = str(out / "cdtext.duckdb")
    units = ["profile", "--store", store, "--by", "language", "--replicates", "0", "--format", "csv"]
    every = runner.invoke(main, units).output
    english = runner.invoke(main, [*units, "--language", "EN"]).output
    assert "fr," in every and "fr," not in english and "en," in english and "(unknown)," in english
    docs = cdtext.read_documents(store)
    assert sorted(in_languages(docs, ["en"]).language.fillna("-")) == ["-", "en"]
    assert len(in_languages(docs, [])) == len(docs) == len(in_languages(docs.drop(columns="language"), ["en"]))
    # run --language: the card records it, and the report counts only those documents' passages
    only = runner.invoke(main, [*args, "--by", "language", "--language", "en"])
    assert only.exit_code == 0 and "note: 1 document is not in English (fr 1); left out of the profiles" in only.output
    card = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert card["settings"]["languages"] == ["en"]
    assert "fr" not in set(pd.read_csv(out / "profiles.csv").language.dropna())
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "1 document is not in English (fr 1); left out (--language en)" in report
    assert "2 documents (2 read) · 3 passages" in report  # council (2 passages) and short (1), not conseil
    assert "the models read English" not in report and "labels of\ntheir passages mean little" not in report
    # leaving English out says so too
    french = runner.invoke(main, [*args, "--by", "language", "--language", "fr"])
    assert french.exit_code == 0, french.output
    assert "note: 1 document is not in fr (en 1); left out of the profiles (--language fr)" in french.output
    assert "warning: 1 document is not in English (fr 1)" in french.output
    assert "1 document is not in fr (en 1); left out (--language fr)" in (out / "report.html").read_text("utf-8")
    network = runner.invoke(main, ["network", "--store", store, "--language", "en,de"])
    assert network.exit_code == 0, network.output
    bad = runner.invoke(main, [*units, "--language", "english"])
    assert bad.exit_code == 2 and "two-letter language codes" in bad.output
