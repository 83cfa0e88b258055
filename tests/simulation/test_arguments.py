"""simulate() and run_campaign() refuse bad arguments with one clear AirDefenseError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airdefense.campaign import run_campaign
from airdefense.errors import AirDefenseError
from airdefense.simulation import simulate


@pytest.mark.parametrize("mode", ["Truth", "bogus", ""])
def test_an_unknown_tracking_mode_is_refused(small_scenario, mode):
    """Only 'truth' and 'full' exist: a misspelt mode is not run as the full tracker."""
    with pytest.raises(AirDefenseError, match=rf"tracking must be one of 'truth', 'full' .*got "
                       rf"{mode!r}"):
        simulate(small_scenario, seed=1, tracking=mode)
    with pytest.raises(AirDefenseError, match=rf"tracking must be one of .*got {mode!r}"):
        run_campaign(small_scenario, 1, tracking=mode)


@pytest.mark.parametrize(("seed", "pattern"), [
    (-1, r"seed must be >= 0, got -1"),
    ("a", r"seed must be an integer >= 0, got 'a'"),
    (1.5, r"seed must be an integer >= 0, got 1\.5"),
    (True, r"seed must be an integer >= 0, got True"),
])
def test_a_bad_seed_is_refused_as_run_campaign_does(small_scenario, seed, pattern):
    with pytest.raises(AirDefenseError, match=pattern):
        simulate(small_scenario, seed=seed)
    with pytest.raises(AirDefenseError, match=pattern):
        run_campaign(small_scenario, 1, seed=seed)


def test_the_same_seed_sequence_gives_the_same_run(small_scenario):
    """A SeedSequence stands for its entropy and spawn key (the run's ``seed`` label): the
    same object twice, or one that has spawned children elsewhere, gives the run of a fresh
    sequence with the same entropy and key (the streams were spawned from the caller's object,
    so each call drew other children)."""
    ss = np.random.SeedSequence(5, spawn_key=(3,))
    first = simulate(small_scenario, seed=ss)
    again = simulate(small_scenario, seed=ss)
    ss.spawn(4)  # children drawn elsewhere
    later = simulate(small_scenario, seed=ss)
    fresh = simulate(small_scenario, seed=np.random.SeedSequence(5, spawn_key=(3,)))
    assert first.seed == again.seed == later.seed == fresh.seed == "5/3"
    for res in (again, later, fresh):
        for name in ("events", "threats", "interceptors", "assets"):
            pd.testing.assert_frame_equal(getattr(first, name), getattr(res, name))
