"""Fixtures of the control-unit tests."""

from __future__ import annotations

import copy

import pytest
from c2_pictures import LAYERED

from airdefense import load_scenario
from airdefense.c2 import wta


@pytest.fixture
def layered_dict() -> dict:
    return copy.deepcopy(LAYERED)


@pytest.fixture
def layered(layered_dict):
    return load_scenario(layered_dict)


@pytest.fixture
def spy(monkeypatch):
    """Every rounds matrix the WTA units hand to ``orders_from_rounds``, with its options."""
    seen = []
    real = wta.orders_from_rounds

    def record(t, x, opt, tracks, launchers, channels_free):
        seen.append((x.copy(), opt))
        return real(t, x, opt, tracks, launchers, channels_free)

    monkeypatch.setattr(wta, "orders_from_rounds", record)
    return seen
