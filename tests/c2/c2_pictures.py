"""Helpers of the control-unit tests: a two-layer scenario and synthetic track pictures."""

from __future__ import annotations

import copy

import numpy as np

from airdefense import load_scenario
from airdefense.c2.base import EngagementBook
from airdefense.engagement.model import Engagement
from airdefense.simulation.events import EventLog
from airdefense.tracking.base import Tracks

LAYERED = {
    "name": "layered-c2",
    "origin": {"lat_deg": 50.0, "lon_deg": 30.0, "alt_m": 100.0},
    "duration_s": 600.0,
    "assets": {
        "city": {"kind": "city_district", "position": {"bearing_deg": 0, "range_m": 0},
                 "value": 1.0e9, "hardness": 0.2},
    },
    "batteries": {
        "outer": {
            "position": {"bearing_deg": 270, "range_m": 3000},
            "sensors": {"preset": "mpq65", "name": "radar", "boresight_deg": 90},
            "launchers": {"preset": "patriot_m903_pac3", "count": 2},
            "doctrine": {"layer": "outer"},
        },
        "inner": {
            "position": {"bearing_deg": 90, "range_m": 1000},
            "sensors": {"preset": "tor_m2_radar", "name": "radar"},
            "launchers": {"preset": "tor_m2_tlar", "count": 2},
            "doctrine": {"layer": "inner"},
        },
    },
    "raid": {
        "drones": {"preset": "shahed136", "count": 4,
                   "launch": {"bearing_deg": 90, "range_m": 60000},
                   "target": {"asset": "city"}},
    },
}


def make_tracks(pos, vel, t: float = 100.0, sigma_m: float = 30.0) -> Tracks:
    """Confirmed tracks at ENU positions (m, 3) with velocities (m, 3)."""
    pos = np.asarray(pos, float).reshape(-1, 3)
    vel = np.asarray(vel, float).reshape(-1, 3)
    m = pos.shape[0]
    P = np.zeros((m, 6, 6))
    P[:, [0, 1, 2], [0, 1, 2]] = sigma_m**2
    P[:, [3, 4, 5], [3, 4, 5]] = 25.0
    return Tracks(time_s=t, track_id=np.arange(m) + 100, x=np.hstack([pos, vel]), P=P,
                  quality=np.full(m, 0.97), confirmed=np.ones(m, bool), truth_id=np.arange(m))


def drone_wave(m: int, rng: np.random.Generator, t: float = 100.0) -> Tracks:
    """Drones 8-30 km east of the city, 100-1,500 m high, flying west at 45-55 m/s."""
    east = rng.uniform(8000, 30000, m)
    north = rng.uniform(-4000, 4000, m)
    alt = rng.uniform(100, 1500, m)
    speed = rng.uniform(45, 55, m)
    pos = np.stack([east, north, alt], axis=1)
    d = -pos[:, :2] / np.linalg.norm(pos[:, :2], axis=1)[:, None]
    vel = np.stack([d[:, 0] * speed, d[:, 1] * speed, np.zeros(m)], axis=1)
    return make_tracks(pos, vel, t)


class Picture:
    """Everything a control unit's ``decide`` takes, for a loaded scenario and tracks."""

    def __init__(self, sc, tracks: Tracks, book: EngagementBook | None = None) -> None:
        from airdefense.c2.evaluation import evaluate_threats

        self.sc = sc
        self.tracks = tracks
        self.book = book or EngagementBook()
        self.engagement = Engagement(sc, EventLog(), np.random.default_rng(0))
        self.launchers = self.engagement.launchers
        a = sc.assets
        self.evaluation = evaluate_threats(tracks.x, a.enu, a.value, np.ones(len(a), bool),
                                           P=tracks.P, asset_hardness=a.hardness,
                                           asset_radius_m=a.lethal_radius_m)
        self.channels = self.engagement.channels_free(np.ones(len(sc.sensors), bool))
        self.battery_ok = np.ones(len(sc.batteries), bool)

    def args(self):
        return (self.tracks.time_s, self.tracks, self.evaluation, self.launchers, self.book,
                self.sc.batteries, self.channels, self.battery_ok, self.sc.frame.height_m)




def battery_alone(layered_dict: dict, name: str, doctrine: dict | None = None):
    """The layered scenario with battery ``name`` alone (the other removed), its doctrine
    replaced by ``doctrine`` (default: none, the defaults)."""
    d = copy.deepcopy(layered_dict)
    for other in [b for b in d["batteries"] if b != name]:
        del d["batteries"][other]
    d["batteries"][name]["doctrine"] = {} if doctrine is None else doctrine
    return load_scenario(d)
