"""The impacts that split a step's interceptor flight (_Run.strikes_on_components)."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense import load_scenario
from airdefense.engagement.damage import DAMAGED, INTACT, damage_probabilities
from airdefense.simulation import loop

from ..conftest import EXAMPLES


def _reference(run, t0, t1):
    """The strike times by their definition: impacts due inside (t0, t1) of flying threats,
    not killed before, with a damage chance of at least _STRIKE_P on an intact radar or
    launcher asset."""
    tr = run.truth
    end = tr.end_time_s
    comp = run._components[run.asset_state[run._components] == INTACT]
    due = np.flatnonzero((run.status == loop._FLYING) & (end > t0) & (end < t1)
                         & (end < run.kill_t) & np.isfinite(tr.impact_enu[:, 0]))
    if due.size == 0 or comp.size == 0:
        return []
    a = run.sc.assets
    _, p = damage_probabilities(tr.impact_enu[due], tr.lethal_radius_m[due], a.enu[comp],
                                a.hardness[comp], a.lethal_radius_m[comp])
    return sorted({float(end[k]) for k in due[(p >= loop._STRIKE_P).any(axis=1)]})


@pytest.mark.parametrize("example", ["03_battery_strike.yaml", "02_layered_city.yaml"])
@pytest.mark.parametrize("seed", [2, 5])
def test_strikes_are_the_impacts_that_may_damage_an_intact_component(example, seed):
    """Over windows across the raid, with every component intact and then with one only
    (the others damaged), and some threats shot down (the table of which impact reaches
    which component is made once), the strike times are those of the definition; in the
    battery strike some windows have strikes, and fewer with one component left (example
    2's impacts reach no component)."""
    run = loop._Run(load_scenario(EXAMPLES / example), seed, "truth", None)
    comps = run._components
    assert comps.size
    run.status[:] = loop._FLYING
    run._next_end = -np.inf
    ends = np.sort(run.truth.end_time_s[np.isfinite(run.truth.end_time_s)])
    edges = np.unique(np.concatenate([ends - 0.5, ends + 0.5, np.linspace(0, ends[-1], 40)]))
    run.kill_t[::7] = ends[len(ends) // 2]  # some shot down halfway

    def sweep():
        found = 0
        for t0, t1 in zip(edges[:-1], edges[1:], strict=True):
            got = run.strikes_on_components(float(t0), float(t1))
            assert got == _reference(run, t0, t1)
            found += len(got)
        return found

    every = sweep()
    assert (every > 0) == example.startswith("03")
    for c in comps:
        run.asset_state[comps] = DAMAGED
        run.asset_state[c] = INTACT
        one = sweep()
        assert one <= every
    run.asset_state[comps] = DAMAGED
    assert sweep() == 0
