"""The radar network's mean SNR against the radar equation, worked out here from the preset.

Two forms, as documented in sensors/presets.py and sensors/radar.py:

* the reference form: a target of ``ref_rcs_m2`` at ``ref_range_m`` gives ``ref_snr_db``, and
  the SNR scales as ``rcs / R^4`` (Skolnik 2001, eq. 2.1 with everything else fixed), less
  ``losses_db`` of extra losses;
* the search radar equation, when a preset gives ``power_aperture_wm2``:
  ``SNR = P_av A_e t_s sigma / (4 pi Omega k T_s L R^4)`` (Skolnik 2001, eq. 2.52; Barton
  2005, eq. 1.6.5), ``t_s`` the frame time, ``Omega`` the solid angle searched.

Each expected value is computed in the test from the preset's fields and checked to 0.01 dB.
"""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.catalog import load_catalog
from airdefense.geo import Frame
from airdefense.scenario.loader import SensorUnit
from airdefense.sensors.radar import RadarNetwork

FRAME = Frame(45.0, 10.0, 0.0)
CAT = load_catalog([])
K_BOLTZMANN = 1.380649e-23  # J/K, exact in the 2019 SI


def _network(presets) -> RadarNetwork:
    units = []
    for i, p in enumerate(presets):
        enu = FRAME.surface_point(np.array([1000.0 * i]), np.array([0.0]), np.array([0.0]))[0]
        units.append(SensorUnit(name=f"r{i}", battery=0, preset_name=f"r{i}", preset=p,
                                enu=enu))
    return RadarNetwork(units, FRAME)


def _db(x) -> np.ndarray:
    return 10.0 * np.log10(np.asarray(x, float))


RANGES = np.array([2000.0, 17000.0, 60000.0, 150000.0])
RCS = np.array([0.01, 1.0, 5.0, 100.0])


@pytest.mark.parametrize("losses_db", [0.0, 3.7])
@pytest.mark.parametrize("name", sorted(CAT.sensors))
def test_reference_form_from_the_preset(name, losses_db):
    """Every catalog radar, without and with extra losses: SNR_dB = ref_snr_db
    + 40 log10(R_ref / R) + 10 log10(rcs / rcs_ref) - losses_db, to 0.01 dB."""
    p = CAT.sensors[name].model_copy(update={"losses_db": losses_db})
    assert p.power_aperture_wm2 is None
    net = _network([p])
    r, s = np.meshgrid(RANGES, RCS)
    expected = (p.ref_snr_db + 40.0 * np.log10(p.ref_range_m / r)
                + 10.0 * np.log10(s / p.ref_rcs_m2) - losses_db)
    got = _db(net.mean_snr(np.zeros(r.shape, int), r, s))
    np.testing.assert_allclose(got, expected, rtol=0, atol=0.01)


def test_losses_lower_the_snr_by_their_decibels():
    """Two radars alike but for 6 dB of losses, side by side in one network: 6 dB less SNR."""
    p = CAT.sensors["hawk_par"]
    net = _network([p, p.model_copy(update={"losses_db": 6.0})])
    a = _db(net.mean_snr(np.zeros(4, int), RANGES, RCS))
    b = _db(net.mean_snr(np.ones(4, int), RANGES, RCS))
    np.testing.assert_allclose(a - b, 6.0, rtol=0, atol=0.01)


@pytest.mark.parametrize(("losses_db", "el_deg"), [(0.0, (0.0, 4.0)), (2.5, (0.0, 4.0)),
                                                   (0.0, (0.0, 85.0)), (1.0, (-2.0, 60.0))])
def test_search_radar_equation(losses_db, el_deg):
    """A preset with power_aperture_wm2: SNR = P A t_s sigma / (4 pi Omega k T_s L R^4).

    P A = 2e4 W m^2, t_s = 4 s, T_s = 450 K, a 120 deg sector over the elevation band
    ``el_deg``: Omega = (2 pi / 3) (sin el_max - sin el_min) sr, the band's solid angle (over
    0-85 deg the small-angle dAz dEl would be 1.7 dB larger).
    """
    lo, hi = el_deg
    p = CAT.sensors["hawk_par"].model_copy(update={
        "power_aperture_wm2": 2.0e4, "scan_period_s": 4.0, "system_temp_k": 450.0,
        "azimuth_sector_deg": 120.0, "min_elevation_deg": lo, "max_elevation_deg": hi,
        "losses_db": losses_db, "ref_rcs_m2": 2.0, "ref_snr_db": 99.0})
    omega = np.radians(120.0) * (np.sin(np.radians(hi)) - np.sin(np.radians(lo)))
    net = _network([p])
    r, s = np.meshgrid(RANGES, RCS)
    L = 10.0 ** (losses_db / 10.0)
    expected = 2.0e4 * 4.0 * s / (4.0 * np.pi * omega * K_BOLTZMANN * 450.0 * L * r**4)
    got = net.mean_snr(np.zeros(r.shape, int), r, s)
    np.testing.assert_allclose(_db(got), _db(expected), rtol=0, atol=0.01)
