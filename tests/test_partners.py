"""Partner extraction (first step of the partner-network issue): who a passage shows the city engaging with."""

from __future__ import annotations

import pandas as pd
import pytest

import cdtext

CASES = [
    ("The mayor signed a sister city agreement with Kyoto during a visit to Japan.", {("Kyoto", "city", "JP"), ("Japan", "country", "JP")}),  # noqa: E501
    ("A delegation from Germany met the mayor to discuss trade.", {("Germany", "country", "DE")}),
    ("Denver joined C40 Cities and is a member of ICLEI.", {("C40 Cities", "network", ""), ("ICLEI", "network", "")}),
    ("Mayor Hancock met the Japanese ambassador and the Mayor of Takayama.", {("Japan", "country", "JP"), ("Takayama", "city", "JP")}),  # noqa: E501
    ("The city received funding from the European Union and the World Bank.", {("European Union", "international_org", ""), ("World Bank", "international_org", "")}),  # noqa: E501
    ("Mayor Lord met the Mayor of London, Ontario at the conference.", {("London", "city", "CA")}),
    # provinces and states abroad, from the ISO 3166-2 gazetteer, by English or local name or adjective
    ("The mayor led a trade mission to Bavaria and met officials in Gyeonggi.", {("Bavaria", "region", "DE"), ("Gyeonggi", "region", "KR")}),  # noqa: E501
    ("Officials from Jawa Barat and the Catalan government joined the summit.", {("West Java", "region", "ID"), ("Catalonia", "region", "ES")}),  # noqa: E501
    ("The council hosted a delegation from Lorient, its twin town in Brittany.", {("Lorient", "city", "FR")}),
    ("A Queensland Government delegation and Bavaria's trade mission met the mayor.", {("Queensland", "region", "AU"), ("Bavaria", "region", "DE")}),  # noqa: E501
    ("The council approved a contract with Delta and Continental for airport gates.", set()),
    ("The City of Piedmont signed the agreement with the county.", set()),
    # not partners: background, domestic places, people and words that share a place's name
    ("The festival drew visitors from all over the world, including Paris and Tokyo.", set()),
    ("The mayor visited Paris, Texas to meet local officials.", set()),
    ("The mayor welcomed Kobe’s delegation and signed a sister city agreement.", {("Kobe", "city", "JP")}),
    ("Our plan is aligned with the UN Sustainable Development Goals.", set()),
    ("The council welcomed a delegation from Boston and Chicago.", set()),
    ("George recently returned to the Carnegie Center after meeting the team.", set()),
    ("Reading the report, the council met to approve the budget.", set()),
    # people listed by surname are not cities, however a comma follows them; a city is placed by a real place
    ("Sponsored by Council Members Lander, Levine, Rosenthal and Levin, the resolution supports the partnership.", set()),  # noqa: E501
    ("Sponsor(s): Mendoza, Susana A. (Clerk); the council approved the agreement.", set()),
    ("Council Member Ben Kallos welcomed the delegation and thanked Ken for the meeting.", set()),
    ("The mayor signed the agreement with Fairfax, Mr Ted Jones said.", set()),
    # a country's or a state's name inside a person's or an organisation's name is neither
    ("Council Members Richardson Jordan and Hudson met the delegation with Victoria Rowell and George Washington.", set()),  # noqa: E501
    ("The council met the Nazi Germany memorial committee and the Vietnam Veterans group to sign an agreement.", set()),  # noqa: E501
    ("The mayor met the Governor of Puerto Rico and the Governor of Jalisco to sign an agreement.", {("Jalisco", "region", "MX")}),  # noqa: E501
    ("The council approved the appointment by the Mayor of David Do and met Council Member Ben Jordan.", set()),
    ("We welcomed the Mayor of Turin Chiara Appendino to sign an agreement.", {("Turin", "city", "IT")}),
    ("Ontario Premier Doug Ford signed an agreement with the mayor at the U.S.-China summit.", {("Ontario", "region", "CA"), ("China", "country", "CN")}),  # noqa: E501
    # a numbered part of a document and a company's initials in mixed case are not places
    ("The signatories report their actions, as listed in Annex 1 and in Annex 2, to the European Commission.", {("European Commission", "international_org", "")}),  # noqa: E501
    ("The city signed a partnership with MiRi, the catering company, and met the team in McAllen.", set()),
    ("The mayor flew to Dublin 2 weeks ago to sign the sister city agreement.", {("Dublin", "city", "IE")}),
    # streets and U.S. territories are not abroad
    ("The agency signed the lease for 539 Jersey Street and 12 Lebanon Street.", set()),
    # a smaller place named by everyday words is a description ("Old City" is also a town of 36,000 abroad)
    ("The council worked with the state to extend the innovation zone to the design studios in Old City.", set()),
    ("The council funded a relief mission to Puerto Rico and Guam after the storms.", set()),
    # "a sign of" or "sign up for" (a programme) shows nothing done with anyone; signing, or signing up to, does
    ("The new bakery is one more sign of the revival of Lisbon Street's shops in Lyon.", set()),
    ("Families can sign up for the reading programme at the library in Dublin.", set()),
    ("The mayor will sign the agreement in Dublin next week.", {("Dublin", "city", "IE")}),
    ("The city council signed up to the Global Covenant of Mayors last spring.", {("Global Covenant of Mayors", "network", "")}),  # noqa: E501
    ("Following the signing of the Covenant of Mayors, the city reports its emissions every two years.", {("Covenant of Mayors", "network", "")}),  # noqa: E501
    # a list of cities: one recognised member vouches for its neighbours, before or after it
    ("The award went to partner cities (Bergamo, Lund, Leuven, Barcelona) and to Nantes, Curtiba, Mannheim.", {("Bergamo", "city", "IT"), ("Lund", "city", "SE"), ("Leuven", "city", "BE"), ("Barcelona", "city", "ES"), ("Nantes", "city", "FR"), ("Mannheim", "city", "DE")}),  # noqa: E501
    ("The mayor joined a study tour in Utrecht, the Netherlands, and met officials.", {("Utrecht", "city", "NL")}),
    ("A delegation from the Netherlands visited the mayor.", {("The Netherlands", "country", "NL")}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_partners_of_a_us_city(text: str, expected: set[tuple[str, str, str]]) -> None:
    got = cdtext.extract_partners([text], city="Denver", country="US")
    assert set(zip(got.name, got.kind, got.country)) == expected
    assert all(text[s:e] == span for s, e, span in zip(got.start, got.end, got.span))
    assert not any(span.endswith(("'s", "’s", ".", ",")) for span in got.span)  # "Bavaria's" spans "Bavaria"
    assert got.confidence.between(0, 1).all()


def test_the_own_country_and_city_are_not_partners() -> None:
    text = "Limerick signed a twinning agreement with Spokane, Washington, and hosted a delegation from Cork."
    got = cdtext.extract_partners([text], city="Limerick", country="IE")
    assert list(zip(got.name, got.kind, got.country)) == [("Spokane", "city", "US")]


def test_a_namesake_on_the_documents_own_continent_is_preferred() -> None:
    text = "The mayor welcomed a delegation from Valencia and signed a cooperation agreement."
    in_europe = cdtext.extract_partners([text], city="Aachen", country="DE")
    in_america = cdtext.extract_partners([text], city="Denver", country="US")
    assert list(in_europe.country) == ["ES"]  # the Spanish city, though the Venezuelan one is larger
    assert list(in_america.country) == ["VE"]


def test_a_frame_with_its_own_cities() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "text": ["The mayor met the Mayor of Boston to sign an agreement.", "The mayor met the Mayor of Boston."],
            "city": ["Dublin", "Chicago"],
            "country": ["IE", "US"],
        }
    )
    got = cdtext.extract_partners(frame)
    assert list(got.passage) == ["a"] and list(got.name) == ["Boston"]


def _partner_corpus(tmp_path):
    from pathlib import Path

    folder = Path(tmp_path) / "in"
    folder.mkdir()
    (folder / "denver_2016.txt").write_text(
        "Denver signed a sister city agreement with Kyoto and welcomed a delegation from Germany.\n\n"
        "The mayor met the Mayor of Takayama to discuss tourism and trade between the two cities.\n\n"
        "Denver joined C40 Cities to work with other cities on climate action and clean energy.\n"
    )
    (folder / "austin_2016.txt").write_text(
        "Austin hosted the Japanese ambassador and signed an agreement with Kyoto on student exchanges.\n\n"
        "The council approved the budget for road repairs and the new library.\n"
    )
    return folder


def test_run_writes_partners_and_the_network_table(tmp_path) -> None:
    from click.testing import CliRunner

    from cdtext.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(_partner_corpus(tmp_path)), "--out", str(out), "--replicates", "10"])
    assert result.exit_code == 0, result.output
    partners = pd.read_csv(out / "partners.csv")
    pairs = set(zip(partners.city, partners.name))
    assert {("Denver", "Kyoto"), ("Austin", "Kyoto"), ("Denver", "C40 Cities")} <= pairs
    network = pd.read_csv(out / "network.csv", keep_default_na=False)
    assert list(network.columns[:2]) == ["city", "partner"]
    kyoto = network[(network.city == "Denver") & (network.partner == "Kyoto")]
    assert len(kyoto) >= 1 and kyoto.passages.min() == 1 and {"first_year", "last_year"} <= set(network.columns)
    assert len(cdtext.read_partners(out / "cdtext.duckdb")) == len(partners)
    # the report shows, for each partner named, a passage naming it with the name marked
    report = (out / "report.html").read_text(encoding="utf-8")
    section = report[report.index("Partners abroad") : report.index("<h2>Evidence")]
    assert "<mark>Kyoto</mark>" in section and "denver_2016.txt" in section


def test_units_by_the_documents_country_not_the_partners(tmp_path) -> None:
    """--by country groups by the document's country; the partner's stays partner_country (this crashed)."""
    from click.testing import CliRunner

    from cdtext.cli import main

    out = tmp_path / "out"
    args = ["run", str(_partner_corpus(tmp_path)), "--out", str(out), "--replicates", "10", "--by", "country"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    network = pd.read_csv(out / "network.csv", keep_default_na=False)
    assert set(network.country) == {"US"} and {"JP", "DE"} <= set(network.partner_country)
    profiles = pd.read_csv(out / "profiles.csv", keep_default_na=False)
    assert profiles.loc[profiles.country == "US", "n_partners"].iloc[0] >= 4
    report = CliRunner().invoke(
        main, ["report", "--store", str(out / "cdtext.duckdb"), "--out", str(tmp_path / "r.html")]
    )
    assert report.exit_code == 0, report.output
    assert "<mark>Kyoto</mark>" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["csv", "graphml", "gexf", "json"])
def test_network_command_formats(tmp_path, fmt: str) -> None:
    import networkx as nx
    from click.testing import CliRunner

    from cdtext.cli import main

    store = tmp_path / "s.duckdb"
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(_partner_corpus(tmp_path)), "--store", str(store), "-q"]).exit_code == 0
    out = tmp_path / f"net.{fmt}"
    result = runner.invoke(main, ["network", "--store", str(store), "--model", "fast", "--out", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        assert "Kyoto" in set(pd.read_csv(out).partner)
        return
    if fmt == "json":
        import json

        graph = nx.node_link_graph(json.loads(out.read_text()), edges="links")
    else:
        graph = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    assert graph.has_edge("unit:Denver", "city:Kyoto") and graph.has_edge("unit:Austin", "city:Kyoto")
    assert graph.nodes["city:Kyoto"]["country"] == "JP"
    assert int(graph.edges["unit:Denver", "city:Kyoto"]["weight"]) == 1


def test_partner_evaluation_counts_hits_misses_and_false_partners(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from cdtext.cli import main
    from cdtext.partners import evaluate_partners, read_partner_labels

    rows = [
        {"id": "1", "text": "Denver signed a sister city agreement with Kyoto.", "city": "Denver", "country": "US",
         "partners": [{"name": "Kyoto", "kind": "city", "country": "JP"}]},
        {"id": "2", "text": "A delegation from Germany met the mayor.", "city": "Denver", "country": "US",
         "partners": [{"name": "Germany", "kind": "country", "country": "DE"},
                      {"name": "ICLEI", "kind": "network", "country": ""}]},
        {"id": "3", "text": "The mayor met the Mayor of Takayama.", "city": "Denver", "country": "US", "partners": []},
    ]  # fmt: skip
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = evaluate_partners(read_partner_labels(path))
    assert result["kinds"]["city"] == {"support": 1, "precision": 0.5, "recall": 1.0, "f1": 0.6667}
    assert result["kinds"]["network"]["recall"] == 0.0 and result["overall"]["support"] == 3
    assert {e["error"] for e in result["errors"]} == {"false partner", "missed"}
    shown = CliRunner().invoke(main, ["evaluate", "--partners", str(path)])
    assert shown.exit_code == 0 and "overall" in shown.output and "international_org" in shown.output


def test_held_out_partner_figures_meet_the_targets() -> None:
    """corpus/partners/test.jsonl is held out (nothing was tuned on it); the issue's targets are F1 >= 0.85 overall
    and >= 0.75 per kind."""
    from pathlib import Path

    from cdtext.partners import evaluate_partners, read_partner_labels

    path = Path(__file__).resolve().parents[1] / "corpus" / "partners" / "test.jsonl"
    result = evaluate_partners(read_partner_labels(path))
    assert result["n_passages"] == 160
    assert result["overall"]["f1"] >= 0.85, result["overall"]
    # and F1 >= 0.75 for every kind
    assert all(k["f1"] >= 0.75 for k in result["kinds"].values()), result["kinds"]
