"""Tables read as one document per row (--records): CSV, TSV, JSON lines and JSON arrays."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cdtext import ingest, read_documents, read_passages
from cdtext.cli import main

ROWS = [
    {
        "id": "a1",
        "city": "Seattle",
        "date": "2021-03-04",
        "type": "press release",
        "title": "Sister city visit",
        "text": "The Mayor welcomed a delegation from Kobe, our sister city, to City Hall to discuss port cooperation."
        "\n\nThe visit marks sixty years of the sister city relationship between Seattle and Kobe.",
    },
    {
        "id": "a2",
        "city": "Seattle",
        "date": "5/1/2021",
        "type": "news",
        "title": "Parks reopen",
        "text": "All city parks reopen this weekend with new hours for playgrounds and sports fields in every ward.",
    },
    {
        "id": "a3",
        "city": "Lyon",
        "country": "France",
        "date": "2022",
        "type": "web page",
        "title": "Climate",
        "text": "Lyon joined the Global Covenant of Mayors for Climate and Energy and reports its emissions each year.",
    },
    {"id": "a4", "city": "Lyon", "title": "No text", "text": ""},
]
COLUMNS = ["id", "city", "country", "date", "type", "title", "text"]
CONFIG = {"jobs": 1, "records": True}


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def documents(store: Path) -> pd.DataFrame:
    return read_documents(store).set_index("path")


def test_each_row_is_a_document_with_the_metadata_of_its_columns(tmp_path: Path) -> None:
    table = write_csv(tmp_path / "press.csv", ROWS)
    store = tmp_path / "s.duckdb"
    summary = ingest([table], store, config=CONFIG)
    assert dict(summary.counts) == {"ok": 3, "empty": 1, "table": 1}
    docs = documents(store)
    assert docs.loc[str(table), "status"] == "table" and "4 rows read as documents" in docs.loc[str(table), "reason"]
    first = docs.loc[f"{table}#1"]
    assert (first.format, first.city, first.country, first.date, first.doc_type, first.title) == (
        "record", "Seattle", "US", "2021-03-04", "press_release", "Sister city visit"
    )  # fmt: skip
    assert json.loads(first.extra) == {"id": "a1"}
    assert json.loads(first.meta_source)["city"] == "record"
    assert docs.loc[f"{table}#2", "date"] == "2021-05-01"
    assert (docs.loc[f"{table}#3", "country"], docs.loc[f"{table}#3", "year"]) == ("FR", 2022)
    assert docs.loc[f"{table}#4", "status"] == "empty"
    passages = read_passages(store)
    assert set(passages.path) == {f"{table}#{n}" for n in (1, 2, 3)}
    text = " ".join(passages.text)
    assert "Kobe" in text and "Sister city visit" not in text and "a1" not in text.split()  # only the prose


def test_json_lines_arrays_and_tsv(tmp_path: Path) -> None:
    lines = tmp_path / "items.jsonl"
    lines.write_text("\n".join(json.dumps({"Body": r["text"], "City": r["city"]}) for r in ROWS[:3]) + "\n")
    array = tmp_path / "items.json"
    array.write_text(json.dumps([{"content": r["text"] + " Array.", "municipality": r["city"]} for r in ROWS[:2]]))
    tsv = write_csv(tmp_path / "items.tsv", ROWS[:2], delimiter="\t")
    store = tmp_path / "s.duckdb"
    ingest([lines, array, tsv], store, config=CONFIG)
    docs = documents(store)
    assert docs.loc[str(lines), "format"] == "jsonl" and docs.loc[str(array), "format"] == "json"
    assert docs.loc[str(tsv), "format"] == "tsv"
    assert list(docs.loc[[f"{lines}#{n}" for n in (1, 2, 3)], "city"]) == ["Seattle", "Seattle", "Lyon"]
    assert docs.loc[f"{array}#2", "city"] == "Seattle" and docs.loc[f"{array}#2", "status"] == "ok"
    assert set(docs.loc[[f"{tsv}#1", f"{tsv}#2"], "status"]) == {"ok"}
    assert docs.loc[f"{tsv}#1", "title"] == "Sister city visit"


def test_a_single_json_record_stays_one_document(tmp_path: Path) -> None:
    record = tmp_path / "bill.json"
    record.write_text(json.dumps({"title": "A bill", "summary": ROWS[0]["text"]}))
    store = tmp_path / "s.duckdb"
    ingest([record], store, config=CONFIG)
    docs = documents(store)
    assert list(docs.index) == [str(record)] and docs.loc[str(record), "format"] == "json"


def test_without_records_a_table_is_refused_and_read_once_asked(tmp_path: Path) -> None:
    table = write_csv(tmp_path / "press.csv", ROWS)
    store = tmp_path / "s.duckdb"
    ingest([table], store, config={"jobs": 1})
    docs = documents(store)
    assert docs.loc[str(table), "status"] == "unsupported" and "--records" in docs.loc[str(table), "reason"]
    summary = ingest([table], store, config=CONFIG)
    assert summary.unchanged == 0 and summary.counts["ok"] == 3


def test_a_changed_table_replaces_its_rows_and_others_leave_them_alone(tmp_path: Path) -> None:
    table = write_csv(tmp_path / "press.csv", ROWS)
    store = tmp_path / "s.duckdb"
    ingest([table], store, config=CONFIG)
    again = ingest([table], store, config=CONFIG)
    assert again.unchanged == 1 and not again.counts and again.missing == 0

    # another input into the same store: the table's rows stay
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.txt").write_text("The council approved the budget for the library and the new swimming pool.")
    assert ingest([other], store, config=CONFIG).missing == 0
    assert (documents(store).status == "missing").sum() == 0

    # a row changed and the last two removed
    changed = [dict(ROWS[0]), {**ROWS[1], "text": "The city hosted the Rugby World Cup final and fans from abroad."}]
    write_csv(table, changed)
    summary = ingest([table], store, config=CONFIG)
    assert summary.counts["ok"] == 2 and summary.missing == 2
    docs = documents(store)
    assert list(docs.loc[[f"{table}#3", f"{table}#4"], "status"]) == ["missing", "missing"]
    assert "no longer in its table" in docs.loc[f"{table}#3", "reason"]
    text = " ".join(read_passages(store).text)
    assert "Rugby World Cup" in text and "playgrounds" not in text and "Global Covenant" not in text
    assert "Kobe" in text  # an unchanged row keeps its passages

    # the table itself gone: its rows are marked missing
    table.unlink()
    ingest([tmp_path], store, config=CONFIG)
    docs = documents(store)
    assert set(docs.loc[[f"{table}#1", f"{table}#2"], "status"]) == {"missing"}


def test_repeated_rows_and_copied_tables_are_stored_once(tmp_path: Path) -> None:
    table = write_csv(tmp_path / "a.csv", [ROWS[0], ROWS[1], ROWS[0]])
    copy = tmp_path / "b.csv"
    copy.write_bytes(table.read_bytes())
    store = tmp_path / "s.duckdb"
    summary = ingest([table, copy], store, config=CONFIG)
    docs = documents(store)
    assert docs.loc[f"{table}#3", "status"] == "duplicate" and f"{table}#1" in docs.loc[f"{table}#3", "reason"]
    assert docs.loc[str(copy), "status"] == "duplicate"
    assert summary.counts["ok"] == 2
    assert read_passages(store).passage_id.is_unique


def test_broken_tables_are_an_error_with_the_reason(tmp_path: Path) -> None:
    lines = tmp_path / "bad.jsonl"
    lines.write_text('{"text": "The mayor met the consul of Japan at City Hall."}\n{"text": "cut off\n')
    quote = tmp_path / "bad.csv"
    quote.write_text('id,city,text\n1,Seattle,"An unclosed quote runs to the end of the file\n2,Lyon,more\n')
    store = tmp_path / "s.duckdb"
    summary = ingest([lines, quote], store, config=CONFIG)
    docs = documents(store)
    assert docs.loc[str(lines), "status"] == "error" and "line 2" in docs.loc[str(lines), "reason"]
    assert docs.loc[str(quote), "status"] == "error" and "not a readable table" in docs.loc[str(quote), "reason"]
    assert summary.total == 2


def test_run_with_records_profiles_the_rows_cities(tmp_path: Path) -> None:
    table = write_csv(tmp_path / "press.csv", ROWS)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(table), "--records", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    profiles = pd.read_csv(out / "profiles.csv")
    assert set(profiles.city) == {"Seattle", "Lyon"}
    assert dict(zip(profiles.city, profiles.n_documents)) == {"Seattle": 2, "Lyon": 1}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "4 documents (3 read)" in html  # the rows, not the table
    assert "press.csv%23" not in html and table.as_uri() in html  # evidence links open the table
    strict = CliRunner().invoke(main, ["ingest", str(table), "--records", "--store", str(out / "x.duckdb"), "--strict"])
    assert strict.exit_code == 3  # the row without text is not ok


def test_the_file_a_row_names_and_the_tables_meta_row_give_its_city(tmp_path: Path) -> None:
    lines = tmp_path / "passages.jsonl"
    text = "The council approved the new cycle lanes and the tram extension after a long debate on costs."
    lines.write_text(
        json.dumps({"repo_path": "documents/Grenoble.md", "text": text})
        + "\n"
        + json.dumps({"text": text + " Second."})
        + "\n"
    )
    meta = tmp_path / "meta.csv"
    meta.write_text("file,city,doc_type\npassages.jsonl,Lyon,report\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    ingest([lines], store, config=CONFIG)
    docs = documents(store)
    assert docs.loc[f"{lines}#1", "city"] == "Grenoble" and docs.loc[f"{lines}#1", "country"] == "FR"
    assert json.loads(docs.loc[f"{lines}#1", "meta_source"])["city"] == "inferred"
    lines.write_text(lines.read_text() + json.dumps({"text": text + " Third."}) + "\n")
    ingest([lines], store, meta=meta, config=CONFIG)
    docs = documents(store)
    # the table's --meta row fills in what its rows leave empty
    assert list(docs.loc[[f"{lines}#{n}" for n in (1, 2, 3)], "city"]) == ["Lyon"] * 3
    assert set(docs.loc[[f"{lines}#{n}" for n in (1, 2, 3)], "doc_type"]) == {"report"}
    # the same --meta row again: the table is unchanged and not read
    again = ingest([lines], store, meta=meta, config=CONFIG)
    assert again.unchanged == 1 and not again.counts
    # a new --meta row for the unchanged table reaches its rows without --force
    meta.write_text("file,city,doc_type,desk\npassages.jsonl,Paris,plan,east\n", encoding="utf-8")
    changed = ingest([lines], store, meta=meta, config=CONFIG)
    assert changed.counts == {"ok": 3, "table": 1}
    docs = documents(store)
    rows = [f"{lines}#{n}" for n in (1, 2, 3)]
    assert list(docs.loc[rows, "city"]) == ["Paris"] * 3 and set(docs.loc[rows, "doc_type"]) == {"plan"}
    assert {json.loads(e)["desk"] for e in docs.loc[rows, "extra"]} == {"east"}
    assert ingest([lines], store, meta=meta, config=CONFIG).unchanged == 1


def test_a_table_without_a_text_column_is_refused_with_its_columns(tmp_path: Path) -> None:
    table = tmp_path / "manifest.tsv"
    table.write_text("file\tsize\tnote\na.pdf\t10\tbroken xref\nb.pdf\t20\tencrypted\nc.pdf\t5\tempty\n")
    store = tmp_path / "s.duckdb"
    summary = ingest([table], store, config=CONFIG)
    docs = documents(store)
    assert list(docs.index) == [str(table)] and dict(summary.counts) == {"unsupported": 1}
    reason = docs.loc[str(table), "reason"]
    assert "without a text column" in reason and "file, note, size" in reason


def test_odd_tables_each_end_with_a_status(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "numbers.json").write_text("[1, 2, 3]")
    (folder / "none.json").write_text("[]")
    (folder / "header.csv").write_text("id,city,text\n")
    (folder / "semicolons.csv").write_text(
        "id;text;city\n1;The mayor met the consul of Japan.;Seattle\n2;Parks reopen.;Seattle\n3;x;Seattle\n"
    )
    (folder / "crlf.csv").write_bytes(
        b'id,text,city\r\n1,"The mayor visited Kobe, our sister city.",Seattle\r\n2,"Two\r\nlines.",Seattle\r\n'
    )
    store = tmp_path / "s.duckdb"
    summary = ingest([folder], store, config=CONFIG)
    docs = documents(store)
    status = {Path(p).name: s for p, s in docs.status.items()}
    assert status["deep.json"] == "error" and "nested too deeply" in docs.loc[str(folder / "deep.json"), "reason"]
    assert status["numbers.json"] == "unsupported"
    assert status["none.json"] == status["header.csv"] == "empty"
    assert status["semicolons.csv"] == "table" and status["semicolons.csv#3"] == "ok"
    assert status["crlf.csv"] == "table" and docs.loc[f"{folder / 'crlf.csv'}#2", "city"] == "Seattle"
    assert summary.total == 6


@pytest.mark.realworld
def test_real_tables_rows_get_their_cities_dates_and_types(realworld: Path, tmp_path: Path) -> None:
    """The EU climate city contracts' passages (a JSON-lines table naming each passage's contract file) and NYC
    Council resolutions (one per line, with an introduction date): every row is a document."""
    contracts = realworld / "climate_city_contracts" / "PASSAGES_keyword_filtered.jsonl"
    resolutions = realworld / "nyc_council_resolutions" / "nyc_resolutions_random_negatives.jsonl"
    store = tmp_path / "s.duckdb"
    ingest([contracts, resolutions], store, config={"jobs": 2, "records": True})
    docs = read_documents(store)
    rows = docs[docs.format == "record"]
    n_lines = {p: sum(1 for line in p.open(encoding="utf-8") if line.strip()) for p in (contracts, resolutions)}
    for table, n in n_lines.items():
        assert (rows.path.str.rsplit("#", n=1).str[0] == str(table)).sum() == n
    assert (rows.status == "ok").mean() > 0.99

    from cdtext.places import fold, gazetteer

    of_contracts = rows[rows.path.str.startswith(str(contracts))]
    named = of_contracts.extra.map(lambda e: Path(json.loads(e)["repo_path"]).stem.replace("_", " "))
    same = [
        fold(city) == fold(name) or any(fold(p.name) == fold(city) for p in gazetteer().cities(name))
        for city, name in zip(of_contracts.city.fillna(""), named)
    ]
    assert sum(same) / len(same) > 0.95  # "documents/Aachen.md" -> Aachen; Seville -> Sevilla

    of_resolutions = rows[rows.path.str.startswith(str(resolutions))]
    assert (of_resolutions.doc_type == "resolution").all() and of_resolutions.date.notna().all()
    assert of_resolutions.title.str.startswith("Resolution").mean() > 0.9


def test_parquet_tables(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "Text": [ROWS[0]["text"], ROWS[2]["text"], None],
            "city": ["Seattle", None, "Lyon"],
            "published": pd.to_datetime(["2021-03-04", "2022-01-10", None]),
            "score": [1.5, float("nan"), 2.0],
        }
    )
    table = tmp_path / "items.parquet"
    frame.to_parquet(table)
    store = tmp_path / "s.duckdb"
    ingest([table], store, config={"jobs": 1})
    assert "--records" in documents(store).loc[str(table), "reason"]
    summary = ingest([table], store, config=CONFIG)
    docs = documents(store)
    assert docs.loc[str(table), "format"] == "parquet" and dict(summary.counts) == {"ok": 2, "empty": 1, "table": 1}
    assert (docs.loc[f"{table}#1", "city"], docs.loc[f"{table}#1", "date"]) == ("Seattle", "2021-03-04")
    assert docs.loc[f"{table}#2", "date"] == "2022-01-10"
    assert json.loads(docs.loc[f"{table}#2", "extra"]) == {}  # a NaN is a missing value, not "nan"
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(table.read_bytes()[:200])
    ingest([broken], store, config=CONFIG)
    assert documents(store).loc[str(broken), "status"] == "error"


def test_a_table_too_large_for_the_timeout_says_how_to_read_it(tmp_path: Path) -> None:
    text = "The council approved the new cycle lanes and the tram extension after a long debate on costs. " * 3
    rows = [{"id": str(i), "city": "Lyon", "text": f"{text} Item {i}."} for i in range(17_000)]  # about 5 MiB
    table = tmp_path / "items.csv"
    write_csv(table, rows)
    assert table.stat().st_size > 4 * 2**20
    store = tmp_path / "s.duckdb"
    summary = ingest([table], store, config={**CONFIG, "timeout": 0.5})
    assert summary.counts == {"timeout": 1}
    reason = documents(store).loc[str(table), "reason"]
    assert "no result after 0.5 s" in reason and "give it a longer --timeout" in reason
