"""Saving and loading models safely: skops files with a JSON model card beside them.

A model is two files: ``NAME.skops`` (the estimator, written by skops —
never pickle or joblib, since a crafted pickle runs code when loaded) and
``NAME.card.json`` (label set, thresholds, training-corpus hash, metrics,
library versions, date, and the SHA-256 of the ``.skops`` file).

Loading refuses a file whose SHA-256 differs from its card, a card that is
missing, and a file that contains any type outside :data:`TRUSTED_TYPES`.
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from cdtext.errors import ModelError
from cdtext.hashing import file_sha256

#: types a cdtext model file may contain beyond skops' defaults (numpy, scikit-learn)
TRUSTED_TYPES = ("cdtext.classify.model.PassageClassifier",)
CARD_SUFFIX = ".card.json"
MODEL_SUFFIX = ".skops"


def model_paths(path: str | Path) -> tuple[Path, Path]:
    """``(skops file, card file)`` for a model path given with or without a suffix."""
    p = Path(path)
    name = p.name
    for suffix in (CARD_SUFFIX, MODEL_SUFFIX):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    base = p.with_name(name)
    return base.with_name(name + MODEL_SUFFIX), base.with_name(name + CARD_SUFFIX)


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("cdtext", "scikit-learn", "numpy", "scipy", "spacy", "spacy-lookups-data", "skops"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def save_model(model: Any, path: str | Path, card: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``model`` with skops and its card (with the file's SHA-256) atomically."""
    import skops.io as sio

    from cdtext.export import atomic_path

    skops_path, card_path = model_paths(path)
    skops_path.parent.mkdir(parents=True, exist_ok=True)
    import zipfile

    with atomic_path(skops_path, "wb") as fh:
        fh.write(sio.dumps(model, compression=zipfile.ZIP_DEFLATED, compresslevel=9))
    full = dict(card)
    full["file"] = skops_path.name
    full["sha256"] = file_sha256(skops_path)
    full.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    full["libraries"] = library_versions()
    with atomic_path(card_path, "w") as fh:
        json.dump(full, fh, indent=2, sort_keys=False)
        fh.write("\n")
    return skops_path, card_path


def read_card(path: str | Path) -> dict[str, Any]:
    _, card_path = model_paths(path)
    if not card_path.exists():
        raise ModelError(f"model card not found: {card_path}; a model is refused without its card")
    try:
        return json.loads(card_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(f"model card {card_path} is not valid JSON: {exc.msg}") from exc


def load_model(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """Load a model after checking its hash against the card and its types against the allow-list."""
    import skops.io as sio

    skops_path, card_path = model_paths(path)
    if not skops_path.exists():
        raise ModelError(f"model file not found: {skops_path}")
    card = read_card(path)
    actual = file_sha256(skops_path)
    if card.get("sha256") != actual:
        raise ModelError(
            f"refusing to load {skops_path}: its SHA-256 ({actual[:12]}…) does not match the card "
            f"({str(card.get('sha256'))[:12]}…); the file was changed or replaced"
        )
    try:
        untrusted = sio.get_untrusted_types(file=skops_path)
    except Exception as exc:  # noqa: BLE001 - skops raises many types on malformed archives
        raise ModelError(f"refusing to load {skops_path}: not a readable skops file ({exc})") from exc
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        raise ModelError(
            f"refusing to load {skops_path}: it contains types cdtext does not trust: {', '.join(unknown)}"
        )
    try:
        model = sio.load(skops_path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot load {skops_path}: {exc}") from exc
    return model, card
