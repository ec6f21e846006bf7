"""Content text reaches ReportLab's paragraph parser only through markup.to_para_xml."""

from __future__ import annotations

import pytest

from pdfgen import markup

CVE_PAYLOAD = (
    "<para><font color=\"[ [ getattr(pow,Word('__globals__'))['os'].system('touch /tmp/pwned') "
    "for Word in [orgTypeFun('Word', (str,), { 'mutated': 1, 'startswith': lambda self, x: "
    "False, '__eq__': lambda self,x: self.mutate() and self.mutated < 0 and str(self) == x, "
    "'mutate': lambda self: {setattr(self, 'mutated', self.mutated - 1)}, '__hash__': lambda "
    "self: hash(str(self)) })] ] for orgTypeFun in [type(type(1))] ] and 'red'\">exploit"
    "</font></para>"
)


@pytest.mark.parametrize("text, xml", [
    ("Take <dos tabletas> daily", "Take &lt;dos tabletas&gt; daily"),
    ("AT&T & you", "AT&amp;T &amp; you"),
    ("a < b > c", "a &lt; b &gt; c"),
    ("&amp; stays literal", "&amp;amp; stays literal"),
    ("**Call us** now", "<b>Call us</b> now"),
    ("**<b>**", "<b>&lt;b&gt;</b>"),
    ("line one\nline two", "line one<br/>line two"),
    ("odd ** marker", "odd ** marker"),
    ("  padded\n", "padded"),
])
def test_to_para_xml(text, xml):
    assert markup.to_para_xml(text) == xml


def test_cve_2023_33733_payload_is_only_text():
    xml = markup.to_para_xml(CVE_PAYLOAD)
    assert "<" not in xml.replace("&lt;", "")
    assert markup.plain(CVE_PAYLOAD) == CVE_PAYLOAD


def test_plain_removes_only_markup():
    assert markup.plain("**Fever** over 101 °F & chills") == "Fever over 101 °F & chills"


@pytest.mark.parametrize("text, count", [("fine **bold**", 0), ("open **bold", 1), ("****", 1)])
def test_problems(text, count):
    assert len(markup.problems(text)) == count
