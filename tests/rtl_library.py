"""A copy of the sample library with Arabic added (tests/data/rtl/): clinic.yaml lists `ar`
(locale ar-EG), and every field of the sample handout gets the Arabic text of
tests/data/rtl/hemilaminectomy.ar.yaml (a draft pending review by a qualified translator)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from .conftest import SAMPLE

DATA = Path(__file__).resolve().parent / "data" / "rtl"
ARABIC = yaml.safe_load((DATA / "hemilaminectomy.ar.yaml").read_text(encoding="utf-8"))
SPECIALTIES = {"spine": "أخصائيي العمود الفقري", "orthopedics": "أخصائيي العظام"}


def _add_arabic(node) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("en"), str) and "es" in node:
            node["ar"] = ARABIC[node["en"]]
            return
        for value in node.values():
            _add_arabic(value)
    elif isinstance(node, list):
        for value in node:
            _add_arabic(value)


def arabic_library(folder: Path) -> Path:
    """The sample library with Arabic, written to `folder`."""
    lib = folder / "handouts"
    shutil.copytree(SAMPLE, lib)
    clinic_path = lib / "clinic.yaml"
    clinic = yaml.safe_load(clinic_path.read_text(encoding="utf-8"))
    clinic["languages"].append({"code": "ar", "locale": "ar-EG", "name": "العربية"})
    for key, spec in clinic["specialties"].items():
        spec["name"]["ar"] = SPECIALTIES[key]
    clinic_path.write_text(yaml.safe_dump(clinic, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    path = lib / "hemilaminectomy.yaml"
    text = path.read_text(encoding="utf-8")
    head = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    proc = yaml.safe_load(text)
    _add_arabic(proc)
    path.write_text(head + yaml.safe_dump(proc, allow_unicode=True, sort_keys=False, width=1000),
                    encoding="utf-8")
    return lib
