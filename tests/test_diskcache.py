"""The on-disk cache (pdfgen/diskcache.py) saves time and never changes a result: an
edited source, a corrupt entry or an unusable folder all give what no cache gives."""

from __future__ import annotations

import os

import pytest

from pdfgen import diskcache


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "data.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    return path


def _builder(calls: list):
    def build(data: bytes):
        calls.append(data)
        return {"text": data.decode(), "n": len(calls)}
    return build


def test_built_once_then_read_from_the_cache(tmp_path, source, monkeypatch):
    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(tmp_path / "cache"))
    calls: list = []
    first = diskcache.cached_data("t", source, _builder(calls))
    again = diskcache.cached_data("t", source, _builder(calls))
    assert first == again == {"text": "a: 1\n", "n": 1}
    assert len(calls) == 1
    assert len(list((tmp_path / "cache").glob("t-*.marshal"))) == 1


def test_an_edited_source_is_built_anew(tmp_path, source, monkeypatch):
    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(tmp_path / "cache"))
    calls: list = []
    diskcache.cached_data("t", source, _builder(calls))
    source.write_text("a: 2\n", encoding="utf-8")
    assert diskcache.cached_data("t", source, _builder(calls))["text"] == "a: 2\n"
    assert len(calls) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_corrupt_entry_is_ignored_and_replaced(tmp_path, source, monkeypatch, damage):
    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(tmp_path / "cache"))
    calls: list = []
    diskcache.cached_data("t", source, _builder(calls))
    [entry] = (tmp_path / "cache").glob("t-*.marshal")
    blob = entry.read_bytes()
    entry.write_bytes({"truncate": blob[:-3], "flip": blob[:-1] + bytes([blob[-1] ^ 1]),
                       "garbage": b"\x00\xff" * 40, "empty": b""}[damage])
    assert diskcache.cached_data("t", source, _builder(calls)) == {"text": "a: 1\n", "n": 2}
    assert diskcache.cached_data("t", source, _builder(calls))["n"] == 2  # rewritten


def test_an_unwritable_folder_means_no_cache(tmp_path, source, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(blocked / "cache"))  # cannot be made
    calls: list = []
    assert diskcache.cached_data("t", source, _builder(calls))["n"] == 1
    assert diskcache.cached_data("t", source, _builder(calls))["n"] == 2
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        monkeypatch.setenv("PDFGEN_CACHE_DIR", str(ro))
        assert diskcache.cached_data("t", source, _builder(calls))["n"] == 3


def test_turned_off(tmp_path, source, monkeypatch):
    monkeypatch.setenv("PDFGEN_CACHE_DIR", "off")
    assert diskcache.cache_dir() is None
    calls: list = []
    diskcache.cached_data("t", source, _builder(calls))
    diskcache.cached_data("t", source, _builder(calls))
    assert len(calls) == 2


def test_the_registry_is_the_same_with_and_without_the_cache(tmp_path, monkeypatch):
    import yaml

    from pdfgen.languages import REGISTRY_FILE, parse, registry

    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(tmp_path / "cache"))
    with open(REGISTRY_FILE, encoding="utf-8") as fh:
        plain = parse(yaml.safe_load(fh))
    registry.cache_clear()
    try:
        assert registry() == plain  # builds and writes the entry
        registry.cache_clear()
        assert registry() == plain  # reads it
        assert list((tmp_path / "cache").glob("languages-*.marshal"))
    finally:
        registry.cache_clear()
