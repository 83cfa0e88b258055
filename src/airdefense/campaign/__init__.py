"""Monte Carlo campaigns and parameter sweeps, run locally (process pool) or on Ray.

>>> import airdefense as ad
>>> res = ad.run_campaign("examples/01_drone_wave.yaml", 50, seed=1)  # doctest: +SKIP
>>> res.summaries.leaked.mean()  # doctest: +SKIP
"""

from airdefense.campaign.runner import CampaignResult, run_campaign
from airdefense.campaign.sweep import SweepResult, parse_values, parse_vary, run_sweep

__all__ = ["CampaignResult", "SweepResult", "parse_values", "parse_vary", "run_campaign",
           "run_sweep"]
