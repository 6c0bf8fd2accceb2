"""Check one draft slice of the annotated corpus (used while writing it).

Usage: python corpus/tools/check_slice.py corpus/annotated/drafts/slice_X.jsonl [--others DIR]

Prints the label counts and every problem found: bad fields, lengths outside
15-250 words, unknown codes, and near-duplicates (word 5-gram Jaccard > 0.5)
inside the slice and, with --others, against the other slices in DIR.
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path

FUNCTIONS = {"economic_development", "diplomatic_representation",
             "global_policy_collaboration", "community_engagement",
             "international_events"}
AREAS = {"climate_environment", "migration_inclusion", "public_health",
         "safety_security", "inclusive_economy", "equity_rights",
         "education_culture", "urban_development", "sustainable_development"}
GENRES = {"press_release", "speech", "report", "plan", "resolution",
          "web_page", "news", "minutes"}
WORD = re.compile(r"[a-z0-9']+")


def shingles(text):
    w = WORD.findall(text.lower())
    return {tuple(w[i:i + 5]) for i in range(max(len(w) - 4, 1))}


def load(path):
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                print(f"{path}:{n}: not JSON: {exc}")
    return rows


def main(argv):
    path = argv[1]
    rows = load(path)
    problems = []
    ids = Counter(r.get("id") for r in rows)
    for i, n in ids.items():
        if n > 1:
            problems.append(f"duplicate id {i}")
    for r in rows:
        rid = r.get("id")
        for key in ("id", "text", "functions", "policy_anchored", "policy_areas",
                    "genre", "city", "country"):
            if key not in r:
                problems.append(f"{rid}: missing {key}")
        fn = set(r.get("functions", []))
        if fn - FUNCTIONS:
            problems.append(f"{rid}: unknown function {fn - FUNCTIONS}")
        ar = set(r.get("policy_areas", []))
        if ar - AREAS:
            problems.append(f"{rid}: unknown area {ar - AREAS}")
        if r.get("genre") not in GENRES:
            problems.append(f"{rid}: unknown genre {r.get('genre')}")
        if not fn and r.get("policy_anchored") is not None:
            problems.append(f"{rid}: no function but policy_anchored is not null")
        if fn and not isinstance(r.get("policy_anchored"), bool):
            problems.append(f"{rid}: has functions but policy_anchored is not true/false")
        if not fn and ar:
            problems.append(f"{rid}: no function but policy_areas given")
        nw = len(r.get("text", "").split())
        if not 15 <= nw <= 250:
            problems.append(f"{rid}: {nw} words (need 15-250)")
    sh = [(r.get("id"), shingles(r.get("text", ""))) for r in rows]
    others = []
    if "--others" in argv:
        d = Path(argv[argv.index("--others") + 1])
        for p in sorted(d.glob("*.jsonl")):
            if p.resolve() != Path(path).resolve():
                others += [(o.get("id"), shingles(o.get("text", ""))) for o in load(p)]
    pool = sh + others
    for i, (ia, a) in enumerate(sh):
        for ib, b in pool[i + 1:]:
            if a and b:
                j = len(a & b) / len(a | b)
                if j > 0.5:
                    problems.append(f"near-duplicate {ia} ~ {ib} (jaccard {j:.2f})")
    pos = [r for r in rows if r.get("functions")]
    c = Counter(f for r in rows for f in r.get("functions", []))
    a = Counter(x for r in rows for x in r.get("policy_areas", []))
    print(f"passages: {len(rows)}  no-function: {len(rows) - len(pos)}  positive: {len(pos)}")
    print(f"multi-label share of positives: {sum(len(r['functions']) > 1 for r in pos) / max(len(pos), 1):.2f}")
    print(f"anchored: {sum(r.get('policy_anchored') is True for r in pos)}  "
          f"functional-not-anchored: {sum(r.get('policy_anchored') is False for r in pos)}")
    print("functions:", dict(c))
    print("areas:", dict(a))
    print("genres:", dict(Counter(r.get("genre") for r in rows)))
    print("cities:", len({r.get("city") for r in rows}))
    print(f"words: min {min((len(r['text'].split()) for r in rows), default=0)} "
          f"max {max((len(r['text'].split()) for r in rows), default=0)}")
    print(f"problems: {len(problems)}")
    for p in problems:
        print("  ", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
