"""The label set of the codebook (docs/codebook.md), in one place."""

from __future__ import annotations

FUNCTIONS = (
    "economic_development",
    "diplomatic_representation",
    "global_policy_collaboration",
    "community_engagement",
    "international_events",
)
FUNCTION_NAMES = {
    "economic_development": "Economic Development",
    "diplomatic_representation": "Diplomatic Representation and Protocol",
    "global_policy_collaboration": "Global Policy Collaboration and Action",
    "community_engagement": "Community Engagement and Civic Empowerment",
    "international_events": "Hosting Special International Events",
}
ANCHORED = "policy_anchored"
POLICY_AREAS = (
    "climate_environment",
    "migration_inclusion",
    "public_health",
    "safety_security",
    "inclusive_economy",
    "equity_rights",
    "education_culture",
    "urban_development",
    "sustainable_development",
)
#: the columns of a label matrix, in order: five functions, anchoring, nine areas
LABELS = (*FUNCTIONS, ANCHORED, *POLICY_AREAS)
GENRES = ("press_release", "speech", "report", "plan", "resolution", "web_page", "news", "minutes")
#: short names for chart legends
FUNCTION_SHORT = {
    "economic_development": "Economic development",
    "diplomatic_representation": "Representation & protocol",
    "global_policy_collaboration": "Policy collaboration",
    "community_engagement": "Community engagement",
    "international_events": "International events",
}
