"""Fixtures of the control-unit tests."""

from __future__ import annotations

import copy

import pytest
from c2_pictures import LAYERED

from airdefense import load_scenario


@pytest.fixture
def layered_dict() -> dict:
    return copy.deepcopy(LAYERED)


@pytest.fixture
def layered(layered_dict):
    return load_scenario(layered_dict)
