import pytest

from disclosure.registry import BUNDLED, Portal, RegistryError, load_registry, select


def test_bundled_registry_loads_and_lists_only_loopback_portals():
    portals = load_registry(BUNDLED)
    assert "simulated-county" in portals
    for portal in portals.values():
        assert all(url.startswith("http://127.0.0.1:") for url in portal.start_urls)


def test_registry_entries_and_selection(tmp_path):
    path = tmp_path / "portals.toml"
    path.write_text(
        '[[portal]]\nname = "a"\nregion = "甲县"\nstart_urls = ["http://127.0.0.1:1/a/index.html"]\n'
        '[portal.hints]\nitem_pattern = "t\\\\d+"\n'
        '[[portal]]\nname = "b"\nstart_urls = ["http://127.0.0.1:1/b/index.html"]\n',
        encoding="utf-8",
    )
    portals = load_registry(path)
    assert portals["a"] == Portal(
        name="a", region="甲县", start_urls=("http://127.0.0.1:1/a/index.html",), hints={"item_pattern": "t\\d+"}
    )
    assert [p.name for p in select(portals, [])] == ["a", "b"]
    assert [p.name for p in select(portals, ["b"])] == ["b"]
    with pytest.raises(RegistryError, match="unknown portal c"):
        select(portals, ["c"])


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[portal]]\nname = 'x'\n", "needs a name and a list of start_urls"),
        ("[[portal\n", "not valid TOML"),
        ("[[portal]]\nname='x'\nstart_urls=['u']\n[[portal]]\nname='x'\nstart_urls=['u']\n", "listed twice"),
    ],
)
def test_bad_registries_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


def test_missing_registry(tmp_path):
    with pytest.raises(RegistryError, match="does not exist"):
        load_registry(tmp_path / "nope.toml")


def test_platform_and_revalidation_cadence_are_read_and_carried(tmp_path):
    path = tmp_path / "portals.toml"
    path.write_text(
        '[[portal]]\nname = "a"\nstart_urls = ["http://127.0.0.1:1/col/col1/index.html"]\n'
        'platform = "hanweb"\nrevalidate_days = 7\n'
        '[[portal]]\nname = "b"\nstart_urls = ["http://127.0.0.1:1/b/index.html"]\n',
        encoding="utf-8",
    )
    portals = load_registry(path)
    assert (portals["a"].platform, portals["a"].revalidate_days) == ("hanweb", 7)
    assert (portals["b"].platform, portals["b"].revalidate_days) == (None, 1)
    assert load_registry(BUNDLED)["simulated-county"].platform == "trs"


@pytest.mark.parametrize(
    "field, message",
    [
        ('platform = "wordpress"', "platform 'wordpress' is not one of .*trs.*generic"),
        ("revalidate_days = -1", "revalidate_days must be a whole number"),
        ('revalidate_days = "weekly"', "revalidate_days must be a whole number"),
        ("revalidate_days = 1.5", "revalidate_days must be a whole number"),
        ("revalidate_days = true", "revalidate_days must be a whole number"),
    ],
)
def test_a_bad_platform_or_cadence_names_its_portal(tmp_path, field, message):
    path = tmp_path / "portals.toml"
    path.write_text(f'[[portal]]\nname = "x"\nstart_urls = ["http://127.0.0.1:1/"]\n{field}\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=f"portal 'x': {message}"):
        load_registry(path)
