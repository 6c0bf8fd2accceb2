"""How well does the classifier carry over to writing it was not trained on?

    python bench/generalisation.py

Trains the default estimator on slices A–F of the annotated corpus and
tests it on slices G and H, which were written later, in other registers
(domestic speech text; implicit real-document phrasing). The lexicon baseline
is scored on the same passages. A proxy for real documents, not a substitute.
"""

from __future__ import annotations

from cdtext.classify.api import Classifier
from cdtext.classify.evaluate import evaluate_predictions
from cdtext.classify.lexicon import LexiconClassifier
from cdtext.classify.model import PassageClassifier
from cdtext.corpus import label_matrix, load_corpus


def main() -> None:
    df = load_corpus()
    slice_ = df.id.str[0]
    train, test = df[slice_.isin(list("ABCDEF"))], df[slice_.isin(["G", "H"])]
    model = PassageClassifier().fit(train.text.tolist(), label_matrix(train))
    y = label_matrix(test)
    ours = evaluate_predictions(y, model.predict(test.text.tolist()), None, n_boot=500)
    lex = Classifier(LexiconClassifier(), name="lexicon")._proba_and_labels(test.text.tolist())[1]
    base = evaluate_predictions(y, lex, None, n_boot=500)
    print(f"train: slices A-F ({len(train)} passages); test: slices G+H ({len(test)} passages)")
    for key, title in (
        ("macro_f1", "macro-F1, functions"),
        ("anchoring_f1", "policy-anchoring F1"),
        ("no_function_f1", "no-function F1"),
    ):
        ci = ours.get(f"{key}_95ci")
        extra = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
        print(f"{title:<24} model {ours[key]:.3f}{extra}   lexicon {base[key]:.3f}")


if __name__ == "__main__":
    main()
