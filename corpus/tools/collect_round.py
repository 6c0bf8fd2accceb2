"""Collect one annotation round's labels into stand-off label files under corpus/real/ROUND/.

    python corpus/tools/collect_round.py ROUND --work DIR

Reads DIR/ROUND/sample.csv (written by draw_round.py) and every
DIR/ROUND/batches/*/labels.jsonl (first coding) and DIR/ROUND/second/*/labels.jsonl
(independent second coding of a subset); each batch folder is one annotator.
Writes corpus/real/ROUND/first.jsonl and second.jsonl: references into
../shared (source, offsets, hashes), the labels, the annotator, a short note
and the draw's design columns; never the passage text. Refuses a batch whose
labels do not cover its passages exactly once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]


def collect(folders: list[Path], sample: pd.DataFrame, round_: str) -> list[dict]:
    rows = []
    for folder in folders:
        wanted = [json.loads(line)["id"] for line in (folder / "to_label.jsonl").read_text().splitlines()]
        labels = {}
        for line in (folder / "labels.jsonl").read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                if record["id"] in labels:
                    sys.exit(f"{folder}: {record['id']} labelled twice")
                labels[record["id"]] = record
        if set(wanted) != set(labels):
            sys.exit(
                f"{folder}: {len(set(wanted) - set(labels))} passage(s) unlabelled, "
                f"{len(set(labels) - set(wanted))} unknown"
            )
        for pid in wanted:
            got, ref = labels[pid], sample.loc[pid]
            functions = list(got["functions"])
            anchored = got.get("policy_anchored")
            rows.append(
                {
                    "id": pid,
                    "source": ref.source,
                    "doc_sha256": ref.doc_sha256,
                    "start": int(ref.start),
                    "end": int(ref.end),
                    "sha1": ref.sha1,
                    "functions": ";".join(functions),
                    "policy_anchored": bool(anchored) if functions and anchored is not None else None,
                    "policy_areas": ";".join(got.get("policy_areas") or []) if functions else "",
                    "annotator": f"h-{round_}-{folder.name}",
                    "note": (got.get("note") or "")[:120],
                    "stratum": ref.stratum,
                    "inclusion_prob": float(ref.inclusion_prob),
                    "round": round_,
                }
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("round")
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    base = args.work / args.round
    sample = pd.read_csv(base / "sample.csv", keep_default_na=False, dtype=str).set_index("id")
    out = REPO / "corpus" / "real" / args.round
    out.mkdir(parents=True, exist_ok=True)
    for kind, name in (("batches", "first"), ("second", "second")):
        folders = sorted((base / kind).glob("*/"), key=lambda p: (len(p.name), p.name))
        folders = [f for f in folders if (f / "labels.jsonl").exists()]
        if not folders:
            continue
        rows = collect(folders, sample, args.round)
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{out / name}.jsonl: {len(rows)} rows from {len(folders)} annotator(s)")


if __name__ == "__main__":
    main()
