"""Saving and loading models safely: plain arrays in an ``.npz`` file, a JSON model card beside it.

A model is two files:

* ``NAME.npz`` — the numbers, as NumPy arrays only (written with
  ``numpy.savez_compressed``, read with ``allow_pickle=False``, so no
  Python object is ever rebuilt from the file): per-head coefficients,
  intercepts, Platt calibration and thresholds, the TF-IDF vocabulary (one
  UTF-8 byte array, terms separated by newlines) and its IDF weights;
* ``NAME.card.json`` — everything else: the estimator's parameters, heads
  and labels, thresholds, training data (with hashes), metrics, library
  versions, date, the SHA-256 of the ``.npz`` file and, for models that use
  a sentence encoder, the encoder's name and the SHA-256 of its files.

Loading refuses a file whose SHA-256 differs from its card, a missing card,
a file that is not a NumPy archive of exactly the expected arrays (names,
types and shapes), and an encoder whose files changed. Loading takes a few
hundred milliseconds: the vocabulary is one array, not one object per term.
"""

from __future__ import annotations

import io
import json
import platform
import zipfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from cdtext.classify.files import model_paths
from cdtext.errors import ModelError
from cdtext.hashing import file_sha256

FORMAT = "cdtext-arrays-1"
#: the arrays of a model file and their kinds (f: float, u: unsigned int)
ARRAYS = {
    "coef": "f",
    "intercept": "f",
    "calibration": "f",
    "thresholds": "f",
    "idf": "f",
    "vocabulary": "u",
}
#: an averaged model (the shipped default): a base model beside it, a transformer folder and these arrays
#: (7 Platt pairs, one threshold per head, the gate below which the transformer does not read a passage)
AVERAGED_FORMAT = "cdtext-averaged-2"
AVERAGED_ARRAYS = {"calibration": "f", "thresholds": "f", "gate": "f"}
#: the optional context stage of either kind of model (:mod:`cdtext.classify.context`): per revised head, the
#: coefficients over the context features, an intercept and a threshold
CONTEXT_ARRAYS = {"context_coef": "f", "context_intercept": "f", "context_thresholds": "f"}
#: estimator parameters a card may set (anything else is refused)
PARAMS = ("C", "ngram_max", "min_df", "max_features", "cv", "random_state", "features", "encoder", "dense_scale")


def library_versions(*extra: str) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("cdtext", "scikit-learn", "numpy", "scipy", "spacy", "spacy-lookups-data", "model2vec", *extra):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def context_arrays(stage: Any) -> dict[str, np.ndarray]:
    """The arrays of a context stage (none for None)."""
    if stage is None:
        return {}
    return {
        "context_coef": np.asarray(stage.coef_, np.float64),
        "context_intercept": np.asarray(stage.intercept_, np.float64),
        "context_thresholds": np.asarray(stage.thresholds_, np.float64),
    }


def context_card(stage: Any) -> dict[str, Any]:
    """What a card says about a context stage (its figures are added by whoever fitted it)."""
    from cdtext.classify.context import FEATURES, INPUTS, OUTPUTS, WINDOW

    return {
        "inputs": list(INPUTS),
        "outputs": list(OUTPUTS),
        "window": WINDOW,
        "features": list(FEATURES),
        "thresholds": {h: round(float(t), 3) for h, t in zip(OUTPUTS, stage.thresholds_)},
    }


def _context_stage(arrays: dict[str, np.ndarray], array_path: Path) -> Any:
    """The context stage held in ``arrays``, or None; refuses arrays that do not fit together."""
    if "context_coef" not in arrays:
        return None
    from cdtext.classify.context import ContextStage

    stage = ContextStage(arrays["context_coef"], arrays["context_intercept"], arrays["context_thresholds"])
    if not stage.fits():
        raise ModelError(f"refusing to load {array_path}: its context stage's arrays do not fit together")
    return stage


def _arrays(model: Any) -> dict[str, np.ndarray]:
    vocabulary = np.zeros(0, dtype=np.uint8)
    idf = np.zeros(0, dtype=np.float32)
    if model.features in ("tfidf", "both"):
        terms = sorted(model.vectorizer_.vocabulary_, key=model.vectorizer_.vocabulary_.__getitem__)
        if any("\n" in t for t in terms):
            raise ModelError("a vocabulary term contains a newline; cannot save")
        vocabulary = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
        idf = np.asarray(model.vectorizer_.idf_, dtype=np.float32)
    return {
        "coef": np.asarray(model.coef_, dtype=np.float32),
        "intercept": np.asarray(model.intercept_, dtype=np.float64),
        "calibration": np.asarray(model.calibration_, dtype=np.float64),
        "thresholds": np.asarray(model.thresholds_, dtype=np.float64),
        "idf": idf,
        **context_arrays(getattr(model, "context_", None)),
        "vocabulary": vocabulary,
    }


def save_model(model: Any, path: str | Path, card: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``model``'s arrays and its card (with the file's SHA-256 and the encoder's hashes) atomically."""
    from cdtext.export import atomic_path

    array_path, card_path = model_paths(path)
    array_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **_arrays(model))
    with atomic_path(array_path, "wb") as fh:
        fh.write(buffer.getvalue())
    full = dict(card)
    full["format"] = FORMAT
    full["params"] = {k: v for k, v in model.get_params().items() if k in PARAMS}
    if getattr(model, "context_", None) is not None:
        full["context"] = {**(card.get("context") or {}), **context_card(model.context_)}
    else:
        full.pop("context", None)
    if model.features in ("static", "both"):
        from cdtext.classify.encoder import encoder_hashes

        full["encoder"] = {"name": model.encoder, "sha256": encoder_hashes(model.encoder)}
    full["file"] = array_path.name
    full["sha256"] = file_sha256(array_path)
    full.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    full["libraries"] = library_versions()
    with atomic_path(card_path, "w") as fh:
        json.dump(full, fh, indent=2, sort_keys=False)
        fh.write("\n")
    return array_path, card_path


def read_card(path: str | Path) -> dict[str, Any]:
    _, card_path = model_paths(path)
    if not card_path.exists():
        raise ModelError(f"model card not found: {card_path}; a model is refused without its card")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"model card {card_path} is not valid JSON: {exc}") from exc
    if not isinstance(card, dict):
        raise ModelError(f"model card {card_path} is not a JSON object")
    return card


def _read_arrays(array_path: Path, expected: dict[str, str] = ARRAYS) -> dict[str, np.ndarray]:
    """The arrays of a model file: exactly ``expected``, or those and a context stage's."""
    try:
        with np.load(array_path, allow_pickle=False) as archive:
            names = set(archive.files)
            if names == set(expected) | set(CONTEXT_ARRAYS):
                expected = {**expected, **CONTEXT_ARRAYS}
            if names != set(expected):
                raise ModelError(
                    f"refusing to load {array_path}: unexpected arrays ({', '.join(sorted(names ^ set(expected)))})"
                )
            arrays = {name: archive[name] for name in expected}
    except ModelError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelError(f"refusing to load {array_path}: not a readable cdtext model file ({exc})") from exc
    for name, kind in expected.items():
        if arrays[name].dtype.kind != kind:
            raise ModelError(f"refusing to load {array_path}: array {name} has type {arrays[name].dtype}")
    return arrays


def load_model(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """Load a model after checking its hash against the card and the arrays against the expected layout."""
    from cdtext.classify.model import HEADS, PassageClassifier, TermWeights

    array_path, card_path = model_paths(path)
    if not array_path.exists():
        raise ModelError(f"model file not found: {array_path}")
    card = read_card(path)
    actual = file_sha256(array_path)
    if card.get("sha256") != actual:
        raise ModelError(
            f"refusing to load {array_path}: its SHA-256 ({actual[:12]}…) does not match the card "
            f"({str(card.get('sha256'))[:12]}…); the file was changed or replaced"
        )
    if card.get("format") == AVERAGED_FORMAT:
        return _load_averaged(array_path, card), card
    if card.get("format") != FORMAT:
        raise ModelError(f"refusing to load {array_path}: format {card.get('format')!r}, expected {FORMAT!r}")
    params = card.get("params") or {}
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ModelError(f"refusing to load {card_path}: unknown parameters {', '.join(unknown)}")
    arrays = _read_arrays(array_path)
    model = PassageClassifier(**params)
    n_heads = len(HEADS)
    terms = arrays["vocabulary"].tobytes().decode("utf-8").split("\n") if arrays["vocabulary"].size else []
    n_dense = 0
    encoder = None
    if model.features in ("static", "both"):
        from cdtext.classify.encoder import StaticEncoder

        info = card.get("encoder") or {}
        if not info.get("sha256"):
            raise ModelError(f"refusing to load {array_path}: its card does not list the encoder's file hashes")
        encoder = StaticEncoder(info.get("name") or model.encoder or "", expected=info["sha256"])
        n_dense = encoder.dim
    coef = arrays["coef"]
    shapes_ok = (
        coef.shape == (n_heads, len(terms) + n_dense)
        and arrays["intercept"].shape == (n_heads,)
        and arrays["calibration"].shape == (n_heads, 2)
        and arrays["thresholds"].shape == (n_heads,)
        and arrays["idf"].shape == (len(terms),)
    )
    if not shapes_ok:
        raise ModelError(f"refusing to load {array_path}: its arrays do not fit together (coef {coef.shape})")
    if terms:
        vectorizer = TermWeights(terms, arrays["idf"], model.ngram_max)
        model.vectorizer_ = vectorizer
    if encoder is not None:
        model.encoder_ = encoder
    model.coef_ = coef
    model.intercept_ = arrays["intercept"]
    model.calibration_ = arrays["calibration"]
    model.thresholds_ = arrays["thresholds"]
    model.classes_ = np.array(HEADS)
    model.context_ = _context_stage(arrays, array_path)
    return model, card


def save_averaged(
    calibration: np.ndarray,
    thresholds: np.ndarray,
    gate: float,
    path: str | Path,
    card: dict[str, Any],
    base: str,
    transformer: str,
    context: Any = None,
) -> tuple[Path, Path]:
    """Write an averaged model: its arrays, and a card naming the base model (a model beside it, with its card's
    SHA-256) and the transformer folder (with its files' SHA-256)."""
    from cdtext.classify.transformer import TransformerScorer
    from cdtext.export import atomic_path

    array_path, card_path = model_paths(path)
    base_card = read_card(array_path.with_name(base))
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        calibration=np.asarray(calibration, np.float64),
        thresholds=np.asarray(thresholds, np.float64),
        gate=np.asarray(gate, np.float64),
        **context_arrays(context),
    )
    with atomic_path(array_path, "wb") as fh:
        fh.write(buffer.getvalue())
    full = dict(card)
    full["format"] = AVERAGED_FORMAT
    if context is not None:
        full["context"] = {**(card.get("context") or {}), **context_card(context)}
    else:
        full.pop("context", None)
    full["base"] = {"name": base, "sha256": base_card["sha256"]}
    full["transformer"] = {"name": transformer, "sha256": TransformerScorer(transformer).sha256}
    full["file"] = array_path.name
    full["sha256"] = file_sha256(array_path)
    full.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    full["libraries"] = library_versions("onnxruntime", "tokenizers")
    with atomic_path(card_path, "w") as fh:
        json.dump(full, fh, indent=2, sort_keys=False)
        fh.write("\n")
    return array_path, card_path


def _load_averaged(array_path: Path, card: dict[str, Any]) -> Any:
    """The base model (beside this one, its card's SHA-256 as recorded), the transformer (its files' SHA-256 as
    recorded) and the arrays (7 Platt pairs, one threshold per head, the gate)."""
    from cdtext.classify.averaged import TRANSFORMER_HEADS, AveragedClassifier
    from cdtext.classify.model import HEADS
    from cdtext.classify.transformer import TransformerScorer

    base_info, transformer_info = card.get("base") or {}, card.get("transformer") or {}
    base_name = str(base_info.get("name") or "")
    if not base_name or "/" in base_name or "\\" in base_name or not transformer_info.get("sha256"):
        raise ModelError(f"refusing to load {array_path}: its card does not name its base model and transformer")
    if read_card(array_path.with_name(base_name)).get("format") != FORMAT:  # not itself averaged (no loops)
        raise ModelError(f"refusing to load {array_path}: its base model {base_name} is not a trained model")
    base, base_card = load_model(array_path.with_name(base_name))
    if base_card.get("sha256") != base_info.get("sha256"):
        raise ModelError(
            f"refusing to load {array_path}: its base model {base_name} is not the one it was built on; "
            "rebuild it with corpus/tools/build_default.py"
        )
    scorer = TransformerScorer(str(transformer_info.get("name") or ""), expected=transformer_info["sha256"])
    arrays = _read_arrays(array_path, AVERAGED_ARRAYS)
    gate = arrays["gate"]
    if (
        arrays["calibration"].shape != (len(TRANSFORMER_HEADS), 2)
        or arrays["thresholds"].shape != (len(HEADS),)
        or gate.shape != ()
        or not 0.0 <= float(gate) < 1.0
    ):
        raise ModelError(f"refusing to load {array_path}: its arrays do not fit together")
    return AveragedClassifier(
        base, scorer, arrays["calibration"], arrays["thresholds"], float(gate), _context_stage(arrays, array_path)
    )
