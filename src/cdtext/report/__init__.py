"""profiles -> one self-contained HTML report (no scripts, no external requests)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from cdtext import __version__
from cdtext.aggregate import VerdictRule, compare, evidence, in_languages, profile
from cdtext.export import INVISIBLE_CONTROLS
from cdtext.labels import FUNCTION_NAMES, FUNCTION_SHORT, FUNCTIONS, POLICY_AREAS
from cdtext.language import describe, language_counts, left_out_note, split_counts
from cdtext.report import charts

#: a longer list of units listed apart is folded away under a line that counts them by reason
APART_OPEN = 25
#: units whose partners are shown open; the rest are folded under one line
PARTNERS_OPEN = 25


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no "-0.00"


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.0%}"


def _label(row: pd.Series, by: list[str]) -> str:
    return " · ".join(str(row[c]) for c in by)


def _heat(predictions: pd.DataFrame) -> list[list[float]]:
    fn = predictions[[f"p_{f}" for f in FUNCTIONS]].to_numpy(float)
    mass = (1 - predictions["p_no_function"].to_numpy(float)) * predictions["p_policy_anchored"].to_numpy(float)
    areas = predictions[[f"p_{a}" for a in POLICY_AREAS]].to_numpy(float)
    table = (fn * mass[:, None]).T @ areas
    return table.tolist()


def _href(path: str, page: Any) -> str:
    table, _, row = str(path).rpartition("#")
    if row.isdigit() and table and not Path(path).exists():
        path = table  # a row of a table read as records (TABLE#ROW): the link opens the table
    uri = Path(path).absolute().as_uri()
    if page is not None and not (isinstance(page, float) and math.isnan(page)) and str(path).lower().endswith(".pdf"):
        uri += f"#page={int(page)}"
    return uri


def _partner_units(
    network: pd.DataFrame | None,
    by: list[str],
    order: list[str],
    top: int = 4,
    mentions: pd.DataFrame | None = None,
    joined: pd.DataFrame | None = None,
) -> list[dict]:
    """Per unit with partners: the top partners of each function (by passages), each with one evidence passage
    when the ``mentions`` (partners.csv rows) and the passages (``joined``) are given, and partners by world
    region."""
    if network is None or network.empty:
        return []
    from cdtext.network import world_region

    data = network.copy()
    data["label"] = [" · ".join(str(v) for v in row) for row in data[by].itertuples(index=False)]
    examples = _partner_examples(mentions, joined, by)
    out = []
    for label in [u for u in order if u in set(data["label"])]:
        group = data[data.label == label]
        functions = []
        for f in [*FUNCTIONS, "none"]:
            rows = group[group.function == f].sort_values(["passages", "partner"], ascending=[False, True])
            if len(rows):
                shown = list(rows.head(top).itertuples())
                names = [f"{r.partner} ({int(r.passages)})" for r in shown]
                found = [examples.get((label, f, r.partner, r.kind)) for r in shown]
                functions.append(
                    {
                        "name": FUNCTION_NAMES.get(f, "no function assigned"),
                        "partners": names,
                        "examples": [e for e in found if e],
                    }
                )
        partners = group.drop_duplicates(["partner", "kind"])
        regions = pd.Series([world_region(str(c)) for c in partners["partner_country"].fillna("")]).replace("", pd.NA)
        counts = regions.dropna().value_counts()
        total = int(counts.sum()) or 1
        out.append(
            {
                "label": label,
                "n_partners": len(partners),
                "functions": functions,
                "regions": [{"name": r, "n": int(n), "share": n / total} for r, n in counts.items()],
            }
        )
    return out


def _partner_examples(
    mentions: pd.DataFrame | None, joined: pd.DataFrame | None, by: list[str], context: int = 140
) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """(unit label, function, partner, kind) -> the most confident mention's passage, cut to ``context``
    characters either side of the name, with its source."""
    needed = {"passage_id", "text", "path", "functions", *by}
    if mentions is None or joined is None or mentions.empty or not needed <= set(joined.columns):
        return {}
    cols = ["passage_id", "text", "page", "path", "functions", *by]
    passages = joined[[c for c in dict.fromkeys(cols) if c in joined.columns]].drop_duplicates("passage_id")
    data = mentions[["passage_id", "name", "kind", "start", "end", "confidence"]].merge(passages, on="passage_id")
    if data.empty:
        return {}
    data["label"] = [" · ".join(str(v) for v in row) for row in data[by].fillna("(unknown)").itertuples(index=False)]
    data["function"] = [list(f) if len(f) else ["none"] for f in data["functions"]]
    data = data.explode("function").sort_values(["confidence", "passage_id", "start"], ascending=[False, True, True])
    out: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r in data.drop_duplicates(["label", "function", "name", "kind"]).itertuples():
        text = INVISIBLE_CONTROLS.sub("", str(r.text))
        start, end = int(r.start), int(r.end)
        a, b = max(0, start - context), min(len(text), end + context)
        out[(r.label, r.function, r.name, r.kind)] = {
            "partner": r.name,
            "before": ("…" if a > 0 else "") + text[a:start],
            "span": text[start:end],
            "after": text[end:b] + ("…" if b < len(text) else ""),
            "file": Path(str(r.path)).name,
            "href": _href(str(r.path), r.page),
            "page": None if pd.isna(r.page) else int(r.page),
        }
    return out


def _card_summary(card: dict[str, Any]) -> dict[str, Any]:
    """The model facts the report shows: real-text figures first, the authored split second."""
    metrics = card.get("metrics", {})
    real = metrics.get("real_cv", {})
    held = metrics.get("held_out", {})
    lex = metrics.get("lexicon_held_out", {})
    corpus = card.get("training_corpus", {})
    return {
        "sha256": card.get("sha256", ""),
        "created": card.get("created", "–"),
        "trained": bool(corpus),  # the lexicon and models cdtext does not have say nothing of their training
        "n_real": corpus.get("n_real", 0),
        "n_authored": corpus.get("n_authored", corpus.get("n_train", "–")),
        "n_documents": real.get("documents"),
        "real_macro_f1": real.get("macro_f1"),
        "real_macro_f1_ci": real.get("macro_f1_95ci", [math.nan, math.nan]),
        "real_any_f1": real.get("any_function_f1"),
        "real_anchoring_f1": real.get("anchoring_f1"),
        "real_brier": real.get("brier"),
        "real_ece": real.get("ece"),
        # trained without one pool folder (one kind of document), scored on it: the figure for unseen kinds
        "real_loso_f1": (metrics.get("real_by_source") or {}).get("mean_macro_f1_present"),
        "n_loso": sum(isinstance(v, dict) for v in (metrics.get("real_by_source") or {}).values()),
        "macro_f1": held.get("macro_f1"),
        "lexicon_macro_f1": lex.get("macro_f1"),
    }


def render_report(
    predictions: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    profiles: pd.DataFrame | None = None,
    network: pd.DataFrame | None = None,
    partners: pd.DataFrame | None = None,
    by: list[str] | None = None,
    title: str = "City diplomacy profile",
    card: dict[str, Any] | None = None,
    model_name: str = "model",
    store_name: str = "",
    replicates: int = 1000,
    seed: int = 0,
    rule: VerdictRule | dict[str, Any] | None = None,
    evidence_k: int = 3,
    languages: Sequence[str] | None = None,
) -> str:
    """The report as an HTML string.

    ``profiles`` are the unit profiles to draw (``compare(profile(...))`` over ``by``, as ``cdtext run``
    has them already); without them they are computed here with ``replicates``, ``seed`` and ``rule``.
    ``network`` (:func:`cdtext.network.network_table`) adds the "Partners abroad" section, and ``partners``
    (the partner mentions, as in ``partners.csv``) an evidence passage for each partner shown there.
    ``languages`` counts only documents in those languages and those of unknown language (give ``documents``
    whole: the report says which it left out).
    """
    read_all = documents[documents.status == "ok"] if "status" in documents.columns else documents
    others, left_out = split_counts(
        language_counts(read_all.language) if "language" in read_all.columns else {}, languages
    )
    documents = in_languages(documents, languages)
    by = by or ["city"]
    rule = VerdictRule.resolve(rule)
    if profiles is None:
        profiles = compare(profile(predictions, documents, by, replicates=replicates, seed=seed, rule=rule))
    units, apart = [], []
    for _, row in profiles.iterrows():
        d = row.to_dict()
        d["label"] = _label(row, by)
        if any(str(row[c]) == "(unknown)" for c in by):
            d["apart_reason"] = "no known " + " or ".join(c for c in by if str(row[c]) == "(unknown)")
        elif d["n_diplomacy"] < rule.min_diplomacy:
            d["apart_reason"] = f"fewer than {rule.min_diplomacy:g} expected diplomacy passages"
        (apart if "apart_reason" in d else units).append(d)
    # with no unit that has enough evidence (a small corpus), chart the thin ones rather than nothing
    charted = units or [u for u in apart if not u["apart_reason"].startswith("no known")]
    names = [FUNCTION_SHORT[f] for f in FUNCTIONS]
    legend = charts.legend(names)
    chart_profiles = charts.function_profiles(
        [u["label"] for u in charted],
        names,
        [[u[f"share_{f}"] for f in FUNCTIONS] for u in charted],
        [[u[f"share_{f}_lo"] for f in FUNCTIONS] for u in charted],
        [[u[f"share_{f}_hi"] for f in FUNCTIONS] for u in charted],
    )
    chart_theta = charts.theta_plot(
        [u["label"] for u in charted],
        [u["theta"] for u in charted],
        [u["theta_lo"] for u in charted],
        [u["theta_hi"] for u in charted],
        [u["verdict"] for u in charted],
    )
    from cdtext.aggregate import join_predictions

    joined = join_predictions(predictions, documents)
    chart_heatmap = charts.heatmap(names, list(POLICY_AREAS), _heat(joined))
    chart_trend = None
    trend_unit = by[0]
    if "year" in documents.columns and documents["year"].notna().any() and "year" not in by:
        yearly = profile(
            predictions, documents, [trend_unit, "year"], replicates=min(replicates, 300), seed=seed, rule=rule
        )
        yearly = yearly[yearly["year"] != "(unknown)"]
        if yearly["year"].nunique() >= 2:
            shown = {str(u[trend_unit]) for u in charted} if len(by) == 1 else None
            series: dict[str, list[tuple[int, float, float, float]]] = {}
            for _, r in yearly.iterrows():
                if shown is None or str(r[trend_unit]) in shown:
                    series.setdefault(str(r[trend_unit]), []).append(
                        (int(float(r["year"])), r["theta"], r["theta_lo"], r["theta_hi"])
                    )
            chart_trend = charts.trend_panels(series)
    ev = evidence(predictions, documents, by, k=evidence_k)
    evidence_units = []
    for key, group in ev.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        functions = []
        for f in FUNCTIONS:
            rows = group[group.function == f]
            passages = [
                {
                    "text": INVISIBLE_CONTROLS.sub("", str(r.text)),
                    "probability": float(r.probability),
                    "file": Path(str(r.path)).name,
                    "href": _href(str(r.path), r.page),
                    "page": None if pd.isna(r.page) else int(r.page),
                }
                for r in rows.itertuples()
                if float(r.probability) >= 0.5
            ]
            if passages:
                functions.append({"name": FUNCTION_NAMES[f], "passages": passages})
        evidence_units.append({"label": " · ".join(map(str, key)), "functions": functions})
    # evidence and partners in the order of the profiles: those listed apart after them, "(unknown)" last
    listed = [u["label"] for u in units + sorted(apart, key=lambda u: u["apart_reason"].startswith("no known"))]
    order = {label: i for i, label in enumerate(listed)}
    evidence_units.sort(key=lambda u: order.get(u["label"], len(order)))
    partner_units = _partner_units(network, by, listed, mentions=partners, joined=joined)
    env = Environment(loader=PackageLoader("cdtext", "report"), autoescape=select_autoescape(["html"]))
    template = env.get_template("template.html")
    if "status" in documents.columns:
        # a table read as records (its rows are the documents) and what --exclude left out are not documents read
        documents = documents[~documents.status.isin(["table", "excluded"])]
    n_ok = int((documents.status == "ok").sum()) if "status" in documents.columns else len(documents)
    return template.render(
        title=title,
        version=__version__,
        store_name=store_name,
        n_documents=len(documents),
        n_ok=n_ok,
        other_languages=describe(others) if others else "",
        left_out_languages=left_out_note(left_out, languages) if left_out else "",
        n_passages=int(predictions.doc_id.isin(documents.doc_id).sum()) if languages else len(predictions),
        by_label=" × ".join(by),
        model_name=model_name,
        units=units,
        apart=apart,
        apart_open=APART_OPEN,
        partners_open=PARTNERS_OPEN,
        apart_reasons=Counter(u["apart_reason"] for u in apart).most_common(),
        partner_units=partner_units,
        charted_thin=not units and bool(charted),
        legend=legend,
        rule=rule,
        replicates=replicates,
        chart_profiles=chart_profiles,
        chart_theta=chart_theta,
        chart_heatmap=chart_heatmap,
        chart_trend=chart_trend,
        trend_unit=trend_unit,
        evidence=evidence_units,
        card=_card_summary(card or {}),
        fmt=_fmt,
        pct=_pct,
    )
