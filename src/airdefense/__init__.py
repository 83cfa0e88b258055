"""airdefense: simulate and analyse layered air and missile defence.

The public API, usable from a notebook::

    import airdefense as ad
    sc = ad.load_scenario("examples/02_layered_city.yaml")
    res = ad.simulate(sc, seed=1)
    print(res.summary_table())
"""

from airdefense._kernel_cache import check_kernel_caches

check_kernel_caches()  # before any kernel module loads its cache

from airdefense.campaign import CampaignResult, run_campaign, run_sweep  # noqa: E402
from airdefense.catalog import Catalog, load_catalog  # noqa: E402
from airdefense.errors import AirDefenseError, InputFileError, ScenarioError  # noqa: E402
from airdefense.scenario import Scenario, load_scenario  # noqa: E402
from airdefense.simulation import SimulationResult, simulate  # noqa: E402

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
