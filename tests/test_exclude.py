"""--exclude: files and folders left out by pattern are recorded, never read, and leave profiles on a re-run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import cdtext
from cdtext.cli import main
from cdtext.errors import ConfigError
from cdtext.ingestion.config import IngestConfig
from cdtext.ingestion.walk import excluded_by, walk

PARAGRAPH = (
    "The mayor of {city} welcomed a trade delegation from Lyon to talk about investment, exports and the new "
    "sister city agreement between the two cities.\n\nA second paragraph about {city} describes the student "
    "exchange that the agreement starts next spring, with twenty pupils from each city.\n"
)


def _tree(root: Path) -> Path:
    folder = root / "in"
    for rel, city in [
        ("press/a.txt", "Boston"),
        ("press/2019/b.txt", "Denver"),
        ("drafts/c.txt", "Austin"),
        ("drafts.txt", "Tulsa"),
        ("README.md", "Omaha"),
    ]:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PARAGRAPH.format(city=city), encoding="utf-8")
    return folder


def _docs(store: Path) -> dict[str, tuple[str, int]]:
    docs = cdtext.read_documents(store)
    return {Path(p).name: (s, int(n)) for p, s, n in zip(docs.path, docs.status, docs.n_passages)}


@pytest.mark.parametrize(
    ("relative", "is_dir", "patterns", "expected"),
    [
        ("README.md", False, ["README*"], "README*"),
        ("press/README.md", False, ["README*"], "README*"),  # a name matches at any depth
        ("readme.md", False, ["README*"], None),  # case matters
        ("drafts", True, ["drafts/"], "drafts/"),
        ("drafts.txt", False, ["drafts/"], None),  # a trailing slash: folders only
        ("old/drafts", True, ["drafts"], "drafts"),
        ("press/2019/b.pdf", False, ["press/*.pdf"], "press/*.pdf"),  # '*' crosses slashes in a path pattern
        ("press/b.pdf", False, ["/press/b.pdf"], "/press/b.pdf"),
        ("x/press/b.pdf", False, ["/press/b.pdf"], None),  # a path pattern starts at the input folder
        ("a.csv", False, ["*.txt", "*.csv"], "*.csv"),
    ],
)
def test_pattern_rules(relative: str, is_dir: bool, patterns: list[str], expected: str | None) -> None:
    assert excluded_by(relative, is_dir, patterns) == expected


def test_bad_patterns_are_refused() -> None:
    for bad in ["", "/", " ", "//"]:
        with pytest.raises(ConfigError, match="exclude pattern"):
            IngestConfig(exclude=(bad,))
    assert IngestConfig.resolve({"exclude": ["*.csv"]}).exclude == ("*.csv",)  # a list from a run card


def test_an_excluded_folder_is_one_entry_and_is_not_walked(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    entries = {e.path.relative_to(folder).as_posix(): e for e in walk([folder], exclude=["drafts/", "README*"])}
    assert sorted(entries) == ["README.md", "drafts", "drafts.txt", "press/2019/b.txt", "press/a.txt"]
    assert entries["drafts"].status == "excluded" and entries["drafts"].folder
    assert entries["README.md"].status == "excluded" and "'README*'" in entries["README.md"].skip
    assert entries["drafts.txt"].skip is None
    # a file named directly is read even when a pattern matches its name
    assert [e.skip for e in walk([folder / "README.md"], exclude=["README*"])] == [None]


def test_excluded_inputs_are_recorded_and_leave_profiles_on_a_rerun(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    store = tmp_path / "s.duckdb"
    cfg = {"jobs": 1}
    cdtext.ingest([folder], store, config=cfg)
    first = _docs(store)
    assert all(status == "ok" and n == 2 for status, n in first.values())
    passages_before = len(cdtext.read_passages(store))

    summary = cdtext.ingest([folder], store, config={**cfg, "exclude": ["README*", "press"]})
    docs = _docs(store)
    assert docs["README.md"] == ("excluded", 0)
    assert docs["press"] == ("excluded", 0)  # the folder's own row
    # files stored from the folder before are excluded now, their passages gone
    assert docs["a.txt"][0] == "excluded" and docs["b.txt"][0] == "excluded"
    assert docs["c.txt"] == ("ok", 2) and docs["drafts.txt"] == ("ok", 2)
    assert len(cdtext.read_passages(store)) == passages_before - 6
    assert summary.counts["excluded"] == 4

    # the same run again changes nothing
    again = cdtext.ingest([folder], store, config={**cfg, "exclude": ["README*", "press"]})
    assert again.counts == {} and again.unchanged == again.total == 4

    # without the patterns everything is read again and the folder's row is gone
    cdtext.ingest([folder], store, config=cfg)
    docs = _docs(store)
    assert "press" not in docs
    assert all(status == "ok" and n == 2 for status, n in docs.values())
    assert len(cdtext.read_passages(store)) == passages_before


def test_rows_of_an_excluded_table_are_excluded(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [f'"{PARAGRAPH.format(city=c).splitlines()[0]}",{c}' for c in ("Boston", "Denver", "Austin")]
    (folder / "items.csv").write_text("text,city\n" + "\n".join(rows) + "\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    cdtext.ingest([folder], store, config={"jobs": 1, "records": True})
    assert sorted(_docs(store).values()) == [("ok", 1)] * 3 + [("table", 0)]
    cdtext.ingest([folder], store, config={"jobs": 1, "records": True, "exclude": ["*.csv"]})
    docs = cdtext.read_documents(store)
    assert set(docs.status) == {"excluded"}
    rows = docs[docs.path.str.contains("#")]
    assert len(rows) == 3 and all("its table" in r and "items.csv" in r and "'*.csv'" in r for r in rows.reason)
    assert len(cdtext.read_passages(store)) == 0


def test_cli_exclude_strict_status_and_report(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    runner = CliRunner()
    store = tmp_path / "s.duckdb"
    args = ["ingest", str(folder), "--store", str(store), "--jobs", "1", "--exclude", "README*", "--strict", "-q"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output  # excluded is what was asked for: --strict accepts it
    status = runner.invoke(main, ["status", "--store", str(store)])
    assert "excluded           1" in status.output
    assert "README" not in status.output  # counted, not listed as a problem

    out = tmp_path / "out"
    result = runner.invoke(
        main, ["run", str(folder), "--out", str(out), "--jobs", "1", "--exclude", "drafts*", "--model", "fast", "-q"]
    )
    assert result.exit_code == 0, result.output
    docs = _docs(out / "cdtext.duckdb")
    assert docs["drafts"][0] == docs["drafts.txt"][0] == "excluded"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "3 documents (3 read)" in report  # README, a.txt, b.txt: what --exclude left out is not counted
