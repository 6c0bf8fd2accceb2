"""The ``cdtext`` command: thin click commands over the library.

Exit codes: 0 success; 1 an error stopped the command (the ``Error:`` line
says why); 2 bad usage; 3 ``--strict`` was given and some inputs did not end
``ok`` (they are still recorded in the store).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from cdtext import __version__
from cdtext.errors import CdtextError

EXIT_STRICT = 3


def _library_call(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into click errors (``Error: ...`` and exit code 1)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CdtextError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


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
            type=click.FloatRange(min=0, min_open=True),
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
            "--meta",
            type=click.Path(exists=True, dir_okay=False),
            default=None,
            help="CSV mapping documents (by path, file name or name without extension, in a "
            "column such as path, file or id) to city, date, doc_type, title and extra columns.",
        ),
        click.option("--force", is_flag=True, help="Read every file again, even unchanged ones."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def make_config(jobs: int | None, timeout: float | None, memory_mib: int | None, max_pages: int | None) -> Any:
    """The one place where CLI options become an IngestConfig."""
    from cdtext.config import MIB, IngestConfig

    return IngestConfig.resolve(
        None,
        jobs=jobs,
        timeout=timeout,
        max_pages=max_pages,
        memory_limit=memory_mib * MIB if memory_mib else None,
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
            name = path.rsplit("/", 1)[-1][:40]
            click.echo(f"\r[{self.done}/{self.total}] {status:<10} {name:<40}", err=True, nl=False)

    def finish(self) -> None:
        if self.show and self.done:
            click.echo("", err=True)


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

    The format is decided from each file's bytes (PDF, HTML or text). Every
    file gets one row in the documents table with a status and a reason;
    unchanged files are skipped on later runs.
    """
    from cdtext.pipeline import ingest as run_ingest
    from cdtext.pipeline import iter_files

    config = make_config(**options)
    progress = _Progress(sum(1 for _ in iter_files(paths)), quiet)
    summary = run_ingest(paths, store, meta=meta, config=config, force=force, progress=progress)
    progress.finish()
    if not quiet:
        counts = ", ".join(f"{n} {s}" for s, n in summary.counts.most_common())
        click.echo(
            f"{summary.total} file(s): {summary.unchanged} unchanged"
            + (f", {counts}" if counts else "")
            + f" in {summary.seconds:.1f} s -> {store}",
            err=True,
        )
    if strict and any(s != "ok" for s in summary.counts):
        sys.exit(EXIT_STRICT)


@main.command()
@store_option()
@_library_call
def status(store: str) -> None:
    """Summarise the documents in a store by status, with the reasons for failures."""
    from cdtext.store import Store

    with Store(store, read_only=True) as db:
        counts = db.status_counts()
        total = sum(counts.values())
        click.echo(f"{total} document(s) in {store}")
        for name, n in counts.items():
            click.echo(f"  {name:<18} {n}")
        problems = db.con.execute(
            "SELECT status, path, reason FROM documents WHERE status <> 'ok' ORDER BY status, path"
        ).fetchall()
        for st, path, reason in problems:
            click.echo(f"{st}: {path}: {reason or ''}")
        row = db.con.execute("SELECT count(*) FROM passages").fetchone()
        n_passages = row[0] if row else 0
        click.echo(f"{n_passages} passage(s)")


@main.command()
@store_option()
@click.option(
    "--table",
    type=click.Choice(["documents", "passages", "texts", "predictions"]),
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


if __name__ == "__main__":  # pragma: no cover
    main()
