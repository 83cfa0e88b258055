"""A results database written before the munition counts existed still reads and resumes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airdefense.results.stats import campaign_stats
from airdefense.results.store import QUANTITY_ORDER, CampaignInfo, RepResult, ResultStore

pytest.importorskip("duckdb")

OLD = {"threats_launched": 10.0, "intercepted": 7.0, "leaked": 3.0, "interceptors_fired": 9.0}
NEW = {"munitions_released": 6.0, "munitions_cancelled": 2.0, "platforms_returned": 1.0}


def _rep(rep: int, summary: dict) -> RepResult:
    return RepResult(rep=rep, seed_key=f"1/{rep}", wall_s=0.1, summary=summary,
                     expenditure=pd.DataFrame(columns=["type", "fired", "hits", "cost"]),
                     outcomes=pd.DataFrame(columns=["kind", "preset", "launched",
                                                    "intercepted", "leaked", "other"]))


def test_old_replications_read_with_the_new_counts_missing(tmp_path):
    """Replications written without the munition counts (an older version) and new ones
    resume into one table: the counts are NaN for the old runs, left out of the means and
    counted as non-finite, and come after the older quantities in the summary's order."""
    info = CampaignInfo(campaign_id="c0", scenario_name="s", scenario_hash="h",
                        campaign_hash="hh", seed=1, runs=3)
    db = tmp_path / "r.duckdb"
    with ResultStore(db) as st:
        st.begin(info, resume=False)
        st.write("c0", [_rep(0, OLD)])  # written before the new quantities
    with ResultStore(db) as st:
        assert st.begin(info, resume=True) == {0}
        st.write("c0", [_rep(1, {**OLD, **NEW}), _rep(2, {**OLD, **NEW})])
        summ = st.summaries("c0")
    assert list(summ.columns) == ["rep", *OLD, *NEW]
    assert QUANTITY_ORDER[-3:] == list(NEW)
    assert np.isnan(summ.loc[summ.rep == 0, list(NEW)].to_numpy()).all()
    table = campaign_stats(summ).table
    assert table.loc["munitions_released", "n"] == 2
    assert table.loc["munitions_released", "n_nonfinite"] == 1
    assert table.loc["munitions_released", "mean"] == 6.0
    assert table.loc["leaked", "n"] == 3
