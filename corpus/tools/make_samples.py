"""Regenerate the sample report PDF in corpus/samples/.

    python corpus/tools/make_samples.py

The report is laid out by tests/helpers/synth.py: two columns, a running header, a
footer with page numbers and hyphenated line breaks, so the sample exercises
the PDF layout analysis end to end.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))  # the PDF writer lives with the test helpers
from helpers.synth import flow_report, write_pdf  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "samples" / "lakemont-international-affairs-report-2023.pdf"

BLOCKS = [
    ("heading", "Global Lakemont: Annual Report 2023"),
    (
        "paragraph",
        "This report describes the work of the Global Lakemont Office in its second full year. The office "
        "has a staff of three and a budget of 410,000 dollars, funded jointly by the City and the Lakemont "
        "Economic Development Corporation. It reports to the Deputy Mayor for Economic Opportunity.",
    ),
    ("heading", "Exports and investment"),
    (
        "paragraph",
        "The Global Lakemont Strategy adopted by the City Council in 2022 set a target of doubling the "
        "number of local companies that export by 2027, from 54 to 108. At the end of 2023 the count stood "
        "at 87. The largest gains came from the trade mission to Monterrey and Queretaro in May, after "
        "which four manufacturers signed contracts with Mexican buyers, and from the export-readiness "
        "clinics the office runs with the regional small business development center.",
    ),
    (
        "paragraph",
        "Two foreign-owned firms opened offices in the city during the year: a Danish maker of pump "
        "controls, which chose the Riverfront Innovation Center for its North American service hub, and a "
        "Korean battery-recycling company. Together they expect to employ ninety people by 2025.",
    ),
    ("heading", "Representation and protocol"),
    (
        "paragraph",
        "The office organised thirty-one official visits to City Hall, including the ambassadors of "
        "Ghana and Finland and a delegation of mayors from the Mexican state of Nuevo Leon. The Mayor "
        "hosted the annual reception for the consular corps in Chicago, whose members cover Lakemont, "
        "and made one official visit abroad, to Hamamatsu, for the thirtieth anniversary of the sister-city "
        "relationship.",
    ),
    ("heading", "Climate and water collaboration"),
    (
        "paragraph",
        "Lakemont joined the Global Covenant of Mayors in 2021. In 2023 the city submitted its second "
        "emissions inventory through the Covenant platform and took part in a peer-learning group on "
        "urban heat with Seville and Rotterdam. What staff learned there shaped the tree-planting plan "
        "that delivers the canopy goal of the Climate Action Plan, which calls for thirty percent "
        "canopy cover in every ward by 2035.",
    ),
    ("heading", "Residents and the world"),
    (
        "paragraph",
        "The Office of New Americans, which shares staff with the Global Lakemont Office, helped 912 "
        "residents prepare for citizenship interviews and offered city services information in eight "
        "languages. Twenty-two students from Hamamatsu spent two weeks with Lakemont families, and "
        "eighteen Lakemont students will travel to Japan next summer.",
    ),
    ("heading", "Events"),
    (
        "paragraph",
        "Preparations continued for the International Freshwater Summit, which the city will host on "
        "the waterfront in June 2024. The summit is expected to bring delegations from thirty countries "
        "and an estimated eleven million dollars in visitor spending.",
    ),
    ("heading", "Budget and staffing"),
    (
        "paragraph",
        "Personnel costs accounted for seventy-two percent of spending. The office filled its vacant "
        "protocol coordinator position in March. Travel costs for the Mayor's visit to Japan were paid "
        "by the Lakemont-Hamamatsu Friendship Society, not by the City.",
    ),
]


def main() -> None:
    pages = flow_report(
        BLOCKS,
        columns=2,
        header="City of Lakemont - Global Lakemont Office - Annual Report 2023",
        footer="Global Lakemont Office, 100 Main Street",
        hyphenate=True,
        size=12,
    )
    write_pdf(OUT, pages, title="Global Lakemont: Annual Report 2023")
    print(f"wrote {OUT} ({len(pages)} pages)")


if __name__ == "__main__":
    main()
