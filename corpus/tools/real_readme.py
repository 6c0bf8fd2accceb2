"""Regenerate the figures in corpus/real/README.md from the label files (between the GENERATED markers).

    python corpus/tools/real_readme.py

Per round: passages, documents, strata, double-coded and adjudicated rows,
and Krippendorff's alpha between first and second coding
(``cdtext.agreement``, each coding role as one annotator); for the whole
corpus, positive passages per function after adjudication. Reads only the
label files (no document text is needed).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

import cdtext
from cdtext.annotation.api import consensus
from cdtext.labels import ANCHORED, FUNCTIONS

REAL = Path(__file__).resolve().parents[2] / "corpus" / "real"
BEGIN, END = "<!-- GENERATED: corpus/tools/real_readme.py -->", "<!-- END GENERATED -->"
SHOWN = (*FUNCTIONS, "any_function", ANCHORED)


def main() -> None:
    rounds = sorted(p for p in REAL.iterdir() if p.is_dir())
    lines = [
        "| round | passages | documents | random / uncertainty / positive / search | double-coded | adjudicated |",
        "|---|---|---|---|---|---|",
    ]
    alphas: dict[str, dict[str, str]] = {}
    everything = []
    for folder in rounds:
        files = [folder / f"{n}.jsonl" for n in ("first", "second", "adjudicated") if (folder / f"{n}.jsonl").exists()]
        table = cdtext.read_labels(files, resolve=False)
        everything.append(table)
        first = table[table["file"].str.endswith("first.jsonl")]
        second = table[table["file"].str.endswith("second.jsonl")]
        adjudicated = table[table["file"].str.endswith("adjudicated.jsonl")]
        strata = Counter(first["stratum"])
        lines.append(
            f"| {folder.name} | {len(first):,} | {first['source'].nunique()} | "
            f"{strata['random']} / {strata['uncertainty']} / {strata['positive']} / {strata['search']} | "
            f"{len(second)} | {len(adjudicated)} |"
        )
        if len(second):
            roles = pd.concat([first.assign(annotator="first"), second.assign(annotator="second")])
            result = cdtext.agreement(roles)
            alphas[folder.name] = {
                label: ("–" if v["alpha"] is None else f"{v['alpha']:.2f}") + f" ({v['positives']})"
                for label, v in result["labels"].items()
                if label in SHOWN
            }
    one = consensus(pd.concat(everything, ignore_index=True))
    counts = Counter(f for fs in one["functions"] for f in fs)
    anchored = sum(bool(a) for a, f in zip(one["policy_anchored"], one["functions"]) if f)
    out = [
        BEGIN,
        "",
        "### Rounds",
        "",
        *lines,
        "",
        "### Agreement between first and second coding",
        "",
        "Krippendorff's alpha (nominal), with the number of positive codes in brackets:",
        "",
        "| label | " + " | ".join(alphas) + " |",
        "|---|" + "---|" * len(alphas),
    ]
    for label in SHOWN:
        out.append(f"| {label} | " + " | ".join(alphas[r][label] for r in alphas) + " |")
    out += [
        "",
        "### The corpus after adjudication",
        "",
        f"{len(one):,} passages from {one['source'].nunique()} documents; "
        f"{sum(not f for f in one['functions']):,} with no function; {anchored} policy-anchored.",
        "",
        "| function | positive passages |",
        "|---|---|",
    ]
    out += [f"| {f} | {counts[f]} |" for f in FUNCTIONS]
    out += ["", END]
    readme = REAL / "README.md"
    text = readme.read_text()
    head, rest = text.split(BEGIN)[0], text.split(END)[1] if END in text else ""
    readme.write_text(head + "\n".join(out) + rest)


if __name__ == "__main__":
    main()
