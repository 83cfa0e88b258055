"""Gun burst law: Carleton hit probability, bursts sharing an aiming bias, range dependence,
the envelope's and the end game's use of it, and validation of the new preset fields."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from airdefense import load_scenario
from airdefense.c2.evaluation import classify
from airdefense.engagement import _kernels
from airdefense.engagement.envelope import _launcher_rows, feasibility
from airdefense.engagement.guns import (
    burst_kill_probability,
    gun_engagement,
    hit_probability,
    kill_given_hit,
)
from airdefense.engagement.pk import kill_probability
from airdefense.errors import ScenarioError

from .conftest import CATALOG, flat, make_launchers

GUN = CATALOG.interceptors["gun_35mm"]
KW = {"rounds_per_burst": GUN.rounds_per_burst, "aim_error_mrad": GUN.aim_error_mrad,
      "dispersion_mrad": GUN.dispersion_mrad, "presented_area_m2": GUN.presented_area_m2,
      "velocity_error_mps": GUN.velocity_error_mps}


def _gauss_footprint_hit(sigma, area):
    """Independent reference: the bivariate normal (sigma per axis) integrated against the
    Carleton footprint exp(-d^2 / (2 s^2)), 2 pi s^2 = area (polar coordinates)."""
    s2 = area / (2 * np.pi)

    def f(r):
        return np.exp(-r * r / (2 * s2)) * r / sigma**2 * np.exp(-r * r / (2 * sigma**2))

    return integrate.quad(f, 0, np.inf)[0]


def _disc_hit(sigma, area):
    """Bivariate normal integrated over a disc of ``area`` centred on the aim point
    (Cartesian double integral)."""
    a = math.sqrt(area / np.pi)
    pdf = stats.multivariate_normal(np.zeros(2), sigma**2 * np.eye(2)).pdf
    val, _ = integrate.dblquad(lambda y, x: pdf([x, y]), -a, a,
                               lambda x: -math.sqrt(max(a * a - x * x, 0.0)),
                               lambda x: math.sqrt(max(a * a - x * x, 0.0)))
    return val


@pytest.mark.parametrize(("sigma", "area"), [(0.5, 1.0), (2.0, 20.0), (5.0, 3.0), (10.0, 50.0)])
def test_carleton_hit_probability_is_the_gaussian_footprint_integral(sigma, area):
    """A / (A + 2 pi sigma^2) is exact for a Carleton (Gaussian) footprint of area A, and
    agrees with a disc of the same area to first order in A / (2 pi sigma^2)."""
    ph = float(hit_probability(sigma, area))
    assert ph == pytest.approx(_gauss_footprint_hit(sigma, area), rel=1e-9)
    x = area / (2 * np.pi * sigma**2)
    disc = _disc_hit(sigma, area)
    assert disc == pytest.approx(1 - math.exp(-x), abs=1e-7)
    # Both are x - x^2 + O(x^3) and x - x^2/2 + O(x^3): within x^2 / 2 of each other.
    assert abs(disc - ph) <= 0.5 * x * x + 1e-9


def test_published_cep_value():
    """Published sanity value: a circular normal puts half its rounds within the circular
    error probable, CEP = 1.1774 sigma (Driels, Weaponeering, ch. 3): a disc of radius CEP
    around the aim point holds 0.5; the Carleton form gives 0.5 at A = 2 pi sigma^2."""
    sigma = 3.0
    cep = 1.1774 * sigma
    assert _disc_hit(sigma, np.pi * cep**2) == pytest.approx(0.5, abs=1e-4)
    assert float(hit_probability(sigma, 2 * np.pi * sigma**2)) == pytest.approx(0.5)


def test_point_blank_burst_is_every_round_hitting():
    """At R -> 0 every round hits: P_burst = 1 - (1 - P_k|h)^n, the catalog's table value."""
    for pk0 in (0.0, 0.3, 0.76, 1.0):
        pkh = float(kill_given_hit(pk0, 24))
        got = float(burst_kill_probability(pk0, 0.0, 0.0, **KW))
        assert got == pytest.approx(1 - (1 - pkh) ** 24, abs=1e-12)
        assert got == pytest.approx(pk0, abs=1e-12)
        assert float(burst_kill_probability(pk0, 1e-3, 1e-6, **KW)) == pytest.approx(pk0,
                                                                                    abs=1e-9)


def test_no_error_means_every_round_hits_at_any_range():
    """sigma -> 0 (no aiming error, dispersion or prediction error): P_h -> 1 at any range."""
    kw = dict(KW, aim_error_mrad=0.0, dispersion_mrad=0.0, velocity_error_mps=0.0)
    np.testing.assert_allclose(burst_kill_probability(0.6, [500.0, 3000.0], [0.5, 4.0], **kw),
                               0.6, atol=1e-12)
    # And continuously: a tiny error costs next to nothing.
    kw = dict(KW, aim_error_mrad=1e-6, dispersion_mrad=1e-6, velocity_error_mps=1e-6)
    assert float(burst_kill_probability(0.6, 3000.0, 4.0, **kw)) == pytest.approx(0.6, abs=1e-9)


@pytest.mark.parametrize(("disp", "area", "n", "pkh", "R"),
                         [(1.0, 20.0, 24, 0.06, 1000.0), (2.0, 1.0, 10, 0.5, 800.0),
                          (0.5, 5.0, 1, 0.3, 2500.0)])
def test_burst_without_bias_is_independent_rounds(disp, area, n, pkh, R):
    """No shared error (aim and prediction 0): 1 - (1 - P_k|h P_h)^n with the Carleton P_h of
    the dispersion alone."""
    pk0 = 1 - (1 - pkh) ** n
    got = float(burst_kill_probability(pk0, R, 3.0, rounds_per_burst=n, aim_error_mrad=0.0,
                                       dispersion_mrad=disp, presented_area_m2=area))
    ph = float(hit_probability(disp * 1e-3 * R, area))
    assert got == pytest.approx(1 - (1 - pkh * ph) ** n, rel=1e-12)


def test_one_round_is_carleton_with_the_whole_error():
    """n = 1: the bias and the dispersion add: P_k|h A / (A + 2 pi (sb^2 + sd^2))."""
    R, tof = 2000.0, 2.5
    got = float(burst_kill_probability(0.4, R, tof, rounds_per_burst=1, aim_error_mrad=1.5,
                                       dispersion_mrad=0.7, presented_area_m2=8.0,
                                       velocity_error_mps=2.0))
    sig = math.sqrt((1.5e-3 * R) ** 2 + (0.7e-3 * R) ** 2 + (2.0 * tof) ** 2)
    assert got == pytest.approx(0.4 * float(hit_probability(sig, 8.0)), rel=1e-12)


@pytest.mark.parametrize(("aim", "disp", "area", "n", "pkh", "R"),
                         [(1.0, 1.0, 20.0, 24, 0.058, 1000.0), (1.0, 1.0, 20.0, 24, 0.058, 4000.0),
                          (3.0, 0.5, 2.0, 40, 0.3, 600.0), (0.2, 2.0, 1.0, 8, 1.0, 1500.0)])
def test_burst_with_shared_bias_matches_the_integral_over_the_bias(aim, disp, area, n, pkh, R):
    """The closed form against numerical integration over the bias (Rayleigh radius), with
    the per-round hit probability given the bias of a Carleton footprint."""
    pk0 = 1 - (1 - pkh) ** n
    got = float(burst_kill_probability(pk0, R, 0.0, rounds_per_burst=n, aim_error_mrad=aim,
                                       dispersion_mrad=disp, presented_area_m2=area))
    s2, sd2, sb2 = area / (2 * np.pi), (disp * 1e-3 * R) ** 2, (aim * 1e-3 * R) ** 2
    c = pkh * s2 / (s2 + sd2)

    def survive(rho):
        return (1 - c * np.exp(-rho**2 / (2 * (s2 + sd2)))) ** n * rho / sb2 * np.exp(
            -rho**2 / (2 * sb2))

    ref = 1 - integrate.quad(survive, 0, np.inf, epsabs=1e-13, limit=200)[0]
    assert got == pytest.approx(ref, abs=1e-9)


def test_burst_matches_monte_carlo_draws(rng):
    """Drawing a shared bias, each round's dispersion, a Carleton hit and a kill per hit
    reproduces the burst Pk (20,000 bursts, binomial test)."""
    R, tof, n, pk0 = 1500.0, 1.7, 24, 0.76
    kw = dict(KW)
    want = float(burst_kill_probability(pk0, R, tof, **kw))
    pkh = float(kill_given_hit(pk0, n))
    N = 20_000
    sb = math.sqrt((kw["aim_error_mrad"] * 1e-3 * R) ** 2 + (kw["velocity_error_mps"] * tof) ** 2)
    sd = kw["dispersion_mrad"] * 1e-3 * R
    s2 = kw["presented_area_m2"] / (2 * np.pi)
    miss = rng.normal(0, sb, (N, 1, 2)) + rng.normal(0, sd, (N, n, 2))
    hit = rng.random((N, n)) < np.exp(-(miss**2).sum(-1) / (2 * s2))
    kill = (hit & (rng.random((N, n)) < pkh)).any(axis=1)
    assert stats.binomtest(int(kill.sum()), N, want).pvalue > 1e-3


def test_shared_bias_lowers_the_burst_pk():
    """Moving error from the dispersion into the shared bias (same total) lowers the burst
    Pk: rounds that share a miss miss together."""
    R = 2000.0
    ind = float(burst_kill_probability(0.76, R, 0.0, rounds_per_burst=24, aim_error_mrad=0.0,
                                       dispersion_mrad=math.sqrt(2.0), presented_area_m2=20.0))
    cor = float(burst_kill_probability(0.76, R, 0.0, rounds_per_burst=24, aim_error_mrad=1.0,
                                       dispersion_mrad=1.0, presented_area_m2=20.0))
    one = float(burst_kill_probability(0.76, R, 0.0, rounds_per_burst=24,
                                       aim_error_mrad=math.sqrt(2.0), dispersion_mrad=0.0,
                                       presented_area_m2=20.0))
    assert ind > cor > one


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 6000.0), st.floats(0.0, 6000.0),
       st.integers(1, 60), st.floats(0.0, 3.0), st.floats(0.0, 3.0), st.floats(0.1, 50.0),
       st.floats(0.0, 5.0))
def test_burst_pk_non_increasing_with_range(pk0, r1, r2, n, aim, disp, area, vel):
    """Farther (and so a longer flight) never raises the burst Pk; it is a probability."""
    lo, hi = min(r1, r2), max(r1, r2)
    tof = lambda r: r / 900.0  # noqa: E731 - any time of flight increasing with range
    kw = {"rounds_per_burst": n, "aim_error_mrad": aim, "dispersion_mrad": disp,
          "presented_area_m2": area, "velocity_error_mps": vel}
    p_lo = float(burst_kill_probability(pk0, lo, tof(lo), **kw))
    p_hi = float(burst_kill_probability(pk0, hi, tof(hi), **kw))
    assert 0.0 <= p_hi <= p_lo + 1e-12 <= 1.0 + 1e-12


def test_catalog_gun_falls_with_range_and_matches_the_former_value_at_1_km():
    """The catalog gun against a drone: the former flat 0.5 per burst at 1 km, more inside,
    falling to under 30 % of it at the maximum range; each class's 1 km value is its
    former flat value (drone 0.5, cruise 0.35, aircraft 0.3, helicopter 0.5)."""
    L = make_launchers(["gun_35mm"])
    tof = lambda r: float(L.flyout.time_to(np.array([r]))[0])  # noqa: E731
    R = np.array([200.0, 500.0, 1000.0, 2000.0, 3000.0, 4000.0])
    p = burst_kill_probability(GUN.pk["drone"], R, [tof(r) for r in R], **KW)
    assert (np.diff(p) < 0).all()
    assert p[2] == pytest.approx(0.5, abs=0.01)
    assert p[-1] < 0.3 * p[2]
    for k, old in {"drone": 0.5, "cruise": 0.35, "aircraft": 0.3, "helicopter": 0.5}.items():
        assert float(burst_kill_probability(GUN.pk[k], 1000.0, tof(1000.0), **KW)) == \
            pytest.approx(old, abs=0.01)


def test_envelope_and_end_game_use_the_burst_law():
    """The fire control's Pk of a gun (feasibility, the control unit's envelope Pk) and the
    end game's are the burst law at the PIP's range and time of flight, times the other
    factors of pk_one (no edge factor); a missile's is unchanged."""
    L = make_launchers(["gun_35mm"])
    ranges = [800.0, 1500.0, 2500.0, 3500.0]
    x = np.array([[r, 0.0, 300.0, -5.0, 0.0, 0.0] for r in ranges])
    res = feasibility(x, L, flat, 0.0, kind=["drone"] * len(ranges), target_g=0.0)
    assert res["inside"][:, 0].all()
    pip, tof = res["pip"][:, 0], res["tof"][:, 0]
    r = np.linalg.norm(pip, axis=1)
    burst = burst_kill_probability(GUN.pk["drone"], r, tof, **KW)
    want = kill_probability(burst, speed_frac=5.0 / GUN.max_target_speed_mps)
    np.testing.assert_allclose(res["pk"][:, 0], want, rtol=1e-12)
    assert (np.diff(res["pk"][:, 0]) < 0).all()
    # The end game at the same points and flights gives the same values.
    states = np.column_stack([pip, np.tile([-5.0, 0.0, 0.0], (len(ranges), 1))])
    _, pk_end = _kernels.end_game_pks(states, tof, np.zeros(len(ranges), np.int64),
                                      _launcher_rows(L), np.inf,
                                      np.full(len(ranges), GUN.pk["drone"]),
                                      np.zeros(len(ranges)), np.zeros(len(ranges)),
                                      np.ones(len(ranges)))
    np.testing.assert_allclose(pk_end, res["pk"][:, 0], rtol=1e-12)


def _gun_scenario(small_scenario_dict, overrides):
    d = small_scenario_dict
    d["batteries"]["guns"] = {
        "position": {"bearing_deg": 90, "range_m": 800},
        "sensors": {"preset": "tor_m2_radar", "name": "gun_radar"},
        "launchers": {"preset": "gun_35mm_mount", "interceptor_overrides": overrides},
    }
    return d


@pytest.mark.parametrize(("overrides", "pattern"), [
    ({"dispersion_mrad": -1.0},
     r"batteries\.guns\.launchers\[0\]\.interceptor_overrides\.dispersion_mrad: must be >= 0 "
     r"mrad \(an angular standard deviation\), got -1\.0"),
    ({"aim_error_mrad": -0.5}, r"interceptor_overrides\.aim_error_mrad: must be >= 0 mrad.*"
                               r"got -0\.5"),
    ({"rounds_per_burst": 0},
     r"interceptor_overrides\.rounds_per_burst: must be >= 1 round per burst, got 0"),
    ({"presented_area_m2": 0.0},
     r"interceptor_overrides\.presented_area_m2: must be > 0 m\^2 \(an area\), got 0\.0"),
    ({"velocity_error_mps": -2.0},
     r"interceptor_overrides\.velocity_error_mps: must be >= 0 m/s.*got -2\.0"),
    ({"rounds_per_burst": None},
     r"interceptor_overrides: a gun needs rounds_per_burst \(rounds per burst"),
])
def test_bad_gun_fields_are_scenario_errors(small_scenario_dict, overrides, pattern):
    """Bad burst figures name the field, the value, the rule and the unit."""
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(_gun_scenario(small_scenario_dict, overrides))


def test_gun_fields_on_a_missile_are_refused(small_scenario_dict):
    """Only a gun takes the burst figures."""
    small_scenario_dict["batteries"]["srb"]["launchers"]["interceptor_overrides"] = {
        "dispersion_mrad": 1.0}
    with pytest.raises(ScenarioError, match=r"srb\.launchers\[0\]\.interceptor_overrides: "
                       r"only a gun takes dispersion_mrad \(guidance is 'command'\)"):
        load_scenario(small_scenario_dict)


def test_good_gun_override_loads(small_scenario_dict):
    """A valid override reaches the launcher rows (rounds per burst, angles in rad)."""
    sc = load_scenario(_gun_scenario(small_scenario_dict, {"dispersion_mrad": 2.0,
                                                           "rounds_per_burst": 12}))
    gun = [u for u in sc.launchers if u.interceptor.guidance == "gun"]
    assert gun and gun[0].interceptor.dispersion_mrad == 2.0
    assert gun[0].interceptor.rounds_per_burst == 12


def test_gun_engagement_default_is_each_bursts_own_pk():
    """Without a given burst Pk, each burst's is the burst law at the target's range when it
    is fired: a target flying in gets rising Pks; the engagement's is 1 - prod(1 - p_k)."""
    L = make_launchers(["gun_35mm"])
    L.rounds[:] = 6
    x = np.array([[-4500.0, 300.0, 200.0, 100.0, 0.0, 0.0]])  # inbound along +x
    res = gun_engagement(x, L, kind=["drone"])
    n = int(res["n_bursts"][0, 0])
    assert n == 6
    p = res["p_burst"][0, 0]
    assert (np.diff(p[:n]) > 0).all()  # closing in
    u = res["enter_s"][0, 0] + L.min_interval_s[0] * np.arange(n)
    pos = x[0, :3] + x[0, 3:] * u[:, None]
    r = np.linalg.norm(pos, axis=1)
    want = burst_kill_probability(GUN.pk["drone"], r, L.flyout.time_to(r), **KW)
    np.testing.assert_allclose(p[:n], want, rtol=1e-12)
    assert res["p_kill"][0, 0] == pytest.approx(1 - np.prod(1 - want), rel=1e-12)
    # Without a class, the one the state shows: 200 m/s low and level is a cruise missile
    # (whose table value differs from a drone's).
    xc = x.copy()
    xc[0, 3] = 200.0
    assert classify(xc).tolist() == ["cruise"] and GUN.pk["cruise"] != GUN.pk["drone"]
    np.testing.assert_array_equal(gun_engagement(xc, L)["p_burst"],
                                  gun_engagement(xc, L, kind=["cruise"])["p_burst"])
    # A given flat value keeps the former closed form.
    flat_res = gun_engagement(x, L, p_burst=0.3)
    assert flat_res["p_kill"][0, 0] == pytest.approx(1 - 0.7**6)


@pytest.mark.parametrize("kind, match", [
    (["drone"], r"kind must name one threat class per track \(2\) from drone, cruise, "
                r"ballistic, aircraft, helicopter, got 1$"),
    (["drone", "jet"], r"per track \(2\) .* got 2 with 'jet'"),
])
def test_gun_engagement_refuses_a_bad_kind(kind, match):
    L = make_launchers(["gun_35mm"])
    x = np.array([[-4500.0, 300.0, 200.0, 100.0, 0.0, 0.0]] * 2)
    with pytest.raises(ValueError, match=match):
        gun_engagement(x, L, kind=kind)
