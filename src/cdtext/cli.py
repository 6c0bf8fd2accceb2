"""The ``cdtext`` command: thin click commands over the library.

Exit codes: 0 success; 1 an error stopped the command (the ``Error:`` line
says why); 2 bad usage; 3 ``--strict`` was given and some inputs did not end
``ok`` (they are still recorded in the store); 130 / 143 Ctrl-C / SIGTERM; 141,
without a message, when the command reading the output stopped first.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cdtext import __version__
from cdtext.errors import CdtextError
from cdtext.labels import FUNCTIONS as FUNCTION_CODES

EXIT_STRICT = 3


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def printable(text: object) -> str:
    """``text`` for a terminal: control, bidi and invisible characters as ``\\x..``/``\\u....`` escapes, so a
    file name cannot set the window title, move the cursor or reverse what follows."""
    return _UNPRINTABLE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(text)
    )


class _FiniteFloat(click.FloatRange):
    """A float range that also refuses nan and inf (they pass every comparison a range makes)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def _by_columns(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """``--by``: comma-separated column names, at least one, none empty."""
    columns = [c.strip() for c in value.split(",")]
    if not all(columns):
        raise click.BadParameter(f"{value!r}: give column names separated by commas, e.g. city or city,year")
    return ",".join(columns)


def _language_codes(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    """``--language``: comma-separated two-letter ISO 639-1 codes (en, fr ...), or none."""
    if not value:
        return ()
    codes = tuple(c.strip().lower() for c in value.split(","))
    if not all(len(c) == 2 and c.isascii() and c.isalpha() for c in codes):
        raise click.BadParameter(f"{value!r}: give two-letter language codes separated by commas, e.g. en or en,fr")
    return codes


def language_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--language",
        "language",
        default=None,
        metavar="CODES",
        callback=_language_codes,
        help="Count only documents in these languages (ISO 639-1 codes, e.g. en or en,fr) and those whose "
        "language is unknown [default: every document].",
    )(fn)


def _library_call(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into click errors (``Error: ...`` and exit code 1)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CdtextError as exc:
            raise click.ClickException(printable(exc)) from exc
        except KeyboardInterrupt as exc:
            _interrupted(exc)
        except RuntimeError as exc:  # DuckDB turns Ctrl-C during a query into RuntimeError("Query interrupted")
            if "interrupted" not in str(exc).lower():
                raise
            _interrupted(KeyboardInterrupt())
        except BrokenPipeError as exc:
            if not _output_closed():
                raise click.ClickException(printable(f"{exc.strerror or exc}")) from exc
            _quiet_exit_on_closed_output()
        except OSError as exc:  # an output folder that is read-only, a path under a file, a full disk ...
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(printable(f"{exc.strerror or exc}{where}")) from exc
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in ("duckdb", "_duckdb"):
                raise
            raise click.ClickException(printable(_store_problem(exc))) from exc

    return wrapper


def _output_closed() -> bool:
    """Whether the reader of standard output has gone away (``cdtext export ... | head``)."""
    try:
        import select

        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poll.poll(0))
    except (OSError, ValueError, AttributeError):  # no poll (Windows) or no real file behind stdout
        return False


def _quiet_exit_on_closed_output() -> None:
    """Stop without a message, as command-line tools do when the command reading their output has stopped: the
    output is no longer wanted. Standard output is pointed at the null device first, so that Python's own flush
    at exit does not fail again; the exit code is the shell's for a process ended by SIGPIPE."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    sys.exit(141)


def _store_problem(exc: Exception) -> str:
    """One line for a DuckDB error: the real cause (a full disk hides behind a failed rollback) and what to do."""
    text = " ".join(str(exc).split())
    cause = exc.__cause__ or exc.__context__
    if cause is not None and "no space left" in str(cause).lower():
        text = "no space left on the device"
    elif "no space left" in text.lower():
        text = "no space left on the device"
    if "corrupt" in text.lower() or "checksum" in text.lower():
        advice = "the store is damaged: move it away and run the command again to rebuild it from the inputs"
    else:
        advice = "finished work is kept: fix the cause (space, permissions) and run the command again"
    return f"the store could not be read or written ({type(exc).__name__}: {text[:300]}); {advice}"


def _interrupted(exc: BaseException) -> None:
    """One line on an interrupt: the workers are stopped, what was committed stays; then exit 130 / 143."""
    terminated = type(exc).__name__ == "Terminated"
    click.echo(
        f"Error: {'terminated (SIGTERM)' if terminated else 'interrupted'}; finished files and passages are kept "
        "in the store - run the same command again to continue.",
        err=True,
    )
    sys.exit(143 if terminated else 130)


def store_option(required: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--store",
        "store",
        type=click.Path(dir_okay=False),
        required=required,
        help="DuckDB file holding the corpus (created when missing).",
    )


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--out",
        "out",
        type=click.Path(dir_okay=False, allow_dash=True),
        default="-",
        show_default=True,
        help="Output file; - writes to standard output.",
    )(fn)
    fn = click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "jsonl", "parquet"]),
        default=None,
        help="Output format [default: from the --out extension, else csv].",
    )(fn)
    return fn


def ingest_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options that become an IngestConfig; defined once, shared by ingest and later commands."""
    options = [
        click.option(
            "--jobs", type=click.IntRange(min=0), default=None, help="Worker processes [default: one per CPU core]."
        ),
        click.option(
            "--timeout",
            type=_FiniteFloat(min=0, min_open=True),
            default=None,
            help="Seconds allowed per file before its worker is stopped [default: 60].",
        ),
        click.option(
            "--memory-limit",
            "memory_mib",
            type=click.IntRange(min=256),
            default=None,
            help="Memory limit per worker in MiB [default: 2048].",
        ),
        click.option(
            "--max-pages", type=click.IntRange(min=1), default=None, help="PDF pages read per document [default: 2000]."
        ),
        click.option(
            "--max-size",
            "max_size_mib",
            type=click.IntRange(min=1),
            default=None,
            help="Files larger than this many MiB are not read (status too_large) [default: 200].",
        ),
        click.option(
            "--max-chars",
            type=click.IntRange(min=1),
            default=None,
            help="Characters of text kept per document [default: 5000000].",
        ),
        click.option(
            "--max-passages",
            type=click.IntRange(min=1),
            default=None,
            help="Passages kept per document [default: 20000].",
        ),
        click.option(
            "--meta",
            type=click.Path(exists=True, dir_okay=False),
            default=None,
            help="CSV mapping documents (by path, file name or name without extension, in a "
            "column such as path, file or id) to city, date, doc_type, title and extra columns.",
        ),
        click.option(
            "--pdf-backend",
            type=click.Choice(["pdfplumber", "pdfium"]),
            default=None,
            help="PDF backend: pdfplumber (the default) or pdfium, about 20x faster, same layout analysis.",
        ),
        click.option("--pdf-engine", type=click.Choice(["pdfplumber", "pdfium"]), default=None, hidden=True),
        click.option(
            "--executor",
            type=click.Choice(["local", "dask"]),
            default=None,
            help="Where files are read: a local process pool (the default) or a dask.distributed cluster.",
        ),
        click.option("--engine", type=click.Choice(["local", "dask"]), default=None, hidden=True),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            default=None,
            help="Address of a running Dask scheduler, e.g. tcp://host:8786 (with --executor dask; "
            "without it a LocalCluster is started).",
        ),
        click.option(
            "--follow-symlinks",
            is_flag=True,
            help="Also read files that symbolic links point to outside the input folders (otherwise they are "
            "recorded as skipped, with the reason).",
        ),
        click.option(
            "--records",
            is_flag=True,
            help="Read tables (CSV, TSV, JSON lines, JSON arrays, Parquet) as one document per row, taking its "
            "text from columns such as text, body or content and its city, country, date, doc_type and title from "
            "columns of those names (otherwise tables are refused, with the reason).",
        ),
        click.option(
            "--exclude",
            metavar="PATTERN",
            multiple=True,
            help="Leave out files and folders inside the input folders that match this shell pattern: a name "
            "(README*, *.csv, drafts) or a path below the input folder (2019/*.pdf); drafts/ matches folders only. "
            "They are recorded as excluded. Repeat for several.",
        ),
        click.option("--force", is_flag=True, help="Read every file again, even unchanged ones."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def make_config(
    jobs: int | None,
    timeout: float | None,
    memory_mib: int | None,
    max_pages: int | None,
    pdf_backend: str | None = None,
    executor: str | None = None,
    scheduler: str | None = None,
    pdf_engine: str | None = None,
    engine: str | None = None,
    follow_symlinks: bool = False,
    max_size_mib: int | None = None,
    max_chars: int | None = None,
    max_passages: int | None = None,
    records: bool = False,
    exclude: tuple[str, ...] = (),
) -> Any:
    """The one place where CLI options become an IngestConfig (``--engine`` and ``--pdf-engine`` are the
    hidden former names of ``--executor`` and ``--pdf-backend``)."""
    from cdtext.ingestion.config import MIB, IngestConfig

    return IngestConfig.resolve(
        None,
        jobs=jobs,
        timeout=timeout,
        max_pages=max_pages,
        pdf_backend=pdf_backend or pdf_engine,
        executor=executor or engine,
        scheduler=scheduler,
        follow_symlinks=follow_symlinks or None,
        max_bytes=max_size_mib * MIB if max_size_mib else None,
        max_chars=max_chars,
        max_passages=max_passages,
        memory_limit=memory_mib * MIB if memory_mib else None,
        records=records or None,
        exclude=tuple(exclude) or None,
    )


class _Progress:
    """A progress line on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total = total
        self.done = 0
        self.show = not quiet and sys.stderr.isatty()

    def __call__(self, path: str, status: str) -> None:
        self.done += 1
        if self.show:
            name = printable(path.rsplit("/", 1)[-1])[:40]
            click.echo(f"\r[{self.done}/{self.total}] {status:<10} {name:<40}", err=True, nl=False)

    def finish(self) -> None:
        if self.show and self.done:
            click.echo("", err=True)


class _PassageProgress:
    """``classify: [done/total] passages`` on stderr while passages are classified, when it is a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.show = not quiet and sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if self.show:
            click.echo(f"\rclassify: [{done:,}/{total:,}] passages", err=True, nl=False)
            self.shown = True

    def finish(self) -> None:
        if self.shown:
            click.echo("", err=True)
            self.shown = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cdtext")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def main(verbose: int) -> None:
    """Text mining for city diplomacy documents.

    Ingest PDF, HTML and text files into passages with provenance; classify
    passages by the five functions of city diplomacy and by policy
    orientation; profile cities as function-driven or policy-driven.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    _stop_on_sigterm()


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd, Slurm, ``docker stop``), turned into an interrupt so clean-up runs."""


def _stop_on_sigterm() -> None:
    import signal

    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding application): leave its handling alone
        pass


def _status_while_running(store: str) -> None:
    """The progress file of the ingest that holds the store's lock."""
    import json

    from cdtext.ingestion.driver import progress_path

    try:
        state = json.loads(progress_path(store).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(
            f"{printable(store)} is in use by another process, which left no progress file"
        ) from exc
    done = state.get("unchanged", 0) + sum(state.get("counts", {}).values())
    click.echo(
        f"{printable(store)} is being written by a running ingest (pid {state.get('pid')}, started "
        f"{state.get('started')}, last update {state.get('updated')}):"
    )
    seen, unchanged = state.get("files_seen", 0), state.get("unchanged", 0)
    click.echo(f"  {done} file(s) done of {seen} found so far; {unchanged} unchanged")
    for name, n in sorted(state.get("counts", {}).items(), key=lambda kv: -kv[1]):
        click.echo(f"  {name:<18} {n}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@store_option()
@ingest_options
@click.option("--strict", is_flag=True, help="Exit with code 3 when any input did not end ok.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display and no summary.")
@_library_call
def ingest(
    paths: tuple[str, ...], store: str, meta: str | None, force: bool, strict: bool, quiet: bool, **options: Any
) -> None:
    """Read files and folders (recursively) into passages in the store.

    The format is decided from each file's bytes (PDF, HTML, XML, text, or a JSON record with a text field;
    tables such as CSV or JSON lines are refused, unless --records reads each of their rows as a document,
    TABLE#ROW). Every file gets one row in the documents table with a status and a reason;
    unchanged files are skipped on later runs.
    """
    from cdtext.ingestion.driver import ingest as run_ingest
    from cdtext.ingestion.walk import iter_files

    config = make_config(**options)
    found = iter_files(paths, follow_links=config.follow_symlinks, exclude=config.exclude)
    progress = _Progress(sum(1 for _ in found), quiet)
    summary = run_ingest(paths, store, meta=meta, config=config, force=force, progress=progress)
    progress.finish()
    if not quiet:
        click.echo(f"{summary.total} file(s): {summary.outcome()} in {summary.seconds:.1f} s -> {store}", err=True)
    if strict and any(s not in ("ok", "table", "excluded") for s in summary.counts):
        sys.exit(EXIT_STRICT)


@main.command()
@store_option()
@_library_call
def status(store: str) -> None:
    """Summarise the documents in a store by status, with the reasons for failures."""
    from cdtext.errors import StoreError
    from cdtext.language import other_languages, warning
    from cdtext.store import Store

    try:
        db = Store(store, read_only=True)
    except StoreError as exc:
        if "lock" not in str(exc).lower():
            raise
        _status_while_running(store)
        return
    with db:
        counts = db.status_counts()
        total = sum(counts.values())
        click.echo(f"{total} document(s) in {printable(store)}")
        for name, n in counts.items():
            click.echo(f"  {name:<18} {n}")
        for st, path, reason in db.problem_documents():
            click.echo(f"{st}: {printable(path)}: {printable(reason)}")
        click.echo(f"{db.passage_count()} passage(s)")
        others = other_languages(db.languages())
        if others:
            click.echo(f"note: {warning(others)}")


@main.command()
@store_option()
@click.option(
    "--table",
    type=click.Choice(["documents", "passages", "texts", "predictions", "partners"]),
    default="passages",
    show_default=True,
    help="Table to export.",
)
@output_options
@_library_call
def export(store: str, table: str, fmt: str | None, out: str) -> None:
    """Write a table of the store to CSV, JSON lines or Parquet."""
    from cdtext.export import write_table
    from cdtext.store import Store

    with Store(store, read_only=True) as db:
        df = db.table(table)
    write_table(df, out, fmt)


def model_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--model",
        "model",
        default=None,
        metavar="PATH|lexicon",
        help="Model to use: a path to NAME.npz (with NAME.card.json beside it), 'standard' for the shipped "
        "TF-IDF and sentence-vector model without the transformer (15 to 30 times faster), 'fast' for the "
        "shipped TF-IDF-only model, or 'lexicon' for the rule baseline [default: the shipped default model, "
        "standard averaged with a fine-tuned transformer].",
    )(fn)


def _text_sources(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--store`` and ``--text-root``: where label rows find their passages' text."""
    fn = click.option(
        "--text-root",
        "text_root",
        type=click.Path(exists=True, file_okay=False),
        default=None,
        help="Folder that stand-off 'source' paths are relative to.",
    )(fn)
    return click.option(
        "--store",
        "store",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Store the label rows' passage ids refer to.",
    )(fn)


@main.command()
@click.argument("corpus", required=False, type=click.Path(exists=True))
@click.option("--out", "out", type=click.Path(), required=True, help="Model path to write, e.g. models/mine.")
@click.option(
    "--labels",
    "labels",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A filled label file (CSV or JSON lines, inline or stand-off) to train on; repeat for several.",
)
@_text_sources
@click.option(
    "--base",
    type=click.Choice(["shipped", "none"]),
    default="shipped",
    show_default=True,
    help="Add the labels to the bundled annotated corpus, or train on the labels alone.",
)
@click.option("--C", "C", type=float, default=None, help="Inverse regularisation strength [default: 2.0].")
@click.option(
    "--by-source",
    "by_source",
    is_flag=True,
    help="Also measure leave-one-source-out on the labels (one model per source folder; slower).",
)
@click.option(
    "--features",
    type=click.Choice(["both", "tfidf", "static"]),
    default=None,
    help="TF-IDF and sentence vectors (both, as the standard model), TF-IDF alone (as the fast model) or vectors "
    "alone [default: both].",
)
@_library_call
def train(
    corpus: str | None,
    out: str,
    labels: tuple[str, ...],
    store: str | None,
    text_root: str | None,
    base: str,
    C: float | None,
    by_source: bool,
    features: str | None,
) -> None:
    """Train the passage classifier and report it on held-out passages.

    Trains on the annotated corpus's train split (CORPUS: a folder of
    JSON-lines files or one file [default: corpus/annotated]) and, with
    --labels, on your own labelled passages, which are first measured by
    cross-validation grouped by document (and with --by-source, leave one
    source folder out). Writes OUT.npz and OUT.card.json; the card records
    every label file with its SHA-256. Prints the figures, the authored
    split's beside the lexicon baseline's. The model is of the shipped
    standard model's kind (the default's transformer is not retrained here).
    """
    from cdtext.classify.api import train as run_train
    from cdtext.classify.evaluate import format_by_source, format_comparison, source_folders
    from cdtext.classify.model import withheld_areas

    params: dict[str, Any] = {"C": C} if C is not None else {}
    if features is not None:
        params["features"] = features
    clf = run_train(
        corpus, out, labels=list(labels), store=store, text_root=text_root, base=base, by_source=by_source, **params
    )
    metrics = clf.card["metrics"]
    withheld = withheld_areas(clf.card["thresholds"])
    if "real_cv" in metrics:
        cv = metrics["real_cv"]
        click.echo(f"your labels, cross-validated by document ({cv['n']} passages, {cv['documents']} documents):")
        click.echo(format_comparison({"model": {**cv, "withheld": withheld}}))
    if source_folders(metrics):
        click.echo("your labels, leave-one-source-out:")
        click.echo(format_by_source(source_folders(metrics)))
    if "held_out" in metrics:
        click.echo("authored corpus, held-out test split:")
        model_figures = {**metrics["held_out"], "withheld": withheld}
        click.echo(format_comparison({"model": model_figures, "lexicon": metrics["lexicon_held_out"]}))
    if withheld:
        click.echo(f"policy areas withheld: {', '.join(withheld)}")
    click.echo(f"wrote {out}.npz and {out}.card.json", err=True)


@main.command()
@store_option()
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    required=True,
    help="File to write: .csv (opens in a spreadsheet) or .jsonl.",
)
@click.option("--n", "n", type=click.IntRange(min=1), default=200, show_default=True, help="Passages to pick.")
@click.option(
    "--strategy",
    type=click.Choice(["mixed", "uncertainty", "random"]),
    default="mixed",
    show_default=True,
    help="mixed: 40% random, 40% near the model's thresholds, 20% likely positives spread over the functions.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed of the draw.")
@click.option(
    "--exclude",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Label file whose passages are skipped (already labelled); repeat for several.",
)
@model_option
@click.option("--stand-off", "stand_off", is_flag=True, help="Write references and hashes only, no text (.jsonl).")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Write 'source' paths relative to this folder (use the same folder as --text-root later).",
)
@click.option(
    "--max-per-doc",
    type=click.FloatRange(min=1),
    default=5,
    show_default=True,
    help="At most this many expected picks from one document.",
)
@click.option("--round", "round_", default=None, help="Name of this annotation round, recorded on every row.")
@click.option(
    "--focus",
    multiple=True,
    type=click.Choice(list(FUNCTION_CODES)),
    help="Spend the likely-positive share on this function only (repeat for several): reach rare functions.",
)
@click.option(
    "--match",
    "match",
    default=None,
    metavar="REGEX",
    help="Draw only passages this regular expression finds something in (case-insensitive); "
    "their random picks are stratum 'search'.",
)
@click.option(
    "--exclude-near",
    is_flag=True,
    help="Also leave out passages that nearly repeat an --exclude passage of the store "
    "(Jaccard over word 5-grams above one half): the same boilerplate labelled again.",
)
@_library_call
def annotate(
    store: str,
    out: str,
    n: int,
    strategy: str,
    seed: int,
    exclude: tuple[str, ...],
    model: str | None,
    stand_off: bool,
    root: str | None,
    max_per_doc: float,
    round_: str | None,
    focus: tuple[str, ...],
    match: str | None,
    exclude_near: bool,
) -> None:
    """Pick passages of a store for people to label.

    Writes one row per passage with its text and context (title, city, page,
    the passages before and after), the current model's labels and
    probabilities, how it was drawn (stratum, inclusion probability) and
    empty columns to fill in: functions (codes separated by ;),
    policy_anchored, policy_areas, annotator, note. Check filled files with
    `cdtext labels check`; train on them with `cdtext train --labels`.
    """
    from cdtext.annotation.sample import annotate as draw

    rows = draw(
        store,
        out,
        n=n,
        strategy=strategy,
        seed=seed,
        exclude=list(exclude),
        model=model,
        root=root,
        stand_off=stand_off,
        max_per_doc=max_per_doc,
        round=round_,
        focus=list(focus),
        match=match,
        exclude_near=exclude_near,
    )
    design = rows.attrs["design"]
    strata = ", ".join(f"{k} {v}" for k, v in sorted(design["by_stratum"].items()))
    near = f"; {design['near_excluded']} near-repeats of excluded passages left out" if exclude_near else ""
    click.echo(f"{len(rows)} passages of {design['frame']} -> {out} ({strata}{near})", err=True)


@main.group()
def labels() -> None:
    """Check, convert and summarise filled label files."""


@labels.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_text_sources
@_library_call
def labels_check(files: tuple[str, ...], store: str | None, text_root: str | None) -> None:
    """List every problem in filled label files, one line each with file and row.

    Unknown codes, policy_anchored without a function (or missing with one),
    duplicated passages, unreadable files; with --store or --text-root also
    passages that cannot be found or whose text no longer matches its hash.
    Exits 1 when there is any problem.
    """
    from cdtext.annotation.api import check_labels

    problems = check_labels(list(files), store=store, text_root=text_root)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {len(files)} file(s)")
    click.echo(f"{len(files)} file(s): no problems", err=True)


@labels.command("standoff")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="JSON-lines file to write.")
@_library_call
def labels_standoff(files: tuple[str, ...], out: str) -> None:
    """Turn filled label files into stand-off labels: references, hashes and labels, no text.

    The rows must carry the references `cdtext annotate` writes (source,
    start, end, sha1); share the result without the documents' text.
    """
    from cdtext.annotation.api import standoff

    rows = standoff(list(files), out)
    click.echo(f"{len(rows)} labelled row(s) -> {out}", err=True)


@labels.command("estimate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@output_options
@_library_call
def labels_estimate(files: tuple[str, ...], fmt: str | None, out: str | None) -> None:
    """Estimate the share of each label among all passages of the sampled store.

    Weights each labelled passage by the inverse of its inclusion probability
    (Hajek estimator, docs/annotation.md), so oversampling near the
    thresholds does not bias the figures.
    """
    from cdtext.annotation.api import read_labels
    from cdtext.annotation.estimate import prevalence
    from cdtext.export import write_table

    write_table(prevalence(read_labels(list(files), resolve=False)), out, fmt)


@main.command("agreement")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@_library_call
def agreement_command(files: tuple[str, ...], fmt: str) -> None:
    """Agreement between annotators on the passages they both labelled.

    Per label: Krippendorff's alpha (nominal), percent agreement, pairs
    compared and positive codes; also any-function and anchoring (on
    passages where both gave a function). For the five functions, how often
    each pair of annotators disagreed. Give one file per annotator, or files
    whose annotator column names them.
    """
    import json

    from cdtext.annotation.agreement import agreement_table
    from cdtext.annotation.api import agreement, read_labels

    result = agreement(read_labels(list(files), resolve=False))
    table = agreement_table(result)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
    elif fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    else:
        click.echo(f"{result['passages']} passage(s) coded by {', '.join(result['annotators'])}")
        click.echo(table.to_string(index=False, na_rep="-"))
        dis = [d for d in result["disagreements"] if d["only_a"] or d["only_b"]]
        if dis:
            click.echo("\nfunction disagreements (passages one annotator gave the function and the other did not):")
            for d in dis:
                click.echo(
                    f"  {d['function']:<28} {d['annotator_a']} only {d['only_a']:>3}   "
                    f"{d['annotator_b']} only {d['only_b']:>3}   both {d['both']:>3}   of {d['passages']}"
                )


@main.command()
@click.argument("corpus", required=False, type=click.Path(exists=True))
@model_option
@click.option(
    "--labels",
    "labels",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Also score the model on these labelled passages (e.g. a held-out set of your own); repeatable.",
)
@_text_sources
@click.option(
    "--partners",
    "partners",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Instead, score partner extraction on this partner evaluation file (e.g. corpus/partners/test.jsonl): "
    "precision, recall and F1 per partner kind.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the full figures as JSON to this file.",
)
@_library_call
def evaluate(
    corpus: str | None,
    model: str | None,
    labels: tuple[str, ...],
    store: str | None,
    text_root: str | None,
    partners: str | None,
    json_out: str | None,
) -> None:
    """Figures of a model, real text first, beside the lexicon baseline.

    First the cross-validation on real passages grouped by document that
    training recorded in the model card; then, with --labels, the model on
    your labelled passages; then the held-out split of the authored corpus
    (CORPUS, default corpus/annotated). Per label precision, recall and F1
    with bootstrap 95% intervals, macro-F1, any-function and anchoring F1,
    Brier score and calibration error.
    """
    import json

    from cdtext.classify.evaluate import SECTION_TITLES, evaluate_model, format_by_source, format_comparison
    from cdtext.export import atomic_path

    if partners:
        from cdtext.partners import evaluate_partners, format_partner_evaluation, read_partner_labels

        result = evaluate_partners(read_partner_labels(partners))
        click.echo(f"Partner extraction on {result['n_passages']} passages of {printable(partners)}")
        click.echo(format_partner_evaluation(result))
        if json_out:
            with atomic_path(json_out, "w") as fh:
                json.dump(result, fh, indent=2)
        return

    results = evaluate_model(model, corpus, labels=list(labels), store=store, text_root=text_root)
    for section, figures in results.items():
        if section == "real_by_source":
            click.echo(f"\n{SECTION_TITLES[section]}")
            click.echo(format_by_source(figures))
            continue
        n = next(iter(figures.values()))["n"]
        click.echo(f"\n{SECTION_TITLES[section]} ({n} passages)")
        click.echo(format_comparison(figures))
    if json_out:
        with atomic_path(json_out, "w") as fh:
            json.dump(results, fh, indent=2)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@store_option(required=False)
@model_option
@output_options
@click.option("--explain", is_flag=True, help="Add the terms that drove each assigned label.")
@click.option("--jobs", type=click.IntRange(min=0), default=None, help="Worker processes when ingesting documents.")
@_library_call
def classify(
    inputs: tuple[str, ...],
    store: str | None,
    model: str | None,
    fmt: str | None,
    out: str,
    explain: bool,
    jobs: int | None,
) -> None:
    """Classify passages by function and policy orientation.

    INPUT is a store (.duckdb: its passages are classified into its
    predictions table), a table file (.csv, .jsonl, .parquet with a 'text'
    column and optional 'id'), or documents and folders, which are ingested
    into --store on the way (without --store, into a temporary store that is
    removed afterwards). Rows go to --out. A model with a context stage
    (docs/classify.md) reads each passage with its neighbours: in stores and
    documents always, in a table only with a 'doc_id' column (each
    document's rows in order).
    """
    from cdtext.classify.batch import classify_inputs
    from cdtext.export import write_table

    passages = _PassageProgress(quiet=False)
    config = make_config(jobs, None, None, None)
    done = classify_inputs(inputs, model=model, store=store, explain=explain, config=config, progress=passages)
    passages.finish()
    if done.n:
        where = f" -> {done.store} (table predictions)" if done.store else ""
        click.echo(f"classified {done.n} passage(s) with {done.model_name}{where}", err=True)
    write_table(done.rows, out, fmt)


def by_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--by",
        "by",
        default="city",
        show_default=True,
        metavar="COLUMNS",
        callback=_by_columns,
        help="Comma-separated document columns that define a unit: city, year, doc_type, country or any "
        "--meta column, e.g. city,year.",
    )(fn)


def profile_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--replicates",
            type=click.IntRange(min=0),
            default=1000,
            show_default=True,
            help="Bootstrap replicates for the 95% intervals (0: none).",
        ),
        click.option(
            "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed of the bootstrap."
        ),
        click.option(
            "--min-diplomacy",
            type=_FiniteFloat(min=0),
            default=30.0,
            show_default=True,
            help="Fewer expected diplomacy passages than this make a unit indeterminate.",
        ),
        click.option(
            "--min-coherence",
            type=_FiniteFloat(0, 1),
            default=0.5,
            show_default=True,
            help="Coherence a policy-driven unit needs.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _store_predictions(store: str, model: str | None) -> tuple[Any, Any, Any]:
    """Predictions and documents of a store (classified first when needed), saying when it classified."""
    from cdtext.classify.batch import store_predictions

    predictions, documents, clf, n = store_predictions(store, model)
    if n:
        click.echo(f"classified {n} passage(s) with {clf.name}", err=True)
    return predictions, documents, clf


@main.command()
@store_option()
@by_option
@model_option
@profile_options
@language_option
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    show_default=True,
    help="Output file; - writes to standard output.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet", "table"]),
    default=None,
    help="Output format [default: table on a terminal, else from the --out extension, else csv].",
)
@_library_call
def profile(
    store: str,
    by: str,
    model: str | None,
    replicates: int,
    seed: int,
    min_diplomacy: float,
    min_coherence: float,
    language: tuple[str, ...],
    out: str,
    fmt: str | None,
) -> None:
    """Profile units (cities by default) as function-driven or policy-driven.

    One row per unit: documents, passages, expected diplomacy passages,
    function shares, diversity, theta (policy anchoring), anchoring rate,
    concentration, coherence — each with a 95% bootstrap interval — and the
    verdict. Classifies the store first when it has no predictions (or when
    --model is given).
    """
    from cdtext.aggregate import compare, in_languages
    from cdtext.aggregate import profile as run_profile
    from cdtext.export import write_table

    predictions, documents, _ = _store_predictions(store, model)
    documents = in_languages(documents, language)
    rule = {"min_diplomacy": min_diplomacy, "min_coherence": min_coherence}
    table = compare(run_profile(predictions, documents, by, replicates=replicates, seed=seed, rule=rule))
    if fmt == "table" or (fmt is None and out == "-" and sys.stdout.isatty()):
        show = table[
            [
                *by.split(","),
                "n_documents",
                "n_diplomacy",
                "theta",
                "theta_lo",
                "theta_hi",
                "anchoring_rate",
                "concentration",
                "coherence",
                "diversity",
                "verdict",
            ]
        ]
        text = show.to_string(index=False, float_format=lambda v: f"{v:.2f}")
        if show.empty:
            text = "no units: no document of the store yielded passages (see cdtext status)"
        if out == "-":
            click.echo(text)
        else:
            Path(out).write_text(text + "\n", encoding="utf-8")
        return
    write_table(table, out, fmt)


@main.command()
@store_option()
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="HTML file to write.")
@by_option
@click.option("--title", default="City diplomacy profile", show_default=True, help="Report title.")
@model_option
@profile_options
@language_option
@_library_call
def report(
    store: str,
    out: str,
    by: str,
    title: str,
    model: str | None,
    replicates: int,
    seed: int,
    min_diplomacy: float,
    min_coherence: float,
    language: tuple[str, ...],
) -> None:
    """Write a self-contained HTML report: verdicts, charts, evidence passages, method and limits.

    Partners abroad are shown when the store has them (`cdtext run` or
    `cdtext network` finds them).

    The file opens offline, makes no external requests and needs no
    JavaScript; passage text is escaped and a Content-Security-Policy forbids
    scripts.
    """
    from cdtext.aggregate import in_languages
    from cdtext.export import atomic_path
    from cdtext.report import render_report
    from cdtext.store import Store

    predictions, every_document, clf = _store_predictions(store, model)
    documents = in_languages(every_document, language)
    units = by.split(",")
    with Store(store, read_only=True) as db:  # the partner section, when `cdtext run` or `network` found them
        partners = db.partners_with_documents() if db.has_table("partners") else None
    network = None
    if partners is not None:
        from cdtext.network import unit_network

        network = unit_network(partners, documents, predictions, units)[1]
    html = render_report(
        predictions,
        every_document,
        network=network,
        partners=partners,
        by=units,
        title=title,
        card=clf.card,
        model_name=clf.name,
        store_name=Path(store).name,
        replicates=replicates,
        seed=seed,
        rule={"min_diplomacy": min_diplomacy, "min_coherence": min_coherence},
        languages=language,
    )
    with atomic_path(out, "w") as fh:
        fh.write(html)
    click.echo(f"wrote {out}", err=True)


@main.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder for the store, tables, report and run card (created when missing).",
)
@ingest_options
@by_option
@model_option
@profile_options
@language_option
@click.option("--title", default="City diplomacy profile", show_default=True, help="Report title.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display and no summary.")
@_library_call
def run_command(
    inputs: tuple[str, ...],
    out: str,
    meta: str | None,
    force: bool,
    by: str,
    model: str | None,
    replicates: int,
    seed: int,
    min_diplomacy: float,
    min_coherence: float,
    language: tuple[str, ...],
    title: str,
    quiet: bool,
    **options: Any,
) -> None:
    """Ingest, classify, profile and report in one go.

    Writes OUT/cdtext.duckdb, passages.parquet, predictions.parquet and .csv,
    profiles.csv, report.html and run.json (versions, model hash, every
    input's hash and status, timings). Running it again re-reads only new or
    changed files and classifies only new passages; --force redoes everything.
    """
    from cdtext.ingestion.driver import iter_files
    from cdtext.pipeline import run as run_pipeline

    config = make_config(**options)
    found = iter_files(inputs, follow_links=config.follow_symlinks, exclude=config.exclude)
    progress = _Progress(sum(1 for _ in found), quiet)

    passages = _PassageProgress(quiet)

    def notify(message: str) -> None:
        progress.finish()
        progress.done = 0
        passages.finish()
        if not quiet:
            click.echo(message, err=True)

    card = run_pipeline(
        inputs,
        out,
        meta=meta,
        model=model,
        by=by.split(","),
        config=config,
        replicates=replicates,
        seed=seed,
        rule={"min_diplomacy": min_diplomacy, "min_coherence": min_coherence},
        title=title,
        progress=progress,
        notify=notify,
        force=force,
        classify_progress=passages,
        languages=language,
    )
    if not quiet:
        click.echo(
            f"{card['n_passages']} passages, {card['n_units']} unit(s) -> {out}/report.html (profiles.csv, run.json)",
            err=True,
        )


@main.command()
@store_option()
@by_option
@model_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", *("graphml", "gexf", "json")]),
    default=None,
    help="csv (one row per unit x partner x function) or a graph: graphml, gexf (Gephi) or json "
    "(networkx node-link) [default: from the --out extension, else csv].",
)
@click.option(
    "--min-passages",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Leave out unit-partner pairs named in fewer passages.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    show_default=True,
    help="Output file; - writes csv or json to standard output.",
)
@language_option
@_library_call
def network(
    store: str, by: str, model: str | None, fmt: str | None, min_passages: int, out: str, language: tuple[str, ...]
) -> None:
    """Export the city-partner network: who each unit engages with abroad, by function.

    Partners are the foreign cities, countries, regions, city networks and
    international organisations the passages show the city engaging with
    (docs/partners.md); they are found and stored when the store has none yet.
    """
    from cdtext.export import write_table
    from cdtext.network import GRAPH_FORMATS, network_graph, store_network, write_graph

    cols = by.split(",")
    suffix = Path(out).suffix.lower().lstrip(".") if out != "-" else ""
    fmt = fmt or (suffix if suffix in (*GRAPH_FORMATS, "csv") else "csv")
    partners, table = store_network(store, cols, model, languages=language)
    table = table[table.passages >= min_passages] if fmt == "csv" else table
    if fmt == "csv":
        write_table(table, out, "csv")
        return
    graph = network_graph(partners, table, cols, min_passages)
    if out == "-":
        if fmt != "json":
            raise click.UsageError(f"{fmt} is written to a file: give --out FILE.{fmt}")
        import json

        import networkx as nx

        click.echo(json.dumps(nx.node_link_data(graph, edges="links"), indent=1))
        return
    write_graph(graph, out, fmt)
    click.echo(f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges -> {out}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
