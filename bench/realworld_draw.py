"""Draw the measuring rounds of bench/realworld from ../shared/realworld (how rw1-rw3 were drawn; for measuring only).

    python bench/realworld_draw.py ROUND --work DIR

ROUND is one of the rounds below; DIR must lie outside the repository (the
files written there hold third-party text). Each round ingests its documents
into ``DIR/ROUND.duckdb``, leaves out every passage that
``../shared/tools/check_contamination.py`` finds in the held-back evaluation
passages, and draws with ``cdtext.annotate`` (stand-off references relative
to ../shared): ``DIR/ROUND.csv`` (everything annotate writes, the model's
view included), ``DIR/ROUND_to_label.jsonl`` (id, text and context only: what
annotators see) and ``DIR/ROUND_design.json``. Later rounds leave out the
passages of the earlier ones' label files (and, for the search rounds, their
near-repeats).

These passages are never training, tuning or threshold material: they
measure how the shipped models do on documents outside the training pool
(``bench/realworld_accuracy.py``; bench/realworld/README.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import cdtext
from cdtext.annotation.sample import annotate
from cdtext.store import Store

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = REPO.parent / "shared"
REALWORLD = SHARED / "realworld"
#: cue words of international activity (case-insensitive): the search rounds' frame
CUES = (
    r"(?:international|global|worldwide|around the world|abroad|overseas|foreign|sister[- ]cit|friendship cit"
    r"|twin(?:ned|ning)\b|consul|embass|ambassador|delegation|trade mission|\bexport|investors?\b|touris|immigra"
    r"|refugee|newcomer|migrant|diaspora|\bC40\b|ICLEI|Covenant of Mayors|Eurocities|United Nations|\bU\.?N\.?\b"
    r"|\bSDGs?\b|Sustainable Development Goals|Paris (?:Agreement|Accord|climate)|\bCOP ?2\d|Olympic|World Cup"
    r"|summit|\bexpo\b|Horizon (?:2020|Europe)|NetZeroCities|Mission cit|Cities Mission)"
)


def speeches() -> list[Path]:
    return [REALWORLD / "speeches" / "text"]


def contracts() -> list[Path]:
    return sorted((REALWORLD / "climate_city_contracts").glob("*.md"))  # not the JSON-lines table of passages


def resolutions_and_toolkit() -> list[Path]:
    toolkit = REALWORLD / "doc_redaction" / "Partnership-Agreement-Toolkit_0_0.pdf"  # sister-city agreements
    return [REALWORLD / "chicago_resolutions" / "pdf", toolkit]


class Round(NamedTuple):
    documents: Callable[[], list[Path]]
    n: int
    shares: dict[str, float]
    seed: int
    max_per_doc: float
    pattern: str | None  # a search round's cue words, or None: a draw over every passage
    after: list[str]  # earlier rounds whose passages are left out


ROUNDS = {
    "rw1": Round(lambda: speeches() + contracts(), 560, {"random": 0.5, "positive": 0.5}, 2041, 12, None, []),
    "rw2": Round(lambda: speeches() + resolutions_and_toolkit(), 400, {"random": 1.0}, 2042, 400, CUES, ["rw1"]),
    "rw3": Round(contracts, 250, {"random": 1.0}, 2043, 30, CUES, ["rw1"]),
}
#: the shipped default model (its card's SHA-256) whose probabilities chose rw1's ``positive`` share
DRAWN_WITH = "00a4b0496545fd97bbc567ce1893630729cc03064d49f0328a5f0bb6d46d26e0"


def held_back(store: Path, work: Path) -> set[str]:
    """Ids of the store's passages that overlap the held-back evaluation passages."""
    table = work / "frame_texts.csv"
    with Store(store, read_only=True) as db:
        passages = db.table("passages", ["passage_id", "text"])
    passages.rename(columns={"passage_id": "id"}).to_csv(table, index=False)
    tool = SHARED / "tools" / "check_contamination.py"
    out = subprocess.run([sys.executable, str(tool), str(table)], capture_output=True, text=True, check=False)
    table.unlink()
    if out.returncode not in (0, 1):  # 1: some passages overlap (listed); 2: bad input
        raise SystemExit(f"error: check_contamination.py failed: {out.stderr.strip()}")
    return {line.split(": ")[1] for line in out.stdout.splitlines() if "shares" in line}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("round", choices=sorted(ROUNDS))
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    if args.work.resolve().is_relative_to(REPO) or args.work.resolve().is_relative_to(SHARED.resolve()):
        raise SystemExit("error: --work must lie outside the repository and ../shared (it holds third-party text)")
    r = ROUNDS[args.round]
    if "positive" in r.shares:  # the default's probabilities chose part of the draw
        from cdtext.classify.api import Classifier

        if Classifier.load("default", lazy=True).card.get("sha256") != DRAWN_WITH:
            print("warning: the default model is not the one this round was drawn with: its positive share differs")
    args.work.mkdir(parents=True, exist_ok=True)
    store = args.work / f"{args.round}.duckdb"
    if not store.exists():
        cdtext.ingest(r.documents(), store, config={"jobs": 2})
    bad = held_back(store, args.work)
    print(f"{len(bad)} passage(s) overlap the held-back set and are left out", file=sys.stderr)
    exclude = sorted(str(p) for earlier in r.after for p in (BENCH / "realworld" / earlier).glob("*.jsonl"))
    rows = annotate(
        store,
        args.work / f"{args.round}.csv",
        n=r.n,
        strategy=r.shares,
        seed=r.seed,
        exclude=exclude,
        exclude_ids=sorted(bad),
        model="default",
        root=SHARED,
        max_per_doc=r.max_per_doc,
        round=args.round,
        match=r.pattern,
        exclude_near=r.pattern is not None,
    )
    with open(args.work / f"{args.round}_to_label.jsonl", "w", encoding="utf-8") as fh:
        for p in rows.itertuples():
            row = {"id": p.id, "source": p.source, "doc_title": p.doc_title, "before": p.before, "text": p.text}
            fh.write(json.dumps(row | {"after": p.after}, ensure_ascii=False) + "\n")
    (args.work / f"{args.round}_design.json").write_text(json.dumps(rows.attrs["design"], indent=2) + "\n")
    print(json.dumps(rows.attrs["design"], indent=2))


if __name__ == "__main__":
    main()
