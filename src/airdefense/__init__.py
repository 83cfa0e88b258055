"""airdefense: simulate and analyse layered air and missile defence.

The public API, usable from a notebook::

    import airdefense as ad
    sc = ad.load_scenario("examples/02_layered_city.yaml")
    res = ad.simulate(sc, seed=1)
    print(res.summary_table())
"""

from airdefense.campaign import CampaignResult, run_campaign, run_sweep
from airdefense.catalog import Catalog, load_catalog
from airdefense.errors import AirDefenseError, InputFileError, ScenarioError
from airdefense.scenario import Scenario, load_scenario
from airdefense.simulation import SimulationResult, simulate

__version__ = "0.1.0"

__all__ = [
    "AirDefenseError",
    "CampaignResult",
    "Catalog",
    "InputFileError",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "load_catalog",
    "load_scenario",
    "simulate",
    "run_campaign",
    "run_sweep",
    "__version__",
]
