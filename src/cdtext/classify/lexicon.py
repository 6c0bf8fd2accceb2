"""The lexicon baseline: the codebook's indicator phrases as spaCy matchers on lemmas.

Works with no training. Each label has a list of indicator phrases, matched
on lemmas with spaCy's ``PhraseMatcher`` (so "signed agreements" matches
"sign agreement"). Decision rules on top of the matches:

* a function needs a **city actor** in the passage (the city, the mayor, the
  council, "we"/"our" ...) — international content with no city actor gets no
  label (codebook rule 5);
* ``policy_anchored`` needs a function and an anchoring cue (a plan,
  strategy, target, goal, commitment, priority, indicator, a year target);
* policy areas are reported only for passages with a function.

A label's probability is ``1 - 0.5 ** matches`` (one match 0.5, two 0.75,
…), zero without the actor. The matched phrases are also the explanation
vocabulary of the trained model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import numpy as np

from cdtext.labels import ANCHORED, FUNCTIONS, LABELS

INDICATORS: dict[str, tuple[str, ...]] = {
    "economic_development": (
        "trade mission",
        "trade delegation",
        "business delegation",
        "export",
        "exporter",
        "exporting",
        "foreign direct investment",
        "fdi",
        "foreign investment",
        "foreign investor",
        "inward investment",
        "investment promotion",
        "attract investment",
        "investor",
        "overseas market",
        "international market",
        "new market",
        "foreign company",
        "foreign firm",
        "international company",
        "open an office",
        "headquarters",
        "tourism",
        "tourist",
        "visitor economy",
        "direct flight",
        "nonstop flight",
        "air route",
        "air service",
        "port of",
        "shipping route",
        "trade agreement",
        "investment agreement",
        "business forum",
        "trade fair",
        "trade show",
        "expo booth",
        "supply chain",
        "soft landing",
        "economic development",
        "chamber of commerce",
        "global business",
        "world trade center",
    ),
    "diplomatic_representation": (
        "ambassador",
        "consul",
        "consul general",
        "consulate",
        "consular corps",
        "consular",
        "embassy",
        "head of state",
        "prime minister",
        "president of",
        "minister",
        "foreign minister",
        "delegation",
        "official visit",
        "state visit",
        "courtesy call",
        "protocol",
        "dignitary",
        "key to the city",
        "honorary citizen",
        "honorary citizenship",
        "official gift",
        "receive",
        "welcome",
        "host a reception",
        "reception",
        "signing ceremony",
        "sign a memorandum",
        "memorandum of understanding",
        "mou",
        "sister city agreement",
        "friendship agreement",
        "diplomatic",
        "diplomat",
        "foreign dignitary",
        "visiting",
        "call on",
    ),
    "global_policy_collaboration": (
        "c40",
        "uclg",
        "iclei",
        "global covenant of mayors",
        "covenant of mayors",
        "resilient cities network",
        "100 resilient cities",
        "mayors migration council",
        "strong cities network",
        "cities alliance",
        "under2 coalition",
        "eurocities",
        "metropolis",
        "city network",
        "network of cities",
        "peer learning",
        "peer exchange",
        "best practice",
        "share experience",
        "exchange knowledge",
        "knowledge exchange",
        "joint declaration",
        "declaration",
        "pledge",
        "commitment",
        "cop",
        "urban 20",
        "u20",
        "world urban forum",
        "global summit",
        "sustainable development goal",
        "sdg",
        "voluntary local review",
        "vlr",
        "2030 agenda",
        "new urban agenda",
        "paris agreement",
        "climate network",
        "partner city",
        "counterpart",
        "collaborate with city",
        "joint project",
        "international cooperation",
        "decentralised cooperation",
        "decentralized cooperation",
    ),
    "community_engagement": (
        "immigrant",
        "refugee",
        "newcomer",
        "new american",
        "asylum",
        "integration",
        "welcoming city",
        "diaspora",
        "language access",
        "interpretation",
        "translation",
        "citizenship",
        "naturalization",
        "naturalisation",
        "student exchange",
        "youth exchange",
        "exchange program",
        "exchange programme",
        "host family",
        "global citizen",
        "global citizenship",
        "young people",
        "student",
        "youth",
        "cultural exchange",
        "heritage",
        "community",
        "resident",
        "multilingual",
        "english class",
        "women entrepreneur",
        "minority",
        "civic",
        "town hall meeting",
        "volunteer",
        "school",
    ),
    "international_events": (
        "olympic",
        "olympics",
        "paralympic",
        "world cup",
        "fifa",
        "expo",
        "world expo",
        "general assembly",
        "summit",
        "conference",
        "host the",
        "host city",
        "hosting",
        "bid",
        "biennial",
        "biennale",
        "festival",
        "international festival",
        "games",
        "championship",
        "world championship",
        "legacy",
        "sxsw",
        "international congress",
        "forum",
        "delegates",
        "visitors from",
    ),
}
ANCHOR_CUES: tuple[str, ...] = (
    "plan",
    "action plan",
    "climate action plan",
    "strategy",
    "strategic",
    "target",
    "goal",
    "objective",
    "priority",
    "pillar",
    "commitment",
    "commit",
    "indicator",
    "kpi",
    "milestone",
    "roadmap",
    "agenda",
    "in line with",
    "as part of",
    "deliver on",
    "on track",
    "baseline",
    "neutrality",
    "net zero",
    "carbon neutral",
    "resolution",
    "mandate",
    "framework",
    "policy",
)
AREA_INDICATORS: dict[str, tuple[str, ...]] = {
    "climate_environment": (
        "climate",
        "emission",
        "carbon",
        "net zero",
        "renewable",
        "energy",
        "solar",
        "heat",
        "flood",
        "sustainability",
        "sustainable",
        "environment",
        "green",
        "tree",
        "biodiversity",
        "air quality",
        "waste",
        "recycle",
        "circular economy",
        "decarbonisation",
        "decarbonization",
        "electric vehicle",
    ),
    "migration_inclusion": (
        "immigrant",
        "immigration",
        "migrant",
        "migration",
        "refugee",
        "asylum",
        "newcomer",
        "integration",
        "welcoming city",
        "new american",
        "citizenship",
        "diaspora",
        "undocumented",
    ),
    "public_health": (
        "health",
        "pandemic",
        "covid",
        "vaccine",
        "vaccination",
        "hospital",
        "disease",
        "epidemic",
        "overdose",
        "mental health",
        "clinic",
        "public health",
    ),
    "safety_security": (
        "safety",
        "security",
        "police",
        "policing",
        "violent extremism",
        "terrorism",
        "crime",
        "disaster",
        "resilience",
        "resilient",
        "emergency",
        "earthquake",
        "preparedness",
        "violence",
    ),
    "inclusive_economy": (
        "job",
        "employment",
        "workforce",
        "worker",
        "wage",
        "small business",
        "entrepreneur",
        "export",
        "investment",
        "trade",
        "economy",
        "economic",
        "growth",
        "prosperity",
        "skill",
        "apprenticeship",
    ),
    "equity_rights": (
        "human right",
        "right",
        "gender",
        "women",
        "equality",
        "equity",
        "racial",
        "discrimination",
        "lgbt",
        "inclusion",
        "disability",
        "justice",
    ),
    "education_culture": (
        "education",
        "school",
        "student",
        "university",
        "youth",
        "culture",
        "cultural",
        "art",
        "artist",
        "museum",
        "heritage",
        "music",
        "library",
        "language",
    ),
    "urban_development": (
        "housing",
        "transport",
        "transit",
        "infrastructure",
        "smart city",
        "digital",
        "mobility",
        "water",
        "stormwater",
        "urban planning",
        "rail",
        "bus",
        "broadband",
        "data",
        "technology",
        "waterfront",
        "regeneration",
    ),
    "sustainable_development": (
        "sdg",
        "sustainable development goal",
        "2030 agenda",
        "voluntary local review",
        "vlr",
        "global goals",
        "agenda 2030",
    ),
}
CITY_ACTORS: tuple[str, ...] = (
    "city",
    "mayor",
    "council",
    "councillor",
    "councilmember",
    "alderman",
    "municipality",
    "municipal",
    "town",
    "we",
    "our",
    "us",
    "i",
    "my",
    "city hall",
    "office of international affairs",
    "international office",
    "deputy mayor",
    "lord mayor",
    "metropolitan",
    "county",
    "borough",
    "administration",
    "department",
    "government",
    "commission",
    "committee",
    "local government",
)


@cache
def _matchers() -> tuple[Any, Any]:
    from spacy.matcher import PhraseMatcher

    from cdtext.nlp import load_pipeline

    nlp = load_pipeline("lemmas")
    matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
    groups = {**{f: INDICATORS[f] for f in FUNCTIONS}, ANCHORED: ANCHOR_CUES, "_actor": CITY_ACTORS}
    groups.update(AREA_INDICATORS)
    for label, phrases in groups.items():
        matcher.add(label, list(nlp.pipe(phrases)))
    return nlp, matcher


def match_phrases(texts: Iterable[str]) -> list[dict[str, list[str]]]:
    """For each text, the indicator phrases found per label (lower-cased)."""
    nlp, matcher = _matchers()
    out = []
    # lower-cased first: the lookup lemmatizer is case-sensitive ("Strategy" would stay "Strategy")
    for doc in nlp.pipe((t.lower() for t in texts), batch_size=256):
        found: dict[str, list[str]] = {}
        for match_id, start, end in matcher(doc):
            label = nlp.vocab.strings[match_id]
            found.setdefault(label, []).append(doc[start:end].text.lower())
        out.append(found)
    return out


class LexiconClassifier:
    """Rule-based baseline over indicator phrases, with the trained model's interface.

    ``predict_proba`` gives ``(n, 16)`` in :data:`cdtext.classify.model.HEADS` order (``any_function`` is the
    largest function probability), ``decide`` turns them into labels in :data:`cdtext.labels.LABELS` order
    with the same rule as the trained model (0.5 for every head; anchoring and areas only with a function).
    """

    labels = LABELS

    def _label_proba(self, texts: Sequence[str]) -> np.ndarray:
        probs = np.zeros((len(texts), len(LABELS)))
        for i, found in enumerate(match_phrases(texts)):
            actor = bool(found.get("_actor"))
            for j, label in enumerate(LABELS):
                n = len(found.get(label, []))
                probs[i, j] = 1 - 0.5**n if n else 0.0
            fn = probs[i, : len(FUNCTIONS)]
            if not actor:
                fn[:] = 0.0
            if fn.max() < 0.5:
                probs[i, len(FUNCTIONS) :] = 0.0
        return probs

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        probs = self._label_proba(texts)
        any_fn = probs[:, : len(FUNCTIONS)].max(axis=1, initial=0.0)[:, None]
        return np.hstack([probs[:, : len(FUNCTIONS)], any_fn, probs[:, len(FUNCTIONS) :]])

    @property
    def thresholds_(self) -> np.ndarray:
        return np.full(len(LABELS) + 1, 0.5)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Head probabilities -> 0/1 labels in LABELS order (the trained model's rule)."""
        from cdtext.classify.model import apply_thresholds

        return apply_thresholds(proba, self.thresholds_)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.decide(self.predict_proba(texts))

    def explain(self, text: str) -> dict[str, list[str]]:
        found = match_phrases([text])[0]
        return {k: sorted(set(v)) for k, v in found.items() if not k.startswith("_")}
