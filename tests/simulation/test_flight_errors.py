"""A flight that fails in a run for one seed's scatter (the load's check flew the group) names
the scenario's file, the field, the seed and the scatter."""

from __future__ import annotations

import pytest
import yaml

from airdefense import simulate
from airdefense.errors import ScenarioError
from airdefense.scenario import load_scenario, loader
from tests.conftest import EXAMPLES, scatter_cruise_dict


def test_a_seed_whose_scatter_cannot_fly_names_file_field_seed_and_scatter(tmp_path,
                                                                           monkeypatch):
    """The Kh-101s of ``scatter_cruise_dict`` (the load refuses them). With the load's check left
    out, seed 1's scatter fails in the run: the error says which file, field, seed and
    scatter (it named neither the file nor the scatter)."""
    d = scatter_cruise_dict()
    path = tmp_path / "scatter.yaml"
    path.write_text(yaml.safe_dump(d))
    monkeypatch.setattr(loader, "check_flights", lambda sc, lines=None: None)
    sc = load_scenario(path)
    failed = 0
    for seed in range(1, 21):
        try:
            simulate(sc, seed=seed)
        except ScenarioError as exc:
            failed += 1
            assert exc.source == str(path)
            assert str(exc).startswith(f"{path}: raid.cruise.route")
            assert (f"(seed {seed}: a threat of the group scattered by route_jitter_m = 1000 m "
                    f"and aim_spread_m = 3000 m cannot fly;") in str(exc)
    assert failed >= 1  # the docstring's geometry fails for about half the seeds


def test_a_flight_error_without_scatter_keeps_its_message_and_gains_the_file(tmp_path,
                                                                            monkeypatch):
    """No scatter in the group: the error is the flight model's, with the scenario's file."""
    from airdefense.simulation import loop

    path = tmp_path / "s.yaml"
    path.write_text((EXAMPLES / "01_drone_wave.yaml").read_text())
    sc = load_scenario(path)

    def fail(sc, rng):
        raise ScenarioError("raid.nowhere.route[0]", "waypoint cannot be reached")

    monkeypatch.setattr(loop, "build_threats", fail)
    with pytest.raises(ScenarioError, match=r"^.*s\.yaml: raid\.nowhere\.route\[0\]: waypoint "
                       r"cannot be reached$"):
        simulate(sc, seed=3)
