"""Start-up times of the commands a new user runs first, against `import sklearn.linear_model` in the same run.

    python bench/startup.py [--repeat 3]

Each figure is the median wall-clock time of REPEAT fresh processes:

* baseline: ``python -c "import sklearn.linear_model"``;
* ``cdtext --version`` and ``cdtext --help``;
* model load in-process: ``Classifier.load()`` for the shipped default,
  standard and fast models, after their modules are imported (the file read,
  hash check and array rebuild); and, for the default and the standard
  model, load plus the first passage (which opens the static encoder and,
  for the default, the transformer's onnxruntime session);
* ``cdtext classify`` of a one-passage CSV;
* ``cdtext run`` on corpus/samples and, when ``../shared`` is present, on the
  sixteen real speeches of ``../shared/realworld/speeches`` — first into an
  empty folder with an empty cache (the gazetteer's tables are built from
  GeoNames, as on a new machine), first into an empty folder with the tables
  cached (``cdtext.cache``), then again with nothing new (the repeat loads no
  model and keeps the outputs).

Every command runs with ``CDTEXT_CACHE_DIR`` in a temporary folder, so the
user's own cache is neither used nor changed.

Targets (issue "first ten minutes"): model load <= 1 s; one-passage classify
<= 2x the baseline; a repeat run <= 10% of the first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CDTEXT = [sys.executable, "-m", "cdtext.cli"]


def wall(cmd: list[str], repeat: int, cache: Path | None = None) -> float:
    """Median seconds of ``repeat`` runs; ``cache``: a cache folder of their own (default: the bench's)."""
    env = {**os.environ, "CDTEXT_CACHE_DIR": str(cache)} if cache else None
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load_time(name: str, repeat: int, first: bool = False) -> float:
    then = ".predict(['The mayor met the consul.'])" if first else ""
    code = (
        "import time; from cdtext.classify.api import Classifier; import cdtext.classify.model, "
        "cdtext.classify.persist; t = time.perf_counter(); "
        f"Classifier.load({name!r}){then}; print(time.perf_counter() - t)"
    )
    runs = [
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
        for _ in range(repeat)
    ]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    r = args.repeat
    bench_cache = tempfile.mkdtemp(prefix="cdtext-bench-cache-")
    os.environ["CDTEXT_CACHE_DIR"] = bench_cache  # every process started here inherits it
    base = wall([sys.executable, "-c", "import sklearn.linear_model"], r)
    rows = [("baseline: python -c 'import sklearn.linear_model'", base, "")]
    rows.append(("cdtext --version", wall([*CDTEXT, "--version"], r), ""))
    rows.append(("cdtext --help", wall([*CDTEXT, "--help"], r), ""))
    for name in ("default", "standard", "fast"):
        rows.append((f"Classifier.load({name!r}) in-process", load_time(name, r), "target <= 1 s"))
    for name in ("default", "standard"):  # encoders and the transformer's session are opened at first use
        rows.append((f"Classifier.load({name!r}) + first passage", load_time(name, r, first=True), ""))
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "one.csv"
        table.write_text("text\nThe mayor received the Consul General of Japan at City Hall.\n")
        one = wall([*CDTEXT, "classify", str(table), "--out", str(Path(tmp) / "p.csv")], r)
        rows.append(("cdtext classify one-passage.csv", one, f"{one / base:.1f}x baseline (target <= 2x)"))
        sets = {
            "corpus/samples": [
                str(REPO / "corpus" / "samples"),
                "--meta",
                str(REPO / "corpus" / "samples-metadata.csv"),
            ]
        }
        speeches = REPO.parent / "shared" / "realworld" / "speeches"
        if speeches.is_dir():
            sets["realworld speeches"] = [str(speeches / "text"), "--meta", str(speeches / "sotc_metadata.csv")]
        for name, inputs in sets.items():
            out = Path(tmp) / "run"
            colds, firsts, repeats = [], [], []
            for k in range(r):
                shutil.rmtree(out, ignore_errors=True)
                colds.append(wall([*CDTEXT, "run", *inputs, "--out", str(out), "-q"], 1, Path(tmp) / f"cold{k}"))
                shutil.rmtree(out, ignore_errors=True)
                firsts.append(wall([*CDTEXT, "run", *inputs, "--out", str(out), "-q"], 1))
                repeats.append(wall([*CDTEXT, "run", *inputs, "--out", str(out), "-q"], 1))
            first, again = statistics.median(firsts), statistics.median(repeats)
            rows.append((f"cdtext run {name} (first, empty cache)", statistics.median(colds), ""))
            rows.append((f"cdtext run {name} (first)", first, ""))
            rows.append(
                (
                    f"cdtext run {name} (repeat, nothing new)",
                    again,
                    f"{100 * again / first:.0f}% of the first (target <= 10%)",
                )
            )
    shutil.rmtree(bench_cache, ignore_errors=True)
    for label, seconds, note in rows:
        print(f"{label:<52} {seconds:7.2f} s  {note}")


if __name__ == "__main__":
    main()
