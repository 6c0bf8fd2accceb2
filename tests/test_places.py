"""Cities and countries from the gazetteer: clues, refusals, --meta precedence, --by country."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REALWORLD

import cdtext
from cdtext.places import gazetteer, infer_place

SPEECH = "Good evening. Thank you all for coming tonight. " * 3


def test_file_name_gives_the_city() -> None:
    guess = infer_place(SPEECH, path="/data/speeches/seattle_2016.txt")
    assert (guess.city, guess.country) == ("Seattle", "US")
    assert "file name" in guess.clue and guess.confidence >= 0.5
    assert infer_place(SPEECH, path="x/new_york_2015.txt").city == "New York City"
    assert infer_place(SPEECH, path="x/los_angeles_2017.txt").city == "Los Angeles"
    # "Washington, D.C." is GeoNames' other spelling of Washington: "Washington DC" and "District of Columbia" too
    assert infer_place(SPEECH, path="plans/Washington_DC_Green_Plan_2019.txt").city == "Washington"
    assert infer_place(SPEECH, path="by_city/United_States__District_of_Columbia_DC__1.txt").city == "Washington"


def test_questionnaire_style_names_use_their_country() -> None:
    guess = infer_place("Our targets.", path="by_city/United_Kingdom__Richmond_Council__848474.txt")
    assert guess.country == "GB" and guess.city == "Richmond"
    guess = infer_place("Our targets.", path="by_city/United_States__City_of_Richmond_VA__49334.txt")
    assert guess.country == "US"


def test_a_country_in_the_file_name_keeps_its_cities_there() -> None:
    # the gazetteer's only Wyndham is in Virginia: a file name naming Australia gives the country, no U.S. town
    guess = infer_place("Wyndham City Council aims to cut emissions.", path="by_city/Australia__Wyndham_City__1.txt")
    assert (guess.city, guess.country) == (None, "AU")
    # a name with a namesake in the file name's country is read there ("London", Ontario, not England)
    text = "The Mayor of London and London City Council set a target."
    guess = infer_place(text, path="by_city/Canada__City_of_London_ON__2.txt")
    assert (guess.city, guess.country) == ("London", "CA")
    # the text can still place a city outside the file name's country when it says where it is
    text = "Seattle, Washington. The Mayor of Seattle led the delegation. Seattle thanks Kobe. " * 2
    guess = infer_place(text, path="trips/Seattle_Japan_trip.txt")
    assert (guess.city, guess.country) == ("Seattle", "US")


def test_region_mentions_tell_namesakes_apart() -> None:
    text = "Minutes of the London City Council, Ontario. " + "London, Ontario residents spoke. " * 3
    guess = infer_place(text, path="minutes/2025_01_14_Meeting.md")
    assert (guess.city, guess.country) == ("London", "CA")
    assert infer_place("The Mayor of London said London " * 3).country == "GB"


def test_a_few_places_abroad_do_not_move_a_city_to_a_smaller_namesake() -> None:
    # Irish minutes that mention France, Germany and one U.S. state: Limerick is still the Irish city, not the
    # Pennsylvanian one (written for this test)
    text = (
        "Minutes of the Meeting of Limerick City and County Council. The Cathaoirleach welcomed the twinning "
        "committee back from France and Germany and noted the letter from a school in Massachusetts. "
    )
    guess = infer_place(text, path="limerick_minutes/2016/23_Full_Meeting_of_Limerick_City_and_County_Council.md")
    assert (guess.city, guess.country) == ("Limerick", "IE")


def test_the_currency_of_the_amounts_tells_namesakes_apart() -> None:
    # minutes of an Irish council back from a U.S. trip, never naming Ireland (written for this test)
    text = (
        "Minutes of the Meeting of Limerick City and County Council. The delegation to the USA reported on the "
        "visit to New York and Boston; members thanked the hosts in the USA. The USA trip cost EUR 4,000. "
        "Grants approved: €12,000 for the festival, €3,500 for the library and €8,200 for the greenway."
    )
    path = "limerick_minutes/2023/25_Full_Meeting_of_Limerick_City_and_County_Council.md"
    guess = infer_place(text, path=path)
    assert (guess.city, guess.country) == ("Limerick", "IE")
    # the same minutes counting in dollars leave the choice to the other clues
    assert infer_place(text.replace("€", "$"), path=path).country == "US"


def test_two_close_cities_of_one_country_still_give_the_country() -> None:
    # a resolution about a neighbourhood's Pakistani community: Brooklyn or New York City, too close to call,
    # but both in the United States, which Pakistan's many mentions must not override (written for this test)
    text = (
        "Resolution naming Little Pakistan in Brooklyn. Whereas, families from Pakistan settled in Brooklyn and "
        "New York City; Whereas, Pakistan Day is celebrated in New York City; Whereas, the trade between Pakistan "
        "and New York City grows; Whereas, Pakistan's consulate thanks Brooklyn; Whereas, Pakistan and Brooklyn; "
        "Whereas, Brooklyn and New York City, and Brooklyn and New York City, welcome Pakistan's visitors."
    )
    guess = infer_place(text)
    assert guess.city is None and guess.country == "US", guess


def test_a_persons_name_is_not_a_small_town() -> None:
    # "Rosa" is a town in Italy and "Teresa" one in the Philippines; here they are people (written for this test)
    text = (
        "Resolution establishing a Rosa Parks Day in the City of New York. Whereas, Rosa Parks refused to give up "
        "her seat; Whereas, Rosa Parks is honoured by the Council; Whereas, Mother Teresa and Rosa Parks inspire "
        "New Yorkers; Whereas, Rosa Parks."
    )
    guess = infer_place(text, title="Rosa Parks Day")
    assert guess.city in (None, "New York City") and guess.country in (None, "US"), guess
    # a town's name beside a word of government is still the town
    assert infer_place("Minutes of the Byron Council. Byron Council met. " * 2, path="x/m.md").city == "Byron"


def test_a_road_named_after_a_place_is_no_clue() -> None:
    # a council's news about the upgrade of a road named after another city (written for this test)
    text = (
        "The second stage of the Brisbane Road upgrade is finished. Works on Brisbane Road resume in March; "
        "detours on Brisbane Road, Brisbane Road North and London Street stay in place. The Sunshine Coast "
        "thanks residents."
    )
    guess = infer_place(text, path="sunshine_coast_news/your-november-round-up-for-the-brisbane-road-upgrade.md")
    assert (guess.city, guess.country) == ("Sunshine Coast", "AU"), guess


def test_one_city_of_x_is_enough() -> None:
    # a council resolution that names its city once, in the words that open it (written for this test)
    text = "Whereas, the Council of the City of Boston supports the treaty; now, therefore, be it resolved."
    assert infer_place(text).city == "Boston"


def test_text_clues_without_a_useful_file_name() -> None:
    text = "HOUSTON, March 3, 2022 — Mayor Turner announced. Houston. It's a great day for Houston."
    assert infer_place(text, path="inbox/doc1.txt").city == "Houston"


def test_a_state_name_after_city_of_names_its_city() -> None:
    # a council resolution that never writes "New York City" and mentions other places (written for this test)
    text = (
        "By Council Member Rivera: Resolution calling upon the Council of the City of New York to recognise "
        "the service of Puerto Rican veterans. Whereas Puerto Ricans in Puerto Rico and in Houston, Chicago and "
        "New Orleans served; Whereas the City of New York honours them; Resolved, that the New York City Council "
        "recognises Puerto Rican Heritage Month."
    )
    guess = infer_place(text, title="Recognising Puerto Rican veterans")
    assert (guess.city, guess.country) == ("New York City", "US")
    assert "text pattern" in guess.clue


def test_words_that_are_not_places_never_become_units() -> None:
    for text in ("Tuesday. My friends, All of you, One city.", "City of Zzyzxville and the Mayor of Qwertyton."):
        assert infer_place(text, path="inbox/remarks.txt").city is None
    # a place name that is an everyday word needs more than one weak clue
    assert infer_place("Reading the report, we agreed.", path="inbox/notes.txt").city is None


def test_gazetteer_basics() -> None:
    gaz = gazetteer()
    assert gaz.country("Germany") == "DE" and gaz.country("UK") == "GB" and gaz.country("fr") == "FR"
    assert gaz.country("Netherlands") == gaz.country("the Netherlands") == "NL"  # GeoNames: "The Netherlands"
    # a country's three-letter code counts in capitals only: "Ben", "Can" and "Sen" are words or names
    assert [kind for *_, kind in gaz.match(["BEN"])] == ["country"] and gaz.match(["Ben"]) == gaz.match(["Can"]) == []
    assert gaz.cities("Sevilla")[0].name == gaz.cities("Seville")[0].name
    assert gaz.region("Ontario") == ("CA", "08")
    assert gaz.is_common_word("Reading") and not gaz.is_common_word("Seattle")
    # provinces and states elsewhere (ISO 3166-2), under their English name
    assert (
        gaz.foreign_region("Bayern") == gaz.foreign_region("Bavaria") and gaz.foreign_region("Bayern").name == "Bavaria"
    )
    assert gaz.foreign_region("Guangdong Sheng").name == "Guangdong" and gaz.foreign_region("Kanagawa").country == "JP"
    assert gaz.foreign_region("Southern Region") is None and gaz.foreign_region("Delta") is None


def _ingest(tmp_path: Path, files: dict[str, str], *extra: str) -> pd.DataFrame:
    folder = tmp_path / "in"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    store = tmp_path / "s.duckdb"
    cmd = [sys.executable, "-m", "cdtext", "ingest", str(folder), "--store", str(store), "--jobs", "1", *extra]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    docs = cdtext.read_documents(store)
    return docs.assign(name=docs.path.map(lambda p: Path(p).name))


def test_store_records_country_clue_and_confidence(tmp_path: Path) -> None:
    body = "The council met to discuss the new park and the budget for road repairs in the coming year. "
    docs = _ingest(tmp_path, {"denver_2016.txt": SPEECH + body * 5, "notes.txt": body * 5})
    row = docs.set_index("name").loc["denver_2016.txt"]
    assert (row.city, row.country) == ("Denver", "US")
    source = json.loads(row.meta_source)
    assert (
        source["city"] == "inferred" and "file name" in source["city_clue"] and float(source["city_confidence"]) > 0.5
    )
    assert pd.isna(docs.set_index("name").loc["notes.txt"].city)


def test_meta_wins_and_its_city_gets_a_country(tmp_path: Path) -> None:
    body = "The City of Paris and the Mayor of Paris welcomed the plan for Paris parks. " * 5
    meta = tmp_path / "meta.csv"
    meta.write_text("file,city\nparis_note.txt,Lyon\nsecond.txt,Osaka\n", encoding="utf-8")
    files = {"paris_note.txt": body, "second.txt": body + " A second note."}
    docs = _ingest(tmp_path, files, "--meta", str(meta)).set_index("name")
    assert (docs.loc["paris_note.txt"].city, docs.loc["paris_note.txt"].country) == ("Lyon", "FR")
    assert docs.loc["second.txt"].country == "JP"
    source = json.loads(docs.loc["paris_note.txt"].meta_source)
    assert source["city"] == "meta" and source["country"] == "gazetteer" and "city_clue" not in source


def test_profile_by_country(tmp_path: Path) -> None:
    body = "The mayor met the delegation from Kyoto to sign a sister city agreement on culture. "
    files = {f"{name}.txt": f"{name} notes. " + body * 4 for name in ("denver_2016", "aachen_plan", "paris_plan")}
    _ingest(tmp_path, files)
    out = tmp_path / "p.csv"
    cmd = [sys.executable, "-m", "cdtext", "profile", "--store", str(tmp_path / "s.duckdb"), "--by", "country"]
    subprocess.run([*cmd, "--replicates", "0", "--model", "fast", "--out", str(out)], check=True, timeout=300)
    assert sorted(pd.read_csv(out, keep_default_na=False).country) == ["DE", "FR", "US"]


@pytest.mark.realworld
def test_real_speeches_and_climate_contracts_get_their_cities() -> None:
    """Acceptance: every speech city (from file names and text) and every Climate City Contract's city."""
    if not REALWORLD.exists():
        pytest.skip(f"{REALWORLD} is absent")
    from cdtext.ingestion.readers import read_document

    meta = pd.read_csv(REALWORLD / "speeches" / "sotc_metadata.csv").set_index("id").city
    expected = {p: meta[p.stem] for p in sorted((REALWORLD / "speeches" / "text").glob("*.txt"))}
    expected |= {p: p.stem for p in sorted((REALWORLD / "climate_city_contracts").glob("*.md"))}
    gaz = gazetteer()
    wrong = []
    for path, city in expected.items():
        doc = read_document(path)
        text = "\n\n".join(b.text for b in doc.blocks)
        got = infer_place(text, path=str(path), title=doc.title).city
        same = got is not None and any(p.name == got for p in gaz.cities(city))
        if not same:
            wrong.append(f"{path.name}: {got!r}, expected {city}")
    assert len(expected) >= 57 and not wrong, wrong


def test_a_new_meta_city_on_an_unchanged_file_gets_its_country(tmp_path: Path) -> None:
    body = "The council discussed the new library opening hours and the budget. " * 5
    meta = tmp_path / "meta.csv"
    meta.write_text("file,city\nnote.txt,Lyon\n", encoding="utf-8")
    docs = _ingest(tmp_path, {"note.txt": body}, "--meta", str(meta)).set_index("name")
    assert (docs.loc["note.txt"].city, docs.loc["note.txt"].country) == ("Lyon", "FR")
    meta.write_text("file,city\nnote.txt,Osaka\n", encoding="utf-8")
    docs = _ingest(tmp_path, {"note.txt": body}, "--meta", str(meta)).set_index("name")
    assert (docs.loc["note.txt"].city, docs.loc["note.txt"].country) == ("Osaka", "JP")
    assert json.loads(docs.loc["note.txt"].meta_source)["country"] == "gazetteer"
