"""A build's memory does not grow with the library (issue #16, "flat memory"): the manifest's
records are kept in a temporary file (build.Records), manifest.json is read a line at a
time, and the catalog reads each record once. These tests pin what that must not change:
what is read, what is written, and what the front-desk page shows."""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

from pdfgen import site
from pdfgen.build import (
    MANIFEST,
    Records,
    _read_lines,
    build_library,
    manifest_bytes,
    read_manifest,
)

from .test_build import SAMPLE_OUTPUTS

ROOT = Path(__file__).resolve().parent.parent


def _built(library: Path, tmp_path: Path) -> tuple[Path, bytes]:
    out = tmp_path / "out"
    assert build_library(library, out, jobs=1).ok
    return out, (out / MANIFEST).read_bytes()


def _big_manifest(raw: bytes, copies: int) -> tuple[dict, bytes]:
    """The sample's records copied for `copies` handouts, as pdfgen would write them."""
    doc = json.loads(raw)
    outputs = {}
    for n in range(copies):
        hid = f"copy-{n:05d}"
        for rel, entry in doc["outputs"].items():
            name = rel.split("/", 1)[1].replace(entry["handout"], hid, 1)
            outputs[f"{hid}/{name}"] = {**entry, "handout": hid}
    return outputs, manifest_bytes(outputs, doc["failed"])


def test_a_large_manifest_is_read_without_holding_it(library, tmp_path):
    """manifest.json as pdfgen writes it is read a record at a time into a temporary file:
    reading a 3 MB manifest takes under a third of its size in memory (reading it whole
    took three times its size: its bytes, its text and the objects parsed from it), and
    what is read is what json.loads of the whole file finds."""
    out, raw = _built(library, tmp_path)
    outputs, big = _big_manifest(raw, 700)
    (out / MANIFEST).write_bytes(big)
    assert len(big) > 3_000_000, len(big)
    tracemalloc.start()
    try:
        manifest = read_manifest(out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not manifest.findings and len(manifest.outputs) == len(outputs)
    assert peak < len(big) / 3, (peak, len(big))  # its places, not its records
    assert manifest_bytes(manifest.outputs, manifest.failed) == big
    some = sorted(outputs)[::97]
    assert [manifest.outputs[rel] for rel in some] == [outputs[rel] for rel in some]


def test_the_line_reader_reads_only_what_json_reads_the_same(library, tmp_path):
    """The line reader takes a manifest laid out as pdfgen writes it; anything else (a record
    twice, where json.loads keeps the last one; a comma after the last record; `outputs`
    twice; another layout) is read whole, with the same result as before."""
    out, raw = _built(library, tmp_path)
    path = out / MANIFEST
    assert _read_lines(path) is not None  # pdfgen's own layout: a line at a time
    text = raw.decode()
    lines = text.split("\n")
    record = next(n for n, line in enumerate(lines) if line.startswith('  "'))
    twice = lines[record].rstrip(",").replace('"pages": ', '"pages": 9', 1)
    odd = {
        "a record twice": "\n".join(lines[:record + 1] + [twice + ","] + lines[record + 1:]),
        "outputs twice": text.rstrip()[:-1] + ', "outputs": {}}\n',
        "indented otherwise": json.dumps(json.loads(raw), indent=1),
        "a comma after the last": text.replace("\n},\n", ",\n},\n", 1),
    }
    for why, content in odd.items():
        path.write_text(content, encoding="utf-8")
        assert _read_lines(path) is None, why
        manifest = read_manifest(out, set_aside=False)
        try:
            expected = json.loads(content)["outputs"]
        except ValueError:
            assert manifest.findings and not manifest.outputs, why
            continue
        assert dict(manifest.outputs.items()) == expected, why
    path.write_text(odd["a record twice"], encoding="utf-8")
    rel = json.loads(twice.split(": ", 1)[0])
    assert read_manifest(out).outputs[rel]["pages"] >= 90  # the last one, as json.loads


def test_the_catalog_stamp_of_stored_records_is_the_same(library, tmp_path):
    """index.html's stamp made from the stored lines (escaped as json.dumps escapes, not
    parsed again) is the stamp of the records as dicts, accents and all."""
    import datetime as dt

    from pdfgen.load import load_clinic

    out, raw = _built(library, tmp_path)
    clinic, _ = load_clinic(library / "clinic.yaml")
    day = dt.date(2026, 11, 28)
    records = read_manifest(out).outputs
    assert "é" in records.text(SAMPLE_OUTPUTS[0]) or "í" in records.text(SAMPLE_OUTPUTS[0])
    as_dicts = json.loads(raw)["outputs"]
    assert site._stamp(out, records, clinic, day, {}) == site._stamp(out, as_dicts, clinic,
                                                                     day, {})
    odd = {"t": "é\x7f😀\u2028 \"q\" \\ \n\t\x01 ñ 日本", "l": [1, True, None, "ü"]}
    assert site._ascii(json.dumps(odd, ensure_ascii=False, sort_keys=True)) == \
        json.dumps(odd, sort_keys=True)


def test_records_read_back_keep_the_order_they_were_made_in(tmp_path):
    """A record is stored with its mappings in the order they were made in (a handout's
    titles in the clinic's order of languages) and written to the manifest sorted, as
    before: the catalog lists a card's titles in that order, as it did when records were
    held in memory."""
    entry = {"handout": "a", "output": "en", "sha256": "0" * 64,
             "title": {"en": "Knee", "vi": "Gối", "ar": "الركبة"}, "inputs": {"z": "1", "a": "2"}}
    records = Records()
    records["a/a.en.pdf"] = entry
    assert list(records["a/a.en.pdf"]["title"]) == ["en", "vi", "ar"]
    assert records.text("a/a.en.pdf") == json.dumps(entry, ensure_ascii=False, sort_keys=True)
    again = Records()
    again.keep("a/a.en.pdf", records)
    assert again.same_as(records) and list(again["a/a.en.pdf"]["title"]) == ["en", "vi", "ar"]
    again["a/a.en.pdf"] = {**entry, "title": {"ar": "الركبة", "en": "Knee", "vi": "Gối"}}
    assert again.same_as(records)  # the same manifest line
    again["a/a.en.pdf"] = {**entry, "pages": 2}
    assert not again.same_as(records)


def test_a_card_lists_titles_in_the_clinics_order(tmp_path, script_fonts):
    """A handout built in this run shows its titles on its card in the clinic's order of
    languages (English, Vietnamese, Chinese, Arabic), not sorted by language code."""
    library = tmp_path / "scripts"
    shutil.copytree(ROOT / "examples" / "other-scripts", library)
    out = tmp_path / "out"
    result = build_library(library, out, jobs=1)
    assert not result.failed
    page = (out / "index.html").read_text(encoding="utf-8")
    card = page[page.index('id="h-hemilaminectomy"'):]
    positions = [card.index(f'class="title" data-lang="{code}"')  # (English is the heading)
                 for code in ("vi", "zh-Hans", "ar")]
    assert positions == sorted(positions), positions


def test_no_more_workers_are_started_than_there_are_handouts(library, tmp_path):
    """The workers are started before the plan, when the number of jobs is not known yet:
    never more of them than the library has handouts (or --only names)."""
    from pdfgen.build import start_pool

    files = len(list(library.glob("*.y*ml")))  # the sample's handouts and clinic.yaml
    pool = start_pool(64, library)
    try:
        assert pool is not None and pool.workers == files < 64
    finally:
        pool.close()
    assert start_pool(64, library, only=["hemilaminectomy"]) is None  # one job: none
    assert start_pool(64, tmp_path / "no-such-folder") is None
