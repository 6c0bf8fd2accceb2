"""Draw one annotation round of the real-text corpus from ../shared/realworld-pool.

    python corpus/tools/draw_round.py ROUND N --work DIR [--seed S] [--shares random=.35,uncertainty=.35,positive=.3]
        [--model M] [--exclude LABELS...] [--only FOLDER...] [--max-per-doc N] [--focus FUNCTION...]
        [--match REGEX] [--exclude-near]

Ingests the pool's documents (not its README, manifest or the CDP CSV, whose
rows are also in by_city/) into DIR/pool.duckdb, leaves out passages that
../shared/tools/check_contamination.py finds in the held-back evaluation
passages, and draws N passages with ``cdtext.annotate`` (stand-off sources
relative to ../shared). Writes DIR/ROUND/sample.csv (everything annotate
writes) and DIR/ROUND/to_label.jsonl (id, text and context only: annotators
never see the model's guesses). DIR must lie outside the repository: these
files hold third-party text.

``--match`` (``cdtext annotate --match``) narrows the frame to passages whose
text matches a regular expression (case-insensitive): a search stratum for functions the model rarely
finds. Its rows get stratum ``search``: inclusion probabilities are relative
to that narrowed frame (the pattern is recorded in design.json), so such a
round says nothing about prevalence in the pool.

Every passage already in a label file of ``corpus/real`` or ``corpus/staged``
is left out whatever ``--exclude`` says (round r8 was drawn excluding
``corpus/real`` only, and 87 of its passages had been labelled in the staged
rounds); a round's folder must not exist yet in either, nor in DIR (a round
still being labelled).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import cdtext
from cdtext.annotation.sample import annotate
from cdtext.store import Store

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
POOL = SHARED / "realworld-pool"
SKIP = {"README.md", "MANIFEST.tsv"}


def pool_inputs(only: list[str] | None = None) -> list[Path]:
    if only:
        return [POOL / name for name in only]
    inputs = []
    for folder in sorted(p for p in POOL.iterdir() if p.is_dir()):
        if folder.name == "cdp_cities_2021_targets":
            inputs.append(folder / "by_city")
        else:
            inputs.append(folder)
    return inputs


def contaminated(store: Path, work: Path) -> set[str]:
    table = work / "frame_texts.csv"
    with Store(store, read_only=True) as db:
        passages = db.table("passages", ["passage_id", "text"])
    passages.rename(columns={"passage_id": "id"}).to_csv(table, index=False)
    out = subprocess.run(
        [sys.executable, str(SHARED / "tools" / "check_contamination.py"), str(table)], capture_output=True, text=True
    )
    table.unlink()
    if out.returncode not in (0, 1):  # 1: some passages overlap (listed); 2: bad input, nothing was checked
        sys.exit(f"error: check_contamination.py failed: {out.stderr.strip()}")
    return {line.split(": ")[1] for line in out.stdout.splitlines() if "shares" in line}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("round")
    ap.add_argument("n", type=int)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shares", default="random=.35,uncertainty=.35,positive=.3")
    ap.add_argument("--model", default=None)
    ap.add_argument("--max-per-doc", type=float, default=6)
    ap.add_argument("--exclude", nargs="*", default=[])
    ap.add_argument("--only", nargs="*", default=None, help="pool sub-folders to draw from (default: all)")
    ap.add_argument("--focus", nargs="*", default=(), help="functions the positive share is spent on")
    ap.add_argument("--match", default=None, help="draw only passages matching this regular expression")
    ap.add_argument("--exclude-near", action="store_true", help="also leave out near-repeats of every excluded passage")
    args = ap.parse_args()
    if args.work.resolve().is_relative_to(REPO):
        sys.exit("error: --work must lie outside the repository (it holds third-party text)")
    labelled = sorted(str(p) for part in ("real", "staged") for p in (REPO / "corpus" / part).glob("*/*.jsonl"))
    taken = [REPO / "corpus" / part / args.round for part in ("real", "staged")] + [args.work / args.round]
    for folder in taken:
        if folder.exists():
            sys.exit(f"error: {folder} exists already: name the round otherwise")
    args.work.mkdir(parents=True, exist_ok=True)
    store = args.work / ("pool.duckdb" if not args.only else f"{args.round}-pool.duckdb")
    cdtext.ingest(pool_inputs(args.only), store, config={"jobs": 2})
    bad = contaminated(store, args.work)
    print(f"{len(bad)} passage(s) overlap the held-back set and are left out", file=sys.stderr)
    shares = {k: float(v) for k, v in (part.split("=") for part in args.shares.split(","))}
    out = args.work / args.round
    out.mkdir()
    rows = annotate(
        store,
        out / "sample.csv",
        n=args.n,
        strategy=shares,
        seed=args.seed,
        exclude=sorted(set(args.exclude) | set(labelled)),
        exclude_ids=sorted(bad),
        model=args.model,
        root=SHARED,
        max_per_doc=args.max_per_doc,
        round=args.round,
        focus=args.focus,
        match=args.match,
        exclude_near=args.exclude_near,
    )
    with open(out / "to_label.jsonl", "w", encoding="utf-8") as fh:
        for r in rows.itertuples():
            row = {
                "id": r.id,
                "source": r.source,
                "doc_title": r.doc_title,
                "before": r.before,
                "text": r.text,
                "after": r.after,
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "design.json").write_text(json.dumps(rows.attrs["design"], indent=2) + "\n")
    print(json.dumps(rows.attrs["design"], indent=2))


if __name__ == "__main__":
    main()
