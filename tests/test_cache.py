"""Tables kept between runs (cdtext.cache) and the gazetteer built from them."""

from __future__ import annotations

import pytest

from cdtext import cache, places


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(folder))
    return folder


def test_a_table_is_read_back_only_under_its_own_key(cache_dir):
    cache.save("table", "k1", {"a": [1, 2]})
    assert cache.load("table", "k1") == {"a": [1, 2]}
    assert cache.load("table", "k2") is None
    cache.save("table", "k2", [3])
    assert cache.load("table", "k2") == [3]
    assert cache.load("table", "k1") is None  # the older version was replaced
    assert sorted(p.name for p in cache_dir.iterdir()) == ["table-k2.json"]


def test_a_damaged_table_is_not_read(cache_dir):
    cache.save("table", "k", {"a": 1})
    (cache_dir / "table-k.json").write_bytes(b'{"a": ')
    assert cache.load("table", "k") is None


def test_an_empty_setting_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, "")
    monkeypatch.chdir(tmp_path)
    assert cache.folder() is None
    cache.save("table", "k", [1])
    assert cache.load("table", "k") is None
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_made_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(cache.ENV, str(blocker / "cache"))
    cache.save("table", "k", [1])
    assert cache.load("table", "k") is None
    assert places.Gazetteer().entries("Paris")  # built as if there were no cache


def test_the_default_folder_is_the_users_cache(monkeypatch):
    monkeypatch.delenv(cache.ENV, raising=False)
    assert cache.folder().name == "cdtext"


def _lookups(gaz: places.Gazetteer) -> list:
    names = ["London", "Paris", "Gothenburg", "Seville", "Washington DC", "Springfield", "Portland", "Nowhere"]
    return [gaz.entries(n) for n in names] + [gaz.foreign_region("Bavaria"), gaz.match("Mayor of Osaka".split())]


def test_the_gazetteer_read_from_the_cache_is_the_one_built(cache_dir):
    places._iso_regions.cache_clear()
    built = places.Gazetteer()
    expected = _lookups(built)
    names = sorted(p.name.split("-")[0] for p in cache_dir.iterdir())
    assert names == ["cities", "regions"]
    places._iso_regions.cache_clear()
    kept = places.Gazetteer()
    assert _lookups(kept) == expected
    assert kept._cities == built._cities and kept._main == built._main
    assert expected[0][0][0].country == "GB" and expected[3][0][1] is False  # Seville: another spelling


def test_a_damaged_cached_gazetteer_is_rebuilt(cache_dir):
    places._iso_regions.cache_clear()
    expected = _lookups(places.Gazetteer())
    for path in cache_dir.iterdir():
        path.write_text("[1, 2", encoding="utf-8")
    places._iso_regions.cache_clear()
    assert _lookups(places.Gazetteer()) == expected
    assert all(len(p.read_bytes()) > 1000 for p in cache_dir.iterdir())  # written again


def test_a_cached_gazetteer_of_the_wrong_shape_is_rebuilt(cache_dir):
    places._iso_regions.cache_clear()
    expected = _lookups(places.Gazetteer())
    cities = next(cache_dir.glob("cities-*.json"))
    regions = next(cache_dir.glob("regions-*.json"))
    cities.write_text('[[[1, "X"]], {"london": [7]}, ["london"]]', encoding="utf-8")
    regions.write_text('{"bavaria": ["DE"]}', encoding="utf-8")
    places._iso_regions.cache_clear()
    assert _lookups(places.Gazetteer()) == expected


def test_without_a_key_the_tables_are_built_and_not_kept(cache_dir, monkeypatch):
    monkeypatch.setattr(places, "_tables_key", lambda min_population: None)
    places._iso_regions.cache_clear()
    gaz = places.Gazetteer()
    assert gaz.entries("Paris") and gaz.foreign_region("Bavaria") is not None
    assert not cache_dir.exists() or not list(cache_dir.iterdir())
    places._iso_regions.cache_clear()
