"""Fonts per language (#15): font stacks, the glyph check across them, `pdfgen fonts`."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile

import pytest
from click.testing import CliRunner

from pdfgen import fontinstall
from pdfgen.cli import cli
from pdfgen.render import fonts

LATIN = "Atkinson Hyperlegible Next"


def test_english_and_spanish_need_no_font_but_the_bundled_one():
    for lang in ("en", "es", "fr", "pt", "tl"):
        s = fonts.stack(LATIN, lang)
        assert s.families == (fonts.family(LATIN),)
        assert s.para_xml("<b>x</b> &amp; y") == "<b>x</b> &amp; y"
    assert fontinstall.families_for(("en", "es")) == []


def test_a_language_is_set_in_its_own_family_words_it_lacks_in_the_next(script_fonts):
    vi = fonts.stack(LATIN, "vi")
    assert vi.primary.name == "Noto Sans"
    # Vietnamese is all in Noto Sans: no word of it in Atkinson among the rest
    text = "Gọi cho chúng tôi ngay nếu bạn bị sốt, gọi 817-697-4038."
    assert [(run, fam.name) for run, fam in vi.runs(text, "regular")] == [(text, "Noto Sans")]
    zh = fonts.stack(LATIN, "zh-Hans")
    assert zh.primary.name == "Noto Sans SC"
    # a character only the Latin face has falls back to it, the run around it does not
    lat_only = next(chr(c) for c in sorted(fonts._charmap(fonts.family(LATIN).regular))
                    if c > 0x2000 and chr(c).isprintable() and not chr(c).isspace()
                    and not zh.primary.has("regular", chr(c)))
    runs = zh.runs(f"请拨打电话 {lat_only} 谢谢", "regular")
    assert [fam.name for _, fam in runs] == ["Noto Sans SC", LATIN, "Noto Sans SC"]
    assert "".join(run for run, _ in runs) == f"请拨打电话 {lat_only} 谢谢"


def test_para_xml_keeps_markup_and_escapes_and_marks_runs(script_fonts):
    zh = fonts.stack(LATIN, "zh-Hans")
    lat_only = next(chr(c) for c in sorted(fonts._charmap(fonts.family(LATIN).regular))
                    if c > 0x2000 and chr(c).isprintable() and not chr(c).isspace()
                    and not zh.primary.has("regular", chr(c)))
    xml = f"<b>请</b> &lt;两片&gt; &amp; {lat_only}"
    out = zh.para_xml(xml)
    assert out == (f'<b>请</b> &lt;两片&gt; &amp; <font name="{fonts.family(LATIN).regular}">'
                   f"{lat_only}</font>")


def test_missing_names_only_what_no_family_has(script_fonts):
    vi = fonts.stack(LATIN, "vi")
    assert vi.missing("Việt Nam ✓ ☐", "regular") == [ch for ch in "✓☐"
                                                      if not any(f.has("regular", ch)
                                                                 for f in vi.families)]
    assert fonts.stack(LATIN).missing("Việt", "regular") == ["ệ"]


def _tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def fake_family(monkeypatch, tmp_path):
    """A family 'Test Sans' pinned to a tarball made here, installed into tmp_path."""
    good = (fonts.fonts_dir() / "AtkinsonHyperlegibleNext_400Regular.ttf").read_bytes()
    data = _tarball({"package/400Regular/T_400Regular.ttf": good,
                     "package/700Bold/T_700Bold.ttf": good,
                     "package/LICENSE_FONT": b"OFL", "package/../../evil": b"x"})
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    table = dict(fonts.families_table())
    table["Test Sans"] = {"package": "@x/test-sans", "version": "1.0.0",
                          "integrity": f"sha512-{digest}",
                          "regular": "400Regular/T_400Regular.ttf",
                          "bold": "700Bold/T_700Bold.ttf"}
    monkeypatch.setattr(fonts, "families_table", lambda: table)
    monkeypatch.setenv("PDFGEN_FONTS", str(tmp_path / "fonts"))
    return data


def test_install_checks_the_digest_and_unpacks_only_the_faces_and_licence(fake_family,
                                                                          tmp_path):
    with pytest.raises(fontinstall.FontInstallError, match="digest differs"):
        fontinstall.verify("Test Sans", fake_family + b"tampered")
    tgz = tmp_path / "t.tgz"
    tgz.write_bytes(fake_family)
    assert fontinstall.match_tarball(tgz) == "Test Sans"
    said = fontinstall.install("Test Sans", tgz)
    where = tmp_path / "fonts" / "test-sans"
    assert said == f"Test Sans: installed in {where}"
    assert sorted(str(p.relative_to(where)) for p in where.rglob("*") if p.is_file()) == [
        "400Regular/T_400Regular.ttf", "700Bold/T_700Bold.ttf", "LICENSE_FONT"]
    assert not (tmp_path / "evil").exists() and fonts.installed("Test Sans")
    assert "already installed" in fontinstall.install("Test Sans", tgz)


def test_a_tampered_tarball_installs_nothing(fake_family, tmp_path):
    tgz = tmp_path / "t.tgz"
    tgz.write_bytes(fake_family[:-1] + bytes([fake_family[-1] ^ 1]))
    with pytest.raises(fontinstall.FontInstallError):
        fontinstall.install("Test Sans", tgz)
    assert not (tmp_path / "fonts" / "test-sans").exists()


def test_a_missing_family_names_its_package_and_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("PDFGEN_FONTS", str(tmp_path / "none"))
    fonts.family.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing) as e:
            fonts.stack(LATIN, "zh-Hans")
    finally:
        fonts.family.cache_clear()
    assert "@expo-google-fonts/noto-sans-sc" in str(e.value)
    assert "pdfgen fonts install zh-Hans" in str(e.value)


def test_cli_fonts_list_and_install(script_fonts):
    runner = CliRunner()
    listed = runner.invoke(cli, ["fonts", "list"])
    assert listed.exit_code == 0
    assert "Noto Sans SC: installed (@expo-google-fonts/noto-sans-sc); for zh-Hans" in listed.output
    assert "Atkinson Hyperlegible Next: bundled" in listed.output
    done = runner.invoke(cli, ["fonts", "install", "vi", "ar"])
    assert done.exit_code == 0, done.output
    assert "Noto Sans: already installed" in done.output
    assert "Vazirmatn: already installed" in done.output
    bad = runner.invoke(cli, ["fonts", "install", "xx"])
    assert bad.exit_code == 2 and "no profile for 'xx'" in bad.output
    latin = runner.invoke(cli, ["fonts", "install", "en", "es"])
    assert latin.exit_code == 0 and "the bundled fonts are all they need" in latin.output


def test_a_face_remembers_its_widths_as_reportlab_measures_them(monkeypatch):
    """Line breaking measures the same words many times: each registered face remembers
    ReportLab's own answer (so every PDF is the same bytes), and forgets all it knows once
    it has WIDTHS_KEPT, so a worker's memory stays flat."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fam = fonts.family("Atkinson Hyperlegible Next")
    font = pdfmetrics.getFont(fam.regular)
    assert "stringWidth" in vars(font)  # the face's own, in front of TTFont's
    texts = ["surgery", "Hemilaminectomía", "", "817-697-4038", b"bytes too"]
    for text in texts:
        for size in (11, 14.5, 12.0):
            expected = TTFont.stringWidth(font, text, size)
            assert pdfmetrics.stringWidth(text, fam.regular, size) == expected
            assert font.stringWidth(text, size) == expected  # remembered: the same float
    known = font.stringWidth.known
    assert ("surgery", 11, "utf8") in known
    monkeypatch.setattr(fonts, "WIDTHS_KEPT", 5)
    for n in range(40):
        font.stringWidth(f"word{n}", 11)
        assert len(known) <= 5
    assert font.stringWidth("word39", 11) == TTFont.stringWidth(font, "word39", 11)
