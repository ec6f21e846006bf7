"""Shared fixtures: the sample library and a clinic profile copied into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "handouts"


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
