"""The Dask engine gives exactly the local engine's results, with the same per-file limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES
from helpers.synth import flow_report, write_pdf

import cdtext

pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'cdtext[dask]')")


def test_dask_local_cluster_matches_local_engine(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for f in SAMPLES.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nothing else")
    blocks = [("paragraph", "A long paragraph about partnerships between cities and trade. " * 6)] * 1500
    write_pdf(folder / "slow.pdf", flow_report(blocks, columns=2))
    results = {}
    for engine in ("local", "dask"):
        store = tmp_path / f"{engine}.duckdb"
        cdtext.ingest([folder], store, config={"jobs": 2, "executor": engine, "timeout": 2.0})
        docs = cdtext.read_documents(store).drop(columns=["ingested_at", "seconds", "worker_peak_mb"])
        results[engine] = (docs, cdtext.read_passages(store))
    assert results["local"][0].equals(results["dask"][0])
    assert results["local"][1].equals(results["dask"][1])
    statuses = dict(zip(results["dask"][0].path.map(lambda p: Path(p).name), results["dask"][0].status))
    assert statuses["slow.pdf"] == "timeout"


def test_scheduler_needs_dask_engine() -> None:
    from cdtext.errors import ConfigError
    from cdtext.ingestion.config import IngestConfig

    with pytest.raises(ConfigError, match="only applies to the dask executor"):
        IngestConfig(scheduler="tcp://127.0.0.1:8786")
