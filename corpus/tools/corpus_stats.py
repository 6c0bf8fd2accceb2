"""Write the label distribution of the annotated corpus into corpus/annotated/README.md.

    python corpus/tools/corpus_stats.py          # rewrite the generated section
    python corpus/tools/corpus_stats.py --check  # exit 1 when the README is out of date

The section between the GENERATED markers is produced here, never typed.
"""

from __future__ import annotations

import sys
from collections import Counter

from cdtext.corpus import DEFAULT_CORPUS, label_table, load_corpus

README = DEFAULT_CORPUS / "README.md"
START = "<!-- GENERATED: corpus_stats.py -->"
END = "<!-- END GENERATED -->"


def render() -> str:
    df = load_corpus()
    table = label_table(df)
    positive = df.functions.map(bool)
    words = df.text.str.split().map(len)
    lines = [
        START,
        f"Passages: **{len(df)}** ({(df.split == 'train').sum()} train, {(df.split == 'test').sum()} test); "
        f"{df.city.nunique()} cities in {df.country.nunique()} countries; "
        f"{words.min()}–{words.max()} words (median {int(words.median())}).",
        "",
        f"Positive passages with more than one function: {(df.functions[positive].map(len) > 1).mean():.1%}. "
        f"Policy-anchored: {int((positive & (df.policy_anchored == True)).sum())}; "  # noqa: E712
        f"functional but not anchored: {int((positive & (df.policy_anchored == False)).sum())}.",  # noqa: E712
        "",
        "| label | all | train | test |",
        "|---|---:|---:|---:|",
    ]
    for label, row in table.iterrows():
        lines.append(f"| `{label}` | {row['all']} | {row['train']} | {row['test']} |")
    lines += ["", "| genre | passages |", "|---|---:|"]
    for genre, n in sorted(Counter(df.genre).items()):
        lines.append(f"| {genre} | {n} |")
    us = (df.country == "United States").sum()
    lines += ["", f"U.S. passages: {us}; other countries: {len(df) - us}.", END]
    return "\n".join(lines)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{README} lacks the GENERATED markers")
        return 1
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = head + render() + tail
    if "--check" in sys.argv:
        if new != text:
            print(f"{README} is out of date; run python corpus/tools/corpus_stats.py")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
