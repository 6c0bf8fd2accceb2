"""The classifier: estimator contract, API outputs, lexicon rules, explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cdtext.classify.api import Classifier
from cdtext.classify.lexicon import LexiconClassifier
from cdtext.classify.model import (
    HEADS,
    MIN_AREA_F1,
    MIN_AREA_POSITIVES,
    WITHHELD,
    PassageClassifier,
    _best_cut,
    apply_thresholds,
    best_threshold,
    cross_fitted_f1,
    head_threshold,
)
from cdtext.corpus import label_matrix, load_corpus
from cdtext.labels import FUNCTIONS, LABELS


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier.load()


@pytest.fixture(scope="module")
def standard() -> Classifier:
    """The shipped trained model (the default's base): its own TF-IDF and heads."""
    return Classifier.load("standard")


@pytest.fixture(scope="module")
def small_corpus() -> pd.DataFrame:
    df = load_corpus()
    return df[df.split == "train"].sample(400, random_state=1)


def test_estimator_contract(small_corpus: pd.DataFrame) -> None:
    est = PassageClassifier(C=2.0, cv=3)
    assert est.get_params()["C"] == 2.0
    assert not hasattr(est, "coef_"), "no learned state before fit"
    fitted = est.fit(small_corpus.text.tolist(), label_matrix(small_corpus))
    assert fitted is est
    assert est.coef_.shape[0] == len(HEADS) and est.thresholds_.shape == (len(HEADS),)
    twin = clone(est)
    assert twin.get_params() == est.get_params() and not hasattr(twin, "coef_")
    proba = est.predict_proba(small_corpus.text.tolist()[:7])
    assert proba.shape == (7, len(HEADS)) and ((proba >= 0) & (proba <= 1)).all()
    assert est.predict(small_corpus.text.tolist()[:7]).shape == (7, len(LABELS))


def test_fit_rejects_wrong_label_shape() -> None:
    with pytest.raises(ValueError, match="columns"):
        PassageClassifier().fit(["a b c"], np.zeros((1, 3)))


def test_best_threshold_finds_separating_cut() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8])
    assert 0.3 <= best_threshold(y, p) <= 0.6


def test_policy_area_no_better_than_chance_is_withheld() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.08).astype(int)
    noise = rng.random(400)
    # a policy area the probabilities cannot find is never given; a function with the same figures still is
    assert head_threshold("equity_rights", y, noise) == WITHHELD
    assert head_threshold("community_engagement", y, noise) == best_threshold(y, noise)
    # an area the probabilities do find keeps its cut
    found = np.clip(0.7 * y + 0.3 * noise, 0, 1)
    assert head_threshold("equity_rights", y, found) == best_threshold(y, found)
    assert cross_fitted_f1(y, found) > 0.9
    thresholds = np.full(len(HEADS), 0.5)
    thresholds[HEADS.index("equity_rights")] = WITHHELD
    labels = apply_thresholds(np.ones((3, len(HEADS))), thresholds)
    assert labels[:, LABELS.index("equity_rights")].sum() == 0
    assert labels[:, LABELS.index("climate_environment")].all()


def test_area_whose_cut_only_flatters_itself_is_withheld() -> None:
    # 20 positives in 200 with random probabilities: the best cut, judged on the passages it was chosen on,
    # clears the bar by luck; chosen on the other folds it does not
    rng = np.random.default_rng(31)
    y = np.zeros(200, int)
    y[rng.choice(200, MIN_AREA_POSITIVES, replace=False)] = 1
    p = rng.random(200)
    assert _best_cut(y, p)[1] >= MIN_AREA_F1 > cross_fitted_f1(y, p)
    assert head_threshold("public_health", y, p) == WITHHELD
    assert head_threshold("public_health", y, np.clip(0.7 * y + 0.3 * p, 0, 1)) < 1  # found: given
    assert cross_fitted_f1(np.array([1, 0, 0]), p[:3]) == 0.0  # one positive: cannot be judged


def test_cross_fitted_f1_uses_the_folds_given() -> None:
    y = np.array([1, 1, 0, 0, 1, 1, 0, 0])
    p = np.array([0.9, 0.8, 0.6, 0.2, 0.3, 0.35, 0.5, 0.1])
    # fold 1 (0.3, 0.35 | 0.5, 0.1) puts its cut at 0.11: fold 0 gets four labels, two right; fold 0 (0.9, 0.8 |
    # 0.6, 0.2) puts its cut at 0.61: fold 1 gets none. Two found of four, four given: F1 0.5
    halves = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert cross_fitted_f1(y, p, halves) == pytest.approx(0.5)
    assert cross_fitted_f1(y, p) != pytest.approx(0.5)  # the stratified folds differ
    # positives all in one fold: the other fold's cut is chosen with no positive beside it, so it gives nothing
    assert cross_fitted_f1(y, p, np.array([0, 0, 1, 1, 0, 0, 1, 1])) == 0.0
    # one fold only: stratified folds instead
    assert cross_fitted_f1(y, p, np.zeros(8, int)) == cross_fitted_f1(y, p)


def test_area_with_too_few_positives_is_withheld() -> None:
    y = np.zeros(200, int)
    y[: MIN_AREA_POSITIVES - 1] = 1
    perfect = y.astype(float)
    assert cross_fitted_f1(y, perfect) == 1.0
    assert head_threshold("public_health", y, perfect) == WITHHELD  # too few passages vouch for it
    assert head_threshold("economic_development", y, perfect) == best_threshold(y, perfect)  # functions: given
    y[MIN_AREA_POSITIVES - 1] = 1
    assert head_threshold("public_health", y, y.astype(float)) == best_threshold(y, y.astype(float))


def test_fit_withholds_an_area_its_features_cannot_find(small_corpus: pd.DataFrame) -> None:
    y = label_matrix(small_corpus).copy()
    area = LABELS.index("equity_rights")
    has_fn = y[:, : len(FUNCTIONS)].any(axis=1)
    rng = np.random.default_rng(0)
    y[:, area] = has_fn & (rng.random(len(y)) < 0.05)  # an area given at random: nothing in the text predicts it
    est = PassageClassifier(cv=3).fit(small_corpus.text.tolist(), y)
    assert est.thresholds_[HEADS.index("equity_rights")] == WITHHELD
    assert all(0.05 <= est.thresholds_[HEADS.index(f)] <= 0.95 for f in FUNCTIONS)
    assert est.predict(small_corpus.text.tolist())[:, area].sum() == 0


def test_predict_outputs_and_rules(shipped: Classifier) -> None:
    texts = [
        "Mayor Ruiz received the Ambassador of Japan at City Hall and presented him with the key to the city.",
        "Crews will repave Elm Street and replace two storm drains between March 3 and March 20.",
        "Under our Climate Action Plan target of net zero by 2040, the city joined the C40 network to learn "
        "from Copenhagen and Oslo how to electrify municipal buses.",
    ]
    out = shipped.predict(texts)
    assert list(out.columns[:2]) == ["id", "text"]
    for f in FUNCTIONS:
        assert f"p_{f}" in out.columns
    assert "diplomatic_representation" in out.functions[0]
    assert out.functions[1] == [] and out.p_no_function[1] > 0.5
    assert out.policy_anchored[1] is False or not out.policy_anchored[1]
    assert out.policy_areas[1] == []
    assert "global_policy_collaboration" in out.functions[2] and bool(out.policy_anchored[2])
    assert "climate_environment" in out.policy_areas[2]


def test_predict_frame_keeps_ids(shipped: Classifier) -> None:
    frame = pd.DataFrame({"id": ["x7", "y9"], "text": ["The consul general visited.", "Budget hearing."]})
    assert shipped.predict(frame).id.tolist() == ["x7", "y9"]
    assert len(shipped.predict([])) == 0


def test_explain_names_terms(shipped: Classifier) -> None:
    text = "The mayor led a trade mission of local exporters to Monterrey to find new buyers."
    explanation = shipped.explain(text)
    assert "economic_development" in explanation
    assert any("export" in term or "trade" in term for term in explanation["economic_development"])
    out = shipped.predict([text], explain=True)
    assert set(out.explanation[0]) >= set(out.functions[0])


def test_lexicon_needs_a_city_actor() -> None:
    lex = LexiconClassifier()
    no_actor = "Germany and France signed a treaty on trade and investment at a summit in Brussels."
    with_actor = "The mayor signed a trade agreement to attract foreign investment to our city."
    pred = lex.predict([no_actor, with_actor])
    assert pred[0, : len(FUNCTIONS)].sum() == 0
    assert pred[1, FUNCTIONS.index("economic_development")] == 1


def test_lexicon_classifier_through_api() -> None:
    clf = Classifier.load("lexicon")
    out = clf.predict(["The city council hosted the consular corps reception in the town hall."])
    assert "diplomatic_representation" in out.functions[0]


def test_predictions_batch_with_few_labels(tmp_path) -> None:
    """A batch where only a few passages carry labels is still written (DuckDB types a list column from a sample)."""
    from cdtext.store import Store, prediction_columns

    n = 5000
    frame = pd.DataFrame({c: [0.1] * n for c in prediction_columns() if c.startswith("p_")})
    frame["passage_id"] = [f"d-{i:05d}" for i in range(n)]
    frame["doc_id"], frame["model"], frame["model_sha256"] = "d", "m", "x"
    for column in ("functions", "policy_areas"):
        frame[column] = [["economic_development"] if i in (4897, 4933) else [] for i in range(n)]
    for column in set(prediction_columns()) - set(frame.columns) - {"classified_at"}:
        frame[column] = False if column.startswith("is_") else 0.0
    with Store(tmp_path / "s.duckdb") as s:
        s.write_predictions(frame)
        assert s._con.execute("SELECT count(*) FROM predictions WHERE len(functions) = 1").fetchone()[0] == 2


def test_term_weights_match_scikit_learn(standard: Classifier, small_corpus: pd.DataFrame) -> None:
    """The loaded model's own TF-IDF gives scikit-learn's matrix (to float32 rounding)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from cdtext.nlp import lemmatize

    model = standard.model
    lemmas = [lemmatize(t) for t in small_corpus.text] + ["", "  a  a b ", "ü\u00a0ñ x"]
    ref = TfidfVectorizer(
        ngram_range=(1, model.ngram_max), sublinear_tf=True, token_pattern=r"\S+", lowercase=False, dtype=np.float32
    )
    ref.vocabulary_ = dict(model.vectorizer_.vocabulary_)
    ref.idf_ = model.vectorizer_.idf_
    want, got = ref.transform(lemmas), model.vectorizer_.transform(lemmas)
    assert want.shape == got.shape and (want != 0).sum() == (got != 0).sum()
    assert abs(want - got).max() < 1e-6


def test_predicting_does_not_import_scikit_learn() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom cdtext.classify.api import Classifier\n"
        "Classifier.load().predict(['The mayor met the ambassador of Japan.'])\n"
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lexicon_and_trained_model_share_one_interface(shipped: Classifier) -> None:
    """Same head order for probabilities, same label order for decisions, no branch on which one it is."""
    from cdtext.classify.model import HEADS

    texts = ["The mayor hosted the ambassador of Japan at city hall.", "Potholes on Main Street."]
    for model in (LexiconClassifier(), shipped.model):
        proba = model.predict_proba(texts)
        assert proba.shape == (2, len(HEADS)) and model.thresholds_.shape == (len(HEADS),)
        labels = model.decide(proba)
        assert labels.shape == (2, len(LABELS)) and (model.predict(texts) == labels).all()


def test_weighted_figures_equal_repeating_each_passage_its_weight() -> None:
    from cdtext.classify.evaluate import brier, expected_calibration_error, precision_recall_f1

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 60)
    pred = np.where(rng.random(60) < 0.7, y, 1 - y)
    proba = np.clip(y * 0.6 + rng.random(60) * 0.4, 0, 1)
    w = rng.integers(1, 6, 60)
    rep = np.repeat(np.arange(60), w)
    assert precision_recall_f1(y, pred, w) == pytest.approx(precision_recall_f1(y[rep], pred[rep]))
    assert brier(y, proba, w) == pytest.approx(brier(y[rep], proba[rep]))
    assert expected_calibration_error(y, proba, weights=w) == pytest.approx(
        expected_calibration_error(y[rep], proba[rep])
    )
    assert precision_recall_f1(y, pred, w) != pytest.approx(precision_recall_f1(y, pred))  # the weights matter here
