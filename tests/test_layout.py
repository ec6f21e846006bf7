"""Layouts are data: inheritance, units, and errors that name the layout file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdfgen.errors import ContentError, UsageError
from pdfgen.layout import available_layouts, load_layout
from pdfgen.paths import bundled

BUNDLED = bundled("layouts")


def _dirs(tmp_path: Path) -> list[Path]:
    return [tmp_path, BUNDLED]


def test_shipped_layouts():
    assert available_layouts([BUNDLED]) == ["a4-bilingual", "bilingual", "large-print", "single",
                                            "stacked"]
    bil = load_layout("bilingual", [BUNDLED])
    assert bil.page_size == (612.0, 792.0) and bil.arrangement == "columns"
    assert bil.margins == pytest.approx((0.5 * 72,) * 4)
    a4 = load_layout("a4-bilingual", [BUNDLED])
    assert a4.page_size == pytest.approx((595.28, 841.89), abs=0.01)
    assert a4.margins == pytest.approx((1.5 / 2.54 * 72,) * 4)
    assert a4.arrangement == "columns" and a4.sizes == bil.sizes  # inherited
    lp = load_layout("large-print", [BUNDLED])
    assert lp.sizes["body"] >= 18 and lp.large_print and lp.languages == 1
    assert lp.files == ("layouts/large-print.yaml", "layouts/single.yaml",
                        "layouts/bilingual.yaml") or lp.files[0].endswith("large-print.yaml")
    assert load_layout("stacked", [BUNDLED]).arrangement == "stacked"


def test_user_layout_extends_a_bundled_one(tmp_path):
    (tmp_path / "big.yaml").write_text("extends: single\nname: big\nsizes:\n  body: 16pt\n")
    big = load_layout("big", _dirs(tmp_path))
    assert big.sizes["body"] == 16 and big.sizes["heading"] == 17  # the rest inherited
    assert big.arrangement == "single"


def test_errors_name_the_layout_file_line_and_field(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "extends: bilingual\n"
        "name: bad\n"
        "sizes:\n"
        "  body: 12 points\n"
        "colors:\n"
        "  text: black\n"
        "blocks: [title, risk]\n"
        "colour: red\n")
    with pytest.raises(ContentError) as err:
        load_layout("bad", _dirs(tmp_path))
    got = [str(f).replace(str(tmp_path), "T") for f in err.value.findings]
    assert any(g.endswith("bad.yaml:4:9: sizes.body: '12 points' is not a length like 12pt, "
                          "0.75in, 2cm or 15mm") for g in got), got
    assert any("bad.yaml:6:9: colors.text: 'black' is not a color" in g for g in got), got
    assert any("bad.yaml:7:17: blocks[2]: unknown block 'risk'" in g for g in got), got
    assert any("bad.yaml:8:1: colour: unknown key 'colour'; did you mean 'colors'?" in g
               for g in got), got
    # a layout that would print no risks, choices, questions or "when to call"
    assert any("bad.yaml:7:9: blocks: every handout prints title, summary, sections, "
               "benefits, risks, alternatives, prompts, call_when (what the content itself "
               "must give): add summary, sections" in g for g in got), got
    assert len(got) == 5


def test_extends_loop_and_unknown_parent(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b\n")
    (tmp_path / "b.yaml").write_text("extends: a\n")
    with pytest.raises(ContentError, match="loop: a -> b -> a"):
        load_layout("a", _dirs(tmp_path))
    (tmp_path / "c.yaml").write_text("extends: nowhere\n")
    with pytest.raises(ContentError, match="c.yaml:1:10: extends: no layout named 'nowhere'"):
        load_layout("c", _dirs(tmp_path))


def test_unknown_or_unsafe_layout_name():
    with pytest.raises(UsageError, match="no layout named 'fancy'"):
        load_layout("fancy", [BUNDLED])
    with pytest.raises(UsageError, match="not a layout name"):
        load_layout("../etc/passwd", [BUNDLED])
