"""Consistency of the catalog's threat presets with the physics their notes cite."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from airdefense import load_scenario
from airdefense.catalog import load_catalog
from airdefense.geo import sphere_coords
from airdefense.threats import build_threats

# Hopkinson-Cranz: blast radius R = Z W^(1/3); the catalog's one scaled distance (its notes:
# 8 m/kg^(1/3) = 20 ft/lb^(1/3), ~20 kPa side-on, Kingery-Bulmash / UFC 3-340-02), with the
# rounding of radii to the metre and a 5% band.
_Z_ANCHOR = 8.0
_HEAT = {"atgm"}  # shaped-charge warheads: the documented exception


@pytest.mark.parametrize("name", [n for n, p in load_catalog().threats.items()
                                  if p.warhead_kg and n not in _HEAT])
def test_blast_radius_scales_with_the_cube_root_of_the_warhead(name):
    """R / W^(1/3) is within 5% of the anchor for every blast-warhead preset (before the fix
    the drone had 5.4 and the Iskander 8.9 m/kg^(1/3))."""
    p = load_catalog().threats[name]
    z = p.lethal_radius_m / p.warhead_kg ** (1.0 / 3.0)
    assert z == pytest.approx(_Z_ANCHOR, rel=0.05), f"{name}: Z = {z:.2f} m/kg^(1/3)"


def test_heat_exception_is_documented():
    """The ATGM, the one preset off the scaling, says so in the catalog's notes."""
    text = files("airdefense.data").joinpath("catalog.yaml").read_text()
    assert "HEAT" in text and "Hopkinson-Cranz" in text and "8 m/kg^(1/3)" in text


def _kinney_graham_kpa(z_m_kg3: float) -> float:
    """Peak side-on overpressure of a free-air TNT burst at scaled distance ``z`` (m/kg^(1/3)),
    kPa: Kinney & Graham, Explosive Shocks in Air (1985), eq. 7-2, at 101.325 kPa ambient."""
    z = z_m_kg3
    return 101.325 * 808.0 * (1.0 + (z / 4.5) ** 2) / (
        np.sqrt(1.0 + (z / 0.048) ** 2) * np.sqrt(1.0 + (z / 0.32) ** 2)
        * np.sqrt(1.0 + (z / 1.35) ** 2))


def test_blast_anchor_overpressure_matches_the_stated_figure():
    """The anchor's stated side-on overpressure (the catalog's note) agrees within 15% with an
    independent fit: Kinney-Graham's free-air curve with the usual surface-burst reflection
    factor of 1.8 on the charge (about 18 kPa; the Kingery-Bulmash surface-burst fit gives
    about 20). The note said 28 kPa until 2026-11-26, which neither curve gives."""
    import re

    text = files("airdefense.data").joinpath("catalog.yaml").read_text()
    stated = float(re.search(r"about (\d+) kPa", text).group(1))
    surface = _kinney_graham_kpa(_Z_ANCHOR / 1.8 ** (1.0 / 3.0))
    assert surface == pytest.approx(stated, rel=0.15)


def test_glide_bomb_release_matches_its_source():
    """The glide bomb's source: released from 10+ km at 40-70 km, so a glide ratio of 4-7.
    The catalog's fighter releases it from its cruise height at its release range, and the
    flight glides over 90% of that range (before the fix: 5 km at 40 km, ratio 7.2 over the
    glide, 8 overall)."""
    cat = load_catalog()
    f = cat.threats["fighter"]
    bomb = cat.threats[f.weapon]
    assert "10+ km" in bomb.source and "40-70 km" in bomb.source
    assert f.cruise_altitude_m >= 10000
    assert 40000 <= f.release_range_m <= bomb.max_range_m <= 70000
    ratio = 0.9 * f.release_range_m / f.cruise_altitude_m
    assert 4.0 <= ratio <= 7.0


def test_example_glide_bombs_glide_within_their_source():
    """In example 4 every glide bomb leaves at 10 km or more and glides at 4-7 to its impact."""
    path = Path(__file__).resolve().parents[2] / "examples" / "04_standoff_strike.yaml"
    sc = load_scenario(path)
    ts = build_threats(sc, np.random.default_rng(2))
    rows = np.flatnonzero(ts.preset == "glide_bomb")
    start = sphere_coords(np.stack([ts.states(t + 1e-6)[r, :3]
                                    for t, r in zip(ts.launch_time_s[rows], rows, strict=True)]),
                          sc.frame.radius_m)
    end = sphere_coords(ts.impact_enu[rows], sc.frame.radius_m)
    assert rows.size and start[:, 2].min() >= 9900
    ratio = np.linalg.norm(end[:, :2] - start[:, :2], axis=1) / (start[:, 2] - end[:, 2])
    assert ratio.min() >= 4.0 and ratio.max() <= 7.0
