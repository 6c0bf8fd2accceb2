"""Generate a synthetic corpus of N documents (text, HTML and PDF) for benchmarks.

    python bench/corpus_gen.py OUT_DIR N [--seed 0]

The documents are random recombinations of a small phrase bank: fine for
measuring speed and memory, meaningless as data (never use them for training).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the PDF writer lives with the test helpers
from helpers.synth import flow_report, write_pdf  # noqa: E402

SUBJECTS = [
    "The mayor",
    "The city council",
    "Our international office",
    "The deputy mayor",
    "City staff",
    "The economic development team",
    "The sister city committee",
    "The port authority",
]
VERBS = [
    "met with",
    "welcomed",
    "signed an agreement with",
    "hosted",
    "travelled to meet",
    "reported on work with",
    "launched a programme with",
    "exchanged ideas with",
]
OBJECTS = [
    "a delegation from Osaka",
    "the consul general of Chile",
    "partners in the C40 network",
    "exporters bound for Monterrey",
    "students from a twin town",
    "residents at a town hall meeting",
    "road crews on the east side",
    "the budget committee",
    "investors from Seoul",
    "the library board",
]
TAILS = [
    "as part of the climate plan.",
    "to support local jobs.",
    "before the summer festival.",
    "under the 2030 strategy.",
    "after a long public hearing.",
    "with help from volunteers.",
    "for the third year running.",
    "to cut waiting times at city hall.",
]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))


def make_corpus(out: Path, n: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        kind = rng.random()
        paras = [paragraph(rng) for _ in range(rng.randint(3, 12))]
        if kind < 0.7:
            (out / f"doc{i:06d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        elif kind < 0.9:
            body = "".join(f"<p>{p}</p>" for p in paras)
            html = (
                f"<html><head><title>News {i}</title></head><body><nav>Home | News</nav>"
                f"<article><h1>Update {i}</h1>{body}</article><footer>City of Example</footer></body></html>"
            )
            (out / f"doc{i:06d}.html").write_text(html, encoding="utf-8")
        else:
            blocks = [("heading", f"Report {i}")] + [("paragraph", p) for p in paras]
            write_pdf(out / f"doc{i:06d}.pdf", flow_report(blocks, columns=rng.choice([1, 2]), header="Example report"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    make_corpus(args.out, args.n, args.seed)
    print(f"wrote {args.n} documents to {args.out}")


if __name__ == "__main__":
    main()
