"""Inputs -> the entries to ingest: one walker, one policy for links and special files.

Every entry found under the inputs is reported once, as a :class:`Entry`:

* regular files (and links to regular files inside the inputs) are read;
* a symbolic link whose target lies outside every input root is skipped with
  the reason, unless ``follow_links`` (``--follow-symlinks``) is given: an
  unpacked archive or a shared drive must not pull ``/etc/passwd`` into
  outputs that get shared;
* links to folders inside the roots are walked (each real folder once, so a
  link loop ends); broken links, link loops, FIFOs, sockets and devices are
  skipped with the reason — the walker never opens them;
* hidden files and folders (a leading dot) are left out, as before;
* files and folders matching an ``exclude`` pattern (``--exclude``) are reported with status ``excluded`` and
  never opened; an excluded folder is one entry and is not walked. Patterns apply to what is found inside the
  input folders, not to inputs named directly (see :func:`excluded_by`).

Paths are stored as text: a file name that is not valid UTF-8 is written with
``\\xNN`` escapes for its undecodable bytes (:func:`display_path`), readable
and distinct, while the worker opens the real name.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from cdtext.errors import CdtextError

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


@dataclass(frozen=True)
class Entry:
    """One thing found under the inputs: ``path`` to open, ``key`` to store, ``skip`` = why it is not read,
    ``status`` = the status it is stored with when not read (``skipped``, or ``excluded`` by a pattern),
    ``folder`` = a folder left out as a whole."""

    path: Path
    key: str
    skip: str | None = None
    status: str = "skipped"
    folder: bool = False


def excluded_by(relative: str, is_dir: bool, patterns: Sequence[str]) -> str | None:
    """The first pattern that excludes an entry at ``relative`` (its path below the input folder, with ``/``), or
    None.

    Shell wildcards (``*``, ``?``, ``[...]``), case-sensitive. A pattern without a slash is matched against the
    entry's name at any depth (``README*``, ``*.csv``, ``drafts``); a pattern with one against the whole relative
    path (``2019/*.pdf``, ``/drafts``: a leading slash is the input folder itself), where ``*`` also crosses
    slashes. A trailing slash (``drafts/``) matches folders only.
    """
    name = relative.rsplit("/", 1)[-1]
    for pattern in patterns:
        body = pattern.rstrip("/")
        if pattern.endswith("/") and not is_dir:
            continue
        if "/" in body:
            if fnmatchcase(relative, body.lstrip("/")):
                return pattern
        elif fnmatchcase(name, body):
            return pattern
    return None


def display_path(path: Path) -> str:
    """The absolute path as valid text: undecodable bytes of a file name become ``\\xNN``."""
    text = str(path.absolute())
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", errors="backslashreplace")
    return text


def _inside(target: Path, roots: list[Path]) -> bool:
    return any(target == root or root in target.parents for root in roots)


def _classify(path: Path, roots: list[Path], follow_links: bool) -> str | None:
    """Why ``path`` is not read, or None for a regular file that may be read."""
    try:
        st = path.stat()  # follows links
    except RuntimeError:
        return "a symbolic link loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if path.is_symlink():
            return "a broken symbolic link"
        return f"cannot read it: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return f"not a regular file: {_KINDS.get(stat.S_IFMT(st.st_mode), 'a special file')}"
    if path.is_symlink() and not follow_links:
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a symbolic link loop"
        if not _inside(target, roots):
            return f"a symbolic link to a file outside the inputs ({display_path(target)}); --follow-symlinks reads it"
    return None


def walk(paths: Iterable[str | Path], *, follow_links: bool = False, exclude: Sequence[str] = ()) -> Iterator[Entry]:
    """Every entry under ``paths`` once, in a stable order (see the module docstring for the policy)."""
    inputs = [Path(p) for p in paths]
    for raw in inputs:
        if not (raw.exists() or raw.is_symlink()):
            raise CdtextError(f"no such file or folder: {raw}")
    roots = []
    for raw in inputs:
        try:
            roots.append(raw.resolve())
        except (OSError, RuntimeError):
            roots.append(raw.absolute())
    for raw in inputs:
        if raw.is_dir():
            yield from _walk_folder(raw, roots, follow_links, tuple(exclude))
        else:
            yield Entry(raw, display_path(raw), _classify(raw, roots, follow_links=True))  # named directly


def _excluded(path: Path, top: Path, is_dir: bool, patterns: tuple[str, ...]) -> Entry | None:
    if not patterns:
        return None
    pattern = excluded_by(path.relative_to(top).as_posix(), is_dir, patterns)
    if pattern is None:
        return None
    what = "a folder left out" if is_dir else "left out"
    return Entry(path, display_path(path), f"{what} by the pattern {pattern!r} (--exclude)", "excluded", is_dir)


def _walk_folder(top: Path, roots: list[Path], follow_links: bool, exclude: tuple[str, ...]) -> Iterator[Entry]:
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except (OSError, RuntimeError):
            yield Entry(folder, display_path(folder), "a folder link that cannot be followed (broken or a loop)")
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue  # a link back to a folder already walked
        seen.add((st.st_dev, st.st_ino))
        if folder != top and folder.is_symlink() and not follow_links:
            target = folder.resolve()
            if not _inside(target, roots):
                why = f"a symbolic link to a folder outside the inputs ({display_path(target)})"
                why += "; --follow-symlinks reads it"
                yield Entry(folder, display_path(folder), why)
                continue
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            yield Entry(folder, display_path(folder), f"cannot list the folder: {exc.strerror or exc}")
            continue
        subfolders = []
        for name in names:
            if name.startswith("."):
                continue
            path = folder / name
            try:
                is_dir = path.is_dir()
            except (OSError, RuntimeError):
                is_dir = False
            left_out = _excluded(path, top, is_dir, exclude)
            if left_out is not None:
                yield left_out
            elif is_dir:
                subfolders.append(path)
            else:
                yield Entry(path, display_path(path), _classify(path, roots, follow_links))
        stack.extend(reversed(subfolders))  # depth first, in name order


def iter_files(
    paths: Iterable[str | Path], *, follow_links: bool = False, exclude: Sequence[str] = ()
) -> Iterator[Path]:
    """The paths of every entry :func:`walk` reports (read, skipped or excluded)."""
    for entry in walk(paths, follow_links=follow_links, exclude=exclude):
        yield entry.path
