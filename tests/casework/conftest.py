"""Fixtures of the casework tests: an applicant whose phone is the resident persona's (so the resident's
account files and follows cases for them), a place for the sealed files, and a controllable clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from casework_support import SHANGHAI, Clock, make_household


@pytest.fixture
def household(world):
    """The resident persona's household in grid A1 (community A)."""
    return make_household(world.grid_a1, world.community_a, number="801")


@pytest.fixture
def household_b(world):
    """A household in community B whose head has resident_b's phone."""
    return make_household(world.community_b, world.community_b, number="802", phone="13800000000")


@pytest.fixture
def case_files(settings, tmp_path):
    settings.SHEQU_CASE_FILES_DIR = tmp_path / "case-files"
    return settings.SHEQU_CASE_FILES_DIR


@pytest.fixture
def clock(monkeypatch):
    """``clock.at`` is now; set it to a moment (aware) and ``clock.advance(...)``."""
    from django.utils import timezone

    fake = Clock(datetime(2025, 9, 24, 9, 0, tzinfo=SHANGHAI))
    monkeypatch.setattr(timezone, "now", fake)
    return fake
