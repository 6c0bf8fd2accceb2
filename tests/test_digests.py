"""Before/after guard: `cdtext run` on the samples and on the real speeches gives the stored outputs.

The digests (tests/helpers/run_digests.json) change only on purpose — a new model, a new report layout, a
reader fix. Rerun with CDTEXT_UPDATE_DIGESTS=1 to store the new ones, and say why in the commit.

They are kept per kind of CPU (helpers.digests.cpu_kind): the transformer's probabilities differ in their last
digits between instruction sets, and the profiles and the report with them. Storing a case's digests on one kind
drops that case's digests of the other kinds (they describe outputs that changed); a kind without digests skips,
saying so, until a run on such a machine stores them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REALWORLD, REPO, SAMPLES
from helpers.digests import cpu_kind, run_digests

DIGESTS = Path(__file__).parent / "helpers" / "run_digests.json"
CASES = {
    "samples": ([SAMPLES], ["--meta", str(REPO / "corpus" / "samples-metadata.csv")]),
    "speeches": ([REALWORLD / "speeches" / "text"], []),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_run_outputs_match_the_stored_digests(tmp_path: Path, case: str) -> None:
    inputs, extra = CASES[case]
    if not all(p.exists() for p in inputs):
        pytest.skip(f"{inputs[0]} is absent")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "cdtext", "run", *map(str, inputs), "--out", str(out), "--replicates", "200", "-q"]
    subprocess.run([*cmd, *extra], check=True, timeout=900)
    got = run_digests(out, inputs)
    stored = json.loads(DIGESTS.read_text(encoding="utf-8")) if DIGESTS.exists() else {}
    kind = cpu_kind()
    if os.environ.get("CDTEXT_UPDATE_DIGESTS"):
        stored[case] = {kind: got}
        DIGESTS.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip(f"digests updated for {kind} CPUs")
    if kind not in stored.get(case, {}):
        pytest.skip(f"no digests stored for {case} on {kind} CPUs (stored: {', '.join(stored.get(case, {}))})")
    assert got == stored[case][kind], "the outputs changed; if on purpose, rerun with CDTEXT_UPDATE_DIGESTS=1"
