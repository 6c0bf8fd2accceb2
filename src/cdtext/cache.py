"""Tables cdtext derives from its dependencies' data, kept between runs.

The gazetteer's city index takes about a second to build from GeoNames and a
fifth of that to read back. Such tables are kept as JSON files in the user's
cache folder (``platformdirs.user_cache_dir("cdtext")``), each named after the
table and a key computed from everything it was built from (the building
code and the data packages' versions), so a table that no longer matches is
never read: it is rebuilt and replaced. The files hold plain data, and one
that cannot be read is rebuilt too. Writes are atomic (temporary file, then
rename).

``CDTEXT_CACHE_DIR`` moves the folder; set to an empty string it turns the
cache off, and when the folder cannot be written the tables are simply built
in each process.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

ENV = "CDTEXT_CACHE_DIR"


def folder() -> Path | None:
    """Where tables are kept, or None when the cache is off."""
    value = os.environ.get(ENV)
    if value is not None:
        return Path(value).expanduser() if value.strip() else None
    import platformdirs

    return Path(platformdirs.user_cache_dir("cdtext", appauthor=False))


def key(*parts: str | bytes) -> str:
    """A short digest of what a table was built from."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()[:16]


def _path(base: Path, name: str, table_key: str) -> Path:
    return base / f"{name}-{table_key}.json"


def load(name: str, table_key: str) -> Any | None:
    """The table kept under ``name`` for ``table_key``, or None (none kept, another key, unreadable, cache off)."""
    base = folder()
    if base is None:
        return None
    try:
        with _path(base, name, table_key).open("rb") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def save(name: str, table_key: str, data: Any) -> None:
    """Keep ``data`` (JSON-able) under ``name`` for ``table_key``, replacing the table's other versions.

    Never fails: a folder that cannot be written only means the table is built again next time."""
    from cdtext.export import atomic_path

    base = folder()
    if base is None:
        return
    target = _path(base, name, table_key)
    try:
        with atomic_path(target, "w") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        for old in base.glob(f"{name}-*.json"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        pass
