"""Shared fixtures: the sample library and a clinic profile copied into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "handouts"


TODAY = "2026-11-26"  # review dates are judged as of this day (the sample falls due in 2027)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """Every test, and every process it starts, sees the same 'today' (PDFGEN_TODAY)."""
    monkeypatch.setenv("PDFGEN_TODAY", TODAY)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A writable copy of the sample library."""
    dest = tmp_path / "handouts"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture
def clinic_only(tmp_path: Path) -> Path:
    """A library folder holding just the sample clinic.yaml."""
    dest = tmp_path / "lib"
    dest.mkdir()
    shutil.copy(SAMPLE / "clinic.yaml", dest / "clinic.yaml")
    return dest
