"""Where a model's files are: ``NAME.npz`` (arrays) and ``NAME.card.json`` beside it. No numpy here, so a run
that only checks whether the model changed (pipeline's quick path) stays light."""

from __future__ import annotations

from pathlib import Path

CARD_SUFFIX = ".card.json"
#: models shipped in cdtext/models, loadable by name (``--model fast``)
SHIPPED = ("default", "standard", "fast")
MODEL_SUFFIX = ".npz"


def model_paths(path: str | Path) -> tuple[Path, Path]:
    """``(array file, card file)`` for a model path given with or without a suffix."""
    p = Path(path)
    name = p.name
    for suffix in (CARD_SUFFIX, MODEL_SUFFIX):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return p.with_name(name + MODEL_SUFFIX), p.with_name(name + CARD_SUFFIX)
