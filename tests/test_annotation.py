"""The annotation loop on the bundled samples: draw, fill in, check, agree, train; and bad label files."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import REPO, SAMPLES

import cdtext
from cdtext.cli import main


def run(*args: str) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("loop") / "s.duckdb"
    cdtext.ingest([SAMPLES], path, config={"jobs": 1})
    return path


@pytest.fixture(scope="module")
def sheet(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sheet") / "sample.csv"
    result = run("annotate", "--store", store, "--out", out, "--n", 30, "--seed", 3, "--root", REPO / "corpus")
    assert result.exit_code == 0, result.output
    return out


def fill(sheet: Path, out: Path, annotator: str, flip: int = 0, areas: bool = False) -> pd.DataFrame:
    """A filled copy of the sheet: the model's functions, every ``flip``-th row changed; with ``areas``, every
    third passage with a function is about climate."""
    df = pd.read_csv(sheet, keep_default_na=False, dtype=str)
    for i in range(len(df)):
        functions = df.at[i, "model_functions"]
        if flip and i % flip == 0:
            functions = "" if functions else "community_engagement"
        df.at[i, "functions"] = functions
        df.at[i, "policy_anchored"] = ("true" if i % 2 else "false") if functions else ""
        df.at[i, "policy_areas"] = "climate_environment" if areas and functions and i % 3 == 0 else ""
        df.at[i, "annotator"] = annotator
    df.to_csv(out, index=False)
    return df


def test_annotate_writes_a_sheet_with_design_and_empty_label_columns(sheet: Path, store: Path, tmp_path: Path) -> None:
    df = pd.read_csv(sheet, keep_default_na=False)
    assert list(df.columns[:7]) == ["id", "text", "functions", "policy_anchored", "policy_areas", "annotator", "note"]
    assert 20 <= len(df) <= 30 and df["id"].is_unique
    assert set(df["stratum"]) <= {"random", "uncertainty", "positive"} and len(set(df["stratum"])) >= 2
    assert ((df["inclusion_prob"] > 0) & (df["inclusion_prob"] <= 1)).all()
    assert (df[["functions", "annotator"]] == "").all().all()
    assert all(not s.startswith("/") and s.startswith("samples/") for s in df["source"])
    assert df.groupby("source").size().max() <= 5
    # skipping what is labelled already
    labelled = tmp_path / "done.csv"
    fill(sheet, labelled, "ann")
    again = tmp_path / "next.csv"
    assert run("annotate", "--store", store, "--out", again, "--n", 10, "--exclude", labelled).exit_code == 0
    assert not set(pd.read_csv(again)["id"]) & set(df["id"])


def test_a_search_stratum_draws_only_matching_passages(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "search.csv"
    result = run("annotate", "--store", store, "--out", out, "--n", 8, "--strategy", "random", "--match", r"\bCITY\b")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out, keep_default_na=False)
    assert len(df) and all("city" in t.lower() for t in df["text"])
    assert set(df["stratum"]) == {"search"}
    rows = cdtext.annotate(store, n=5, strategy="random", match=r"\bcity\b")
    assert rows.attrs["design"]["match"] == r"\bcity\b"
    bad = run("annotate", "--store", store, "--out", tmp_path / "x.csv", "--match", "(unclosed")
    assert bad.exit_code != 0 and "is not a regular expression" in bad.output
    none = run("annotate", "--store", store, "--out", tmp_path / "y.csv", "--match", "qqqzzzxxq")
    assert none.exit_code != 0 and "none match the search" in none.output


def test_exclude_near_leaves_out_repeats_of_labelled_passages_only() -> None:
    from cdtext.annotation.sample import _frame

    release = (
        "Mayor Smith is in Europe on {d}, where she tells the city's story at two technology conferences "
        "and meets investors, university partners and the leaders of the sister city's port authority."
    )
    other = "The council approved the budget for road repairs in the northern wards after a long {d} debate."
    texts = {
        "d-1": release.format(d="Monday"),  # labelled
        "d-2": release.format(d="Tuesday"),  # a near-repeat of it: out
        "d-3": "Then " + release.format(d="Wednesday").split(" and meets")[0] + ".",  # half of it: under the bar
        "d-4": other.format(d="Monday"),  # two near-repeats of each other, neither labelled: both stay
        "d-5": other.format(d="Tuesday"),
    }
    passages = pd.DataFrame({"passage_id": list(texts), "text": list(texts.values())})
    passages["n_words"] = passages["text"].str.split().str.len()
    plain, none_left_out = _frame(passages, 10, {"d-1"})
    assert list(plain["passage_id"]) == ["d-2", "d-3", "d-4", "d-5"] and none_left_out == 0
    near, left_out = _frame(passages, 10, {"d-1"}, near=True)
    assert list(near["passage_id"]) == ["d-3", "d-4", "d-5"] and left_out == 1
    # nothing excluded: nothing near-excluded either
    assert _frame(passages, 10, set(), near=True)[1] == 0


def test_exclude_near_through_the_command(store: Path, tmp_path: Path) -> None:
    labelled = tmp_path / "done.csv"
    assert run("annotate", "--store", store, "--out", labelled, "--n", 10, "--seed", 1).exit_code == 0
    fill(labelled, labelled, "ann")
    out = tmp_path / "next.csv"
    result = CliRunner().invoke(
        main,
        [
            "annotate",
            "--store",
            str(store),
            "--out",
            str(out),
            "--n",
            "5",
            "--exclude",
            str(labelled),
            "--exclude-near",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "near-repeats of excluded passages left out" in result.output
    assert not set(pd.read_csv(out)["id"]) & set(pd.read_csv(labelled)["id"])
    rows = cdtext.annotate(store, n=5, exclude=[labelled], exclude_near=True)
    plain = cdtext.annotate(store, n=5, exclude=[labelled])
    assert rows.attrs["design"]["frame"] + rows.attrs["design"]["near_excluded"] == plain.attrs["design"]["frame"]


def test_the_sheet_is_formula_safe(tmp_path: Path) -> None:
    from cdtext.annotation.sample import SHEET_COLUMNS, write_label_rows

    row = dict.fromkeys(SHEET_COLUMNS, "")
    text = '=HYPERLINK("http://evil")'
    row.update(id="x-1", text=text, annotator="", sha1=hashlib.sha1(text.encode()).hexdigest())
    out = tmp_path / "f.csv"
    write_label_rows(pd.DataFrame([row]), out)
    assert "'=HYPERLINK" in out.read_text()
    # and reading it back gives the text without the guard
    row.update(functions="economic_development", policy_anchored="no", annotator="a")
    write_label_rows(pd.DataFrame([row]), out)
    labels = cdtext.read_labels([out])
    assert labels.loc[0, "text"].startswith("=HYPERLINK") and labels.loc[0, "policy_anchored"] == False  # noqa: E712


def test_check_agreement_and_training_on_filled_sheets(sheet: Path, store: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    fa, fb = fill(sheet, a, "ann", areas=True), fill(sheet, b, "bob", flip=4, areas=True)
    assert run("labels", "check", a, b, "--store", store).exit_code == 0

    result = run("agreement", a, b, "--format", "json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["annotators"] == ["ann", "bob"] and figures["passages"] == len(fa)
    # alpha as the krippendorff package computes it for any_function
    data = np.array([[float(bool(x)) for x in f["functions"]] for f in (fa, fb)])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert figures["labels"]["any_function"]["alpha"] == pytest.approx(expected, abs=1e-4)
    table = run("agreement", a, b)
    assert "any_function" in table.output and "function disagreements" in table.output
    csv = run("agreement", a, b, "--format", "csv")
    assert csv.output.startswith("label,alpha,percent_agreement")

    out = tmp_path / "models" / "mine"
    trained = run("train", "--labels", a, "--labels", b, "--store", store, "--base", "none", "--out", out)
    assert trained.exit_code == 0, trained.output
    card = json.loads(Path(f"{out}.card.json").read_text())
    files = card["training_corpus"]["labels"]
    assert [f["file"].split("/")[-1] for f in files] == ["a.csv", "b.csv"]
    assert files[0]["sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert card["training_corpus"]["base"] == "none"
    assert card["training_corpus"]["n_real"] == len(fa) and card["metrics"]["real_cv"]["n"] == len(fa)
    # a few climate passages cannot vouch for the area: it is withheld, and the output says so
    assert [head for head, cut in card["thresholds"].items() if cut == 2.0] == ["climate_environment"]
    assert "policy areas withheld: climate_environment" in trained.output
    climate = [line for line in trained.output.splitlines() if line.startswith("climate_environment")]
    assert climate and climate[0].split()[1] == "withheld" and "withheld: a policy area the model" in trained.output
    clf = cdtext.Classifier.load(out)
    assert not clf.is_lexicon and len(clf.predict(["The mayor met the Consul General of Japan."])) == 1
    # the loop ends where it started: classify the store with the new model
    predicted = tmp_path / "pred.csv"
    result = run("classify", store, "--model", out, "--out", predicted)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(predicted)) > 30


def test_stand_off_labels_resolve_from_documents_and_catch_edits(sheet: Path, tmp_path: Path) -> None:
    filled = tmp_path / "a.csv"
    fill(sheet, filled, "ann")
    so = tmp_path / "a.jsonl"
    assert run("labels", "standoff", filled, "--out", so).exit_code == 0
    rows = [json.loads(line) for line in so.read_text().splitlines()]
    assert rows and all("text" not in r and len(r["sha1"]) == 40 for r in rows)
    # without a text source, the texts are missing; with the documents, they resolve
    missing = run("labels", "check", so)
    assert missing.exit_code == 1 and f"{so}: {len(rows)} stand-off row(s) without text" in missing.output
    assert len(missing.output.splitlines()) == 2
    assert run("labels", "check", so, "--text-root", REPO / "corpus").exit_code == 0
    labels = cdtext.read_labels([so], text_root=REPO / "corpus")
    original = pd.read_csv(filled, keep_default_na=False).set_index("id")["text"]
    assert all(original[r.id] == r.text for r in labels.itertuples())
    # a changed hash is reported with file and row
    rows[2]["sha1"] = "0" * 40
    rows[2]["start"] = rows[2]["start"] + 1
    so.write_text("".join(json.dumps(r) + "\n" for r in rows))
    bad = run("labels", "check", so, "--text-root", REPO / "corpus")
    assert bad.exit_code == 1 and f"{so}:3: passage" in bad.output and "does not match its sha1" in bad.output


def test_a_stored_passage_id_naming_other_text_falls_back_on_the_span(sheet: Path, store: Path, tmp_path: Path) -> None:
    # labels made before a document was segmented differently: the id now names another passage of it
    filled = tmp_path / "a.csv"
    fill(sheet, filled, "ann")
    so = tmp_path / "a.jsonl"
    assert run("labels", "standoff", filled, "--out", so).exit_code == 0
    rows = [json.loads(line) for line in so.read_text().splitlines()]
    a, b = next((x, y) for x in rows for y in rows if x is not y and x["id"][:16] == y["id"][:16])
    a["id"] = b["id"]
    so.write_text("".join(json.dumps(r) + "\n" for r in rows if r is not b))
    labels = cdtext.read_labels([so], store=store)
    original = pd.read_csv(filled, keep_default_na=False).set_index("id")["text"]
    assert all(original[r.id] == r.text for r in labels.itertuples() if r.id != b["id"])
    assert labels.set_index("id").loc[b["id"], "text"] != original[b["id"]]


def test_train_on_stand_off_labels_from_the_documents(sheet: Path, tmp_path: Path) -> None:
    filled = tmp_path / "a.csv"
    fill(sheet, filled, "ann")
    so = tmp_path / "a.jsonl"
    from cdtext.annotation.api import standoff

    standoff([filled], so)
    clf = cdtext.train(out=tmp_path / "m", labels=[so], text_root=REPO / "corpus", base="none")
    assert clf.card["training_corpus"]["labels"][0]["file"].endswith("/a.jsonl")


def test_a_model_named_lexicon_is_still_the_trained_model(sheet: Path, store: Path, tmp_path: Path) -> None:
    filled = tmp_path / "a.csv"
    fill(sheet, filled, "ann")
    out = tmp_path / "models" / "lexicon"
    assert run("train", "--labels", filled, "--store", store, "--base", "none", "--out", out).exit_code == 0
    clf = cdtext.Classifier.load(out)
    assert clf.name == "lexicon" and not clf.is_lexicon
    trained = clf.predict(["The mayor met the Consul General of Japan to discuss trade."])
    lexicon = cdtext.Classifier.load("lexicon").predict(["The mayor met the Consul General of Japan to discuss trade."])
    assert trained.filter(like="p_").columns.tolist() == lexicon.filter(like="p_").columns.tolist()


HEADER = "id,text,functions,policy_anchored,policy_areas,annotator,note\n"
HEADER_BYTES = HEADER.encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"a,b,c\n1,2,3\n", "no 'functions' column"),
        (HEADER.encode() + b"p1,text,diplomacy,true,,ann,\n", "unknown function code 'diplomacy'"),
        (HEADER.encode() + b"p1,text,,true,,ann,\n", "policy_anchored is set but no function"),
        (HEADER.encode() + b"p1,text,economic_development,,,ann,\n", "must be true or false when functions"),
        (HEADER.encode() + b"p1,text,economic_development,maybe,,ann,\n", "not 'maybe'"),
        (HEADER.encode() + b"p1,t,,,,ann,\np1,t,,,,ann,\n", "labelled twice by ann"),
        (HEADER.encode() + b"p1,t,,,climate,ann,\n", "unknown policy area 'climate'"),
        (b'{"id": "p1", "functions": [], "annotator": "a"}\n{oops\n', ":2: not valid JSON"),
    ],
)
def test_bad_label_files_give_one_line_per_problem(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / ("f.jsonl" if content.startswith(b"{") else "f.csv")
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["labels", "check", str(path)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert result.output.splitlines()[-1].startswith("Error:")


def test_spreadsheet_exports_in_windows_encoding_and_formula_guards_are_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes((HEADER + "p1,'+Caf\xe9 in M\xfcnchen,economic_development,TRUE,,Zo\xe9,\n").encode("cp1252"))
    labels = cdtext.read_labels([path])
    assert labels.loc[0, "text"] == "+Café in München" and labels.loc[0, "annotator"] == "Zoé"
    assert labels.loc[0, "functions"] == ["economic_development"]


def test_oversized_label_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.truncate(50 * 2**20)  # 50 MB, sparse: refused by its size before a byte is read
    for command in (["labels", "check", str(path)], ["agreement", str(path), str(path)]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1 and "too large for a label file" in result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "content",
    [b"", b"a,b,c\n1,2,3\n", HEADER_BYTES + b"p1,t,nonsense,,,ann,\n", b"\xff\xfe\x00garbage"],
)
def test_agreement_on_bad_files_is_one_error_line(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "p1,t,,,,bob,\n")
    result = CliRunner().invoke(main, ["agreement", str(bad), str(good)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error:") and len(result.output.strip().splitlines()) == 1


def test_agreement_needs_two_annotators_and_shared_passages(tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text(HEADER + "p1,t,,,,ann,\n")
    other = tmp_path / "other.csv"
    other.write_text(HEADER + "p2,t,,,,bob,\n")
    alone = CliRunner().invoke(main, ["agreement", str(one), str(one)])
    assert alone.exit_code == 1 and "labelled twice" in alone.output
    single = CliRunner().invoke(main, ["agreement", str(one)])
    assert single.exit_code == 1 and "at least two annotators" in single.output
    apart = CliRunner().invoke(main, ["agreement", str(one), str(other)])
    assert apart.exit_code == 1 and "no passage was labelled by two annotators" in apart.output


def test_prevalence_reweights_by_inclusion_probability(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    rows = ["id,text,functions,policy_anchored,policy_areas,annotator,note,stratum,inclusion_prob"]
    rows += [f"a{i},t,economic_development,false,,ann,,positive,1.0" for i in range(10)]
    rows += [f"b{i},t,,,,ann,,random,0.1" for i in range(10)]
    path.write_text("\n".join(rows) + "\n")
    result = run("labels", "estimate", path, "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.output)).set_index("label")
    # 10 positives weighted 1, 10 negatives weighted 10: 10 / 110
    assert table.loc["economic_development", "prevalence"] == pytest.approx(10 / 110, abs=1e-3)


def test_stand_off_labels_on_rows_of_a_table_resolve_from_the_table(tmp_path: Path) -> None:
    # a table read with --records names its rows table.jsonl#N; --text-root reads the table as records again
    rows = [
        {"title": f"Resolution {i}", "text": f"Resolution {i}: the Council thanks the delegation from Kyoto, its "
         f"sister city, for visit number {i}, and asks the Mayor to plan the exchange of students next spring."}
        for i in range(6)
    ]  # fmt: skip
    table = tmp_path / "docs" / "resolutions.jsonl"
    table.parent.mkdir()
    table.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = tmp_path / "s.duckdb"
    assert run("ingest", table, "--records", "--store", store).exit_code == 0
    out = tmp_path / "lab.jsonl"
    got = run("annotate", "--store", store, "--out", out, "--n", "4", "--stand-off", "--root", table.parent)
    assert got.exit_code == 0, got.output
    drawn = [json.loads(line) | {"functions": "", "annotator": "a"} for line in out.read_text().splitlines()]
    assert drawn and all(r["source"].startswith("resolutions.jsonl#") for r in drawn)
    out.write_text("".join(json.dumps(r) + "\n" for r in drawn))
    labels = cdtext.read_labels([out], text_root=table.parent)
    assert len(labels) == len(drawn) and all("Kyoto" in t for t in labels["text"])
    assert run("labels", "check", out, "--text-root", table.parent).exit_code == 0
    drawn[0]["sha1"] = "0" * 40  # and a row whose text no longer matches is still reported
    out.write_text("".join(json.dumps(r) + "\n" for r in drawn))
    assert "does not match its sha1" in run("labels", "check", out, "--text-root", table.parent).output
