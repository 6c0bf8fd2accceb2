"""Check the annotated corpus (or one JSON-lines file) against the coverage minimums.

    python corpus/tools/check_corpus.py [PATH]

Prints every problem (coverage shortfalls, bad fields, near-duplicates) and
exits 1 when there is any. The same check runs in tests/test_corpus.py.
"""

import sys

from cdtext.corpus import check_corpus, load_corpus


def main() -> int:
    df = load_corpus(sys.argv[1] if len(sys.argv) > 1 else None)
    problems = check_corpus(df)
    for p in problems:
        print(p)
    print(f"{len(df)} passages, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
