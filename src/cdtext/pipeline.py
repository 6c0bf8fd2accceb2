"""One command, the whole pipeline: files -> store -> predictions -> profiles -> report.

``run(inputs, out_dir)`` writes into ``out_dir``:

* ``cdtext.duckdb`` — the store (documents, texts, passages, predictions);
* ``passages.parquet``, ``predictions.parquet`` and ``predictions.csv``;
* ``profiles.csv`` — one row per unit (see docs/measures.md);
* ``partners.parquet`` and ``.csv`` — the partners each passage names (docs/partners.md), and
  ``network.csv`` — one row per unit x partner x function;
* ``report.html`` — the self-contained report;
* ``run.json`` — the run card: versions, the model's hash, every input's
  hash and status, counts by status and timings per stage.

Running again over the same inputs re-reads only new or changed files,
classifies only passages without a prediction from the same model, and gives
identical data files; ``force=True`` does every step again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cdtext import __version__
from cdtext.ingestion.config import IngestConfig

Notify = Callable[[str], None]


#: the files a run writes besides run.json
OUTPUTS = (
    "passages.parquet",
    "predictions.parquet",
    "predictions.csv",
    "profiles.csv",
    "partners.parquet",
    "partners.csv",
    "network.csv",
    "report.html",
)


def _previous_card(out: Path) -> dict[str, Any] | None:
    try:
        card = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return card if isinstance(card, dict) else None


def _stat(path: str | Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _inventory(
    inputs: list[str | Path], out: Path, meta: str | Path | None, model: str | Path | None, config: IngestConfig
) -> dict:
    """Sizes and modification times of everything a run reads: inputs, the --meta CSV, the model's files, the store.

    A repeat run whose inventory, settings and title equal the previous run's keeps its outputs without opening the
    store or importing the analysis libraries (any difference takes the full path, which compares content hashes).
    """
    from cdtext.classify.files import SHIPPED, model_paths
    from cdtext.ingestion.walk import walk

    model_files: tuple[Path, ...]
    if model is None or str(model) in SHIPPED:
        model_files = model_paths(Path(__file__).parent / "models" / str(model or "default"))
    elif str(model) == "lexicon":
        model_files = ()
    else:
        model_files = model_paths(Path(model))
    return {
        "files": [
            [e.key, _stat(e.path)] for e in walk(inputs, follow_links=config.follow_symlinks, exclude=config.exclude)
        ],
        "meta": [os.path.abspath(meta), _stat(meta)] if meta else None,
        "model": [str(model) if model is not None else None, *([str(f), _stat(f)] for f in model_files)],
        "store": _stat(out / "cdtext.duckdb"),
    }


def _keep_previous(previous: dict[str, Any], out: Path, unchanged: int, say: Notify, inventory: dict) -> dict:
    """Record in run.json that this run changed nothing, and return the previous card."""
    from cdtext.export import atomic_path

    previous["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    previous["this_run"] = {
        "forced": False,
        "unchanged": unchanged,
        "processed": {},
        "classified": 0,
        "outputs": "kept from the previous run (nothing changed)",
    }
    previous["inventory"] = inventory
    with atomic_path(out / "run.json", "w") as fh:
        json.dump(previous, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    say("outputs: nothing changed since the previous run; kept")
    return previous


def run(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    meta: str | Path | None = None,
    model: str | Path | None = None,
    by: list[str] | None = None,
    config: IngestConfig | dict[str, Any] | None = None,
    replicates: int = 1000,
    seed: int = 0,
    rule: dict[str, Any] | None = None,
    title: str = "City diplomacy profile",
    progress: Callable[[str, str], None] | None = None,
    notify: Notify | None = None,
    force: bool = False,
    classify_progress: Callable[[int, int], None] | None = None,
    languages: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Run every stage; return the run card (also written to ``run.json``).

    ``force`` reads every input again and classifies every passage again,
    as on a first run. ``rule`` sets the verdict rule (see
    :class:`cdtext.aggregate.VerdictRule`). ``progress(path, status)`` is
    called once per file read, ``classify_progress(done, total)`` as
    passages are classified. ``languages`` (ISO 639-1 codes) counts only
    documents in those languages and those of unknown language in the
    profiles, partners and report.
    """
    say = notify or (lambda _msg: None)
    out = Path(out_dir)
    inputs = list(inputs)
    by = by or ["city"]
    settings = {
        "by": by,
        "replicates": replicates,
        "seed": seed,
        **({"rule": rule} if rule else {}),
        "ingest": IngestConfig.resolve(config).to_dict(),
        "meta": str(meta) if meta else None,
        **({"languages": list(languages)} if languages else {}),
    }
    previous = None if force else _previous_card(out)
    if (
        previous is not None
        and previous.get("settings") == json.loads(json.dumps(settings))
        and previous.get("title", title) == title
        and all((out / name).exists() for name in OUTPUTS)
    ):
        inventory = _inventory(inputs, out, meta, model, IngestConfig.resolve(config))
        if previous.get("inventory") == json.loads(json.dumps(inventory)):
            # the quick path: same files (size and mtime), same model files, store untouched since the last run
            say(f"ingest: {len(inventory['files'])} file(s), {len(inventory['files'])} unchanged (size and time)")
            say(f"classify: 0 new passage(s) with model {previous.get('model', {}).get('name', '?')}")
            return _keep_previous(previous, out, len(inventory["files"]), say, inventory)

    from cdtext.aggregate import VerdictRule, compare, grouping_columns, in_languages, profile
    from cdtext.classify.api import Classifier
    from cdtext.classify.batch import classify_store, read_predictions
    from cdtext.classify.persist import library_versions
    from cdtext.export import atomic_path, write_table
    from cdtext.ingestion.driver import ingest
    from cdtext.language import language_counts, left_out_note, split_counts, warning
    from cdtext.network import passage_partners, unit_network, unit_partner_figures
    from cdtext.report import render_report
    from cdtext.store import Store, read_documents

    out.mkdir(parents=True, exist_ok=True)
    store = out / "cdtext.duckdb"
    timings: dict[str, float] = {}
    started = datetime.now(timezone.utc)

    t = time.perf_counter()
    summary = ingest(inputs, store, meta=meta, config=config, force=force, progress=progress)
    timings["ingest"] = time.perf_counter() - t
    say(f"ingest: {summary.total} file(s), {summary.outcome()}")
    with Store(store, read_only=True) as db:
        counted, left = split_counts(language_counts(db.languages()), languages)
    if counted:
        say(f"warning: {warning(counted)}")
    if left:
        say(f"note: {left_out_note(left, languages, ' of the profiles')}")

    # the grouping columns are known once the documents are in: a wrong --by fails now, not after classifying
    by = grouping_columns(by, in_languages(read_documents(store), languages))

    t = time.perf_counter()
    clf = Classifier.load(model, lazy=True)  # the arrays are read only if a passage needs classifying
    n_new = classify_store(store, clf, incremental=not force, progress=classify_progress)
    timings["classify"] = time.perf_counter() - t
    say(f"classify: {n_new} new passage(s) with model {clf.name}")

    with Store(store, read_only=True) as db:
        inputs_now = db.inputs()
    previous = _previous_card(out)
    if (
        not force
        and previous is not None
        and summary.unchanged == summary.total
        and n_new == 0
        and previous.get("inputs") == inputs_now
        and previous.get("settings") == json.loads(json.dumps(settings))
        and previous.get("title", title) == title
        and previous.get("model", {}).get("sha256") == clf.card.get("sha256", "")
        and all((out / name).exists() for name in OUTPUTS)
    ):
        # nothing new: the outputs of the previous run stand; only the run card records this run
        inventory = _inventory(inputs, out, meta, model, IngestConfig.resolve(config))
        return _keep_previous(previous, out, summary.unchanged, say, inventory)

    t = time.perf_counter()
    with Store(store, read_only=True) as db:
        passages = db.table("passages")
        predictions_only = db.table("predictions")
        counts = db.status_counts()
    predictions = read_predictions(store)
    every_document = read_documents(store)
    documents = in_languages(every_document, languages)
    verdict_rule = VerdictRule.resolve(rule)
    profiles = compare(profile(predictions, documents, by, replicates=replicates, seed=seed, rule=verdict_rule))
    timings["profile"] = time.perf_counter() - t

    t = time.perf_counter()  # partners of every passage, and the unit x partner x function table
    ok_docs = documents[documents.status == "ok"].drop_duplicates("doc_id")[["doc_id", "city", "country"]]
    found = passage_partners(passages.merge(ok_docs, on="doc_id", how="inner"))
    with Store(store) as db:
        db.write_partners(found)
        partners = db.partners_with_documents()
    units, network = unit_network(partners, documents, predictions_only, by)
    figures = unit_partner_figures(units, predictions_only[["passage_id", "doc_id", "functions"]], by)
    profiles = profiles.merge(figures, on=by, how="left") if len(profiles) else profiles
    timings["partners"] = time.perf_counter() - t

    t = time.perf_counter()
    write_table(passages, out / "passages.parquet")
    write_table(predictions_only, out / "predictions.parquet")
    write_table(predictions_only, out / "predictions.csv")
    write_table(profiles, out / "profiles.csv")
    write_table(partners, out / "partners.parquet")
    write_table(partners, out / "partners.csv")
    write_table(network, out / "network.csv")
    html = render_report(
        predictions,
        every_document,
        profiles=profiles,
        network=network,
        partners=partners,
        rule=verdict_rule,
        by=by,
        title=title,
        card=clf.card,
        model_name=clf.name,
        store_name=store.name,
        replicates=replicates,
        seed=seed,
        languages=languages,
    )
    with atomic_path(out / "report.html", "w") as fh:
        fh.write(html)
    timings["outputs"] = time.perf_counter() - t

    card = {
        "cdtext_version": __version__,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "model": {
            "name": clf.name,
            "sha256": clf.card.get("sha256", ""),
            "training_corpus_sha256": clf.card.get("training_corpus", {}).get("sha256", ""),
        },
        "settings": settings,
        "title": title,
        "counts": counts,
        "n_passages": int(len(passages)),
        "n_units": int(len(profiles)),
        "this_run": {
            "forced": force,
            "unchanged": summary.unchanged,
            "processed": dict(summary.counts),
            "classified": n_new,
        },
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "inputs": inputs_now,
        "inventory": _inventory(inputs, out, meta, model, IngestConfig.resolve(config)),
    }
    with atomic_path(out / "run.json", "w") as fh:
        json.dump(card, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return card
