"""The fire decision's low edge: a round is fired only at a predicted intercept point at least
``LOW_EDGE_MARGIN_M`` above the interceptor's minimum altitude (one kernel rule for the launch
now and the launch windows); the end game judges the minimum altitude itself."""

from __future__ import annotations

import numpy as np
import pytest

import airdefense.engagement.envelope as env
from airdefense.engagement import _kernels
from airdefense.engagement.envelope import feasibility, launch_window_delays
from airdefense.errors import AirDefenseError

from .conftest import flat, make_launchers


def test_rows_hold_the_floor_plus_the_margin_where_the_floor_is_above_the_surface(monkeypatch):
    """Column ``H_FIRE`` is ``min_altitude + LOW_EDGE_MARGIN_M`` for a floor above 0 and the
    floor itself at the surface (the gun); it follows a new margin; a negative, infinite or NaN
    margin is refused naming it, its value and its unit."""
    L = make_launchers(["pac3", "tor_9m338", "gun_35mm"])
    assert L.min_alt.tolist() == [50.0, 10.0, 0.0]
    rows = env._launcher_rows(L)
    m = env.LOW_EDGE_MARGIN_M
    np.testing.assert_array_equal(rows[:, _kernels.H_FIRE], [50.0 + m, 10.0 + m, 0.0])
    monkeypatch.setattr(env, "LOW_EDGE_MARGIN_M", 37.5)
    np.testing.assert_array_equal(env._launcher_rows(L)[:, _kernels.H_FIRE], [87.5, 47.5, 0.0])
    for bad in (-1.0, np.inf, np.nan):
        monkeypatch.setattr(env, "LOW_EDGE_MARGIN_M", bad)
        with pytest.raises(AirDefenseError, match=r"LOW_EDGE_MARGIN_M must be a finite height "
                                                  r">= 0 m \(added to the minimum altitude\), "
                                                  rf"got {bad!r}"):
            env._launcher_rows(L)


def _level(h):
    """Level inbound tracks at heights ``h`` (flat ground), 20 km east, 210 m/s west."""
    h = np.atleast_1d(np.asarray(h, float))
    return np.column_stack([np.full(h.size, 20000.0), np.zeros(h.size), h,
                            np.full(h.size, -210.0), np.zeros(h.size), np.zeros(h.size)])


@pytest.mark.parametrize("margin", [0.0, 30.0, 120.0])
def test_fire_floor_closed_form(monkeypatch, margin):
    """Level flight over flat ground (the PIP's height is the track's): a launch now is inside
    exactly where ``h >= 50 + margin`` (PAC-3 floor 50 m), and a level path has a launch window
    exactly then too (the window search applies the same rule)."""
    monkeypatch.setattr(env, "LOW_EDGE_MARGIN_M", margin)
    L = make_launchers(["pac3"])
    edge = 50.0 + margin
    h = np.array([edge - 5.0, edge - 0.01, edge, edge + 0.01, edge + 5.0, 400.0])
    want = h >= edge
    res = feasibility(_level(h), L, flat, 0.0, kind=["cruise"] * h.size)
    np.testing.assert_allclose(res["pip"][:, 0, 2], h)  # the closed form's premise
    assert res["inside"][:, 0].tolist() == want.tolist()
    assert ((res["pk"][:, 0] > 0) == want).all()
    lo, hi = launch_window_delays(_level(h), L, flat, kind=["cruise"] * h.size)
    assert np.isfinite(hi[:, 0]).tolist() == want.tolist()
    assert (np.isfinite(res["window_close_s"][:, 0]) == want).all()


def test_old_rule_fires_at_a_target_below_the_floor_and_its_end_game_misses(monkeypatch):
    """The miss the margin removes: the true target flies level 10 m below the PAC-3's 50 m
    floor; its track, 8 m high with a vertical velocity error of +2 m/s, predicts the intercept
    point ``2 * tof`` m higher still. Without a margin the fire decision is inside (Pk > 0) and
    the end game at the true point has Pk 0; with a margin above the prediction's height
    error the round is not fired now; its window (the track climbs) opens later."""
    L = make_launchers(["pac3"])
    track = _level(48.0)
    track[0, 5] = 2.0
    monkeypatch.setattr(env, "LOW_EDGE_MARGIN_M", 0.0)
    res = feasibility(track, L, flat, 0.0, kind=["cruise"])
    tof = float(res["tof"][0, 0])
    h_pip = 48.0 + 2.0 * tof
    assert res["pip"][0, 0, 2] == pytest.approx(h_pip) and h_pip > 50.0
    assert res["inside"][0, 0] and res["pk"][0, 0] > 0.5
    # The end game: the true target at the intercept time, level at 40 m.
    truth = np.array([[20000.0 - 210.0 * tof, 0.0, 40.0, -210.0, 0.0, 0.0]])
    margin_end, pk_end = _kernels.end_game_pks(
        truth, np.array([tof]), np.zeros(1, np.int64), env._launcher_rows(L), np.inf,
        np.array([0.85]), np.array([4.0]), np.zeros(1), np.ones(1))
    assert margin_end[0] < 0.0 and pk_end[0] == 0.0
    # With the margin past the prediction's error (h_pip - 40 m), nothing is fired.
    monkeypatch.setattr(env, "LOW_EDGE_MARGIN_M", h_pip - 40.0)
    res2 = feasibility(track, L, flat, 0.0, kind=["cruise"])
    assert not res2["inside"][0, 0] and res2["pk"][0, 0] == 0.0
    assert res2["window_open_s"][0, 0] > 0.0


def test_end_game_judges_the_floor_itself(monkeypatch):
    """A target between the floor and the fire decision's floor at the end game: inside
    (Pk > 0), whatever the margin; below the floor: Pk 0."""
    monkeypatch.setattr(env, "LOW_EDGE_MARGIN_M", 100.0)
    L = make_launchers(["pac3"])
    states = np.array([[15000.0, 0.0, z, -210.0, 0.0, 0.0] for z in (49.0, 51.0, 120.0)])
    tof = np.full(3, 12.0)
    one = np.ones(3)
    margin, pk = _kernels.end_game_pks(states, tof, np.zeros(3, np.int64), env._launcher_rows(L),
                                       np.inf, 0.85 * one, 4.0 * one, np.zeros(3), one)
    assert (margin >= 0).tolist() == [False, True, True]
    assert (pk > 0).tolist() == [False, True, True]


def test_target_flying_at_the_floor_itself_is_inside_whatever_the_rounding():
    """The misses of example 3 (a Kh-101 cruising at 50 m, the PAC-3's floor): points built
    50 m above a sphere of the Earth's size (:func:`airdefense.geo.point_above_sphere`, the
    threats' own construction) read up to a few units of 9.3e-10 m below 50 m; the end game
    takes them at the floor (Pk > 0), as those reading 50 m or more, while 1 mm below the
    floor is outside (Pk 0), and so is 1 mm above the ceiling."""
    from airdefense.geo import point_above_sphere

    R = 6.3e6
    L = make_launchers(["pac3"])
    ang = np.linspace(0.0, 2.0 * np.pi, 400, endpoint=False)
    d = np.linspace(3000.0, 30000.0, 400)
    p = point_above_sphere(d * np.sin(ang), d * np.cos(ang), np.full(400, 50.0), R)
    h = np.array([_kernels._height(*q, R) for q in p])
    assert (h < 50.0).any() and (np.abs(h - 50.0) < 1e-8).all()  # rounding below the floor
    low = point_above_sphere(np.array([9000.0]), np.array([0.0]), np.array([50.0 - 1e-3]), R)
    top = point_above_sphere(np.array([25000.0]), np.array([0.0]), np.array([20000.0 + 1e-3]),
                             R)
    pts = np.vstack([p, low, top])
    n = pts.shape[0]
    inbound = -210.0 * pts[:, :2] / np.hypot(pts[:, 0], pts[:, 1])[:, None]  # no crossing
    states = np.hstack([pts, inbound, np.zeros((n, 1))])
    one = np.ones(n)
    _, pk = _kernels.end_game_pks(states, np.full(n, 10.0), np.zeros(n, np.int64),
                                  env._launcher_rows(L), R, 0.85 * one, 4.0 * one, np.zeros(n),
                                  one)
    assert (pk[:-2] > 0.0).all() and pk[-2] == 0.0 and pk[-1] == 0.0
