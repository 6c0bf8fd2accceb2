"""corpus/tools/context_stage.py: the parts that do not need the pool.

The context stage is fitted on every passage of the labelled documents in document order, so the labelled
passages must land on their own rows — also one that its document no longer holds as one passage (segmented
otherwise when it was labelled), which joins the document where its id places it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import corpus_tool

import cdtext


@pytest.fixture(scope="module")
def context_stage():
    return corpus_tool("context_stage")


def test_labelled_passages_land_on_their_rows_in_document_order(context_stage, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, words in (("alpha", "harbour"), ("beta", "orchard")):
        paragraphs = [f"Paragraph {i} of the {name} minutes: the {words} committee met on day {i}." for i in range(4)]
        (docs / f"{name}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    store = tmp_path / "s.duckdb"
    cdtext.ingest([docs], store)
    passages = cdtext.read_passages(store).sort_values(["doc_id", "idx"])
    assert len(passages) == 8
    first, second = sorted(passages.doc_id.unique())
    one = passages[passages.doc_id == first]
    two = passages[passages.doc_id == second]
    labelled = [
        (two.passage_id.iloc[2], two.text.iloc[2]),
        (one.passage_id.iloc[0], one.text.iloc[0]),
        # labelled when the document was cut otherwise: its id places it after passage 1 of the first document
        (f"{first}-00001", "A passage this document no longer holds as one."),
    ]
    real = pd.DataFrame({"id": [i for i, _ in labelled], "text": [t for _, t in labelled]})
    allp, rows = context_stage.document_passages(real, store)
    assert len(allp) == 9 and allp.doc_id.is_monotonic_increasing
    assert [allp.text[r] for r in rows] == real.text.tolist()
    ours = allp[allp.doc_id == first].text.tolist()
    assert ours.index("A passage this document no longer holds as one.") == 2  # after idx 0 and 1
    assert allp[allp.doc_id == second].text.tolist() == two.text.tolist()
