"""make_tracker merges a TrackerConfig's explicitly given settings like a dict's keys."""

import copy
import math
import pickle

import numpy as np
import pytest

from airdefense.errors import InputFileError
from airdefense.tracking.management import SinglePointInitiator, TwoPointInitiator
from airdefense.tracking.tracker import TrackerConfig, make_tracker


def _summary(trk):
    """The settings a built tracker shows: motion models' q, initiator, manager rules."""
    mg = trk.manager
    return ([type(m).__name__ for m in trk.filter.models], [m.q for m in trk.filter.models],
            type(trk.initiator).__name__, mg.delete_llr, mg.max_coast_s,
            trk.associator.pd, trk.associator.clutter_density)


def test_config_object_merges_like_a_dict():
    """TrackerConfig(q=2) keeps the full-mode defaults (two-point initiation, IMM, the
    deletion threshold ln(3600 / 0.01)) and changes q only, as {"q": 2} does."""
    obj = make_tracker(None, config=TrackerConfig(q=2))
    assert isinstance(obj.initiator, TwoPointInitiator)
    assert obj.manager.delete_llr == pytest.approx(math.log(3600 / 0.01), rel=1e-12)
    assert obj.filter.models[0].q == 2.0
    assert _summary(obj) == _summary(make_tracker(None, config={"q": 2}))
    assert _summary(obj) != _summary(make_tracker(None))


def test_explicit_default_value_counts_as_given():
    """A setting given equal to TrackerConfig's own default (q 1.0, single initiation) still
    overrides make_tracker's full-mode default (q 5, two-point)."""
    trk = make_tracker(None, config=TrackerConfig(q=1.0, initiation="single"))
    assert trk.filter.models[0].q == 1.0
    assert isinstance(trk.initiator, SinglePointInitiator)
    assert make_tracker(None).filter.models[0].q == 5.0


def test_fields_set_records_constructor_from_dict_and_assignment():
    """fields_set: keyword and positional arguments, from_dict keys, later assignments; a copy
    keeps them and does not share later changes."""
    assert TrackerConfig().fields_set == frozenset()
    assert TrackerConfig(12.0, pd=0.8).fields_set == {"sigma_m", "pd"}
    cfg = TrackerConfig.from_dict({"confirm": "2/2", "q": 3})
    assert cfg.fields_set == {"confirm", "q"}
    dup = copy.copy(cfg)
    cfg.max_coast_s = 9.0
    assert cfg.fields_set == {"confirm", "q", "max_coast_s"}
    assert dup.fields_set == {"confirm", "q"}
    assert pickle.loads(pickle.dumps(cfg)).fields_set == cfg.fields_set
    assert cfg == TrackerConfig(q=3.0, confirm="2/2", max_coast_s=9.0)  # eq on values only
    trk = make_tracker(None, config=cfg)
    assert trk.manager.max_coast_s == 9.0
    assert isinstance(trk.initiator, TwoPointInitiator)


def test_config_object_bad_setting_is_refused():
    """A bad value given in a TrackerConfig is refused by the merged validation."""
    with pytest.raises(InputFileError, match=r"pd: must be in \(0, 1\), got 1.5"):
        make_tracker(None, config=TrackerConfig(pd=1.5))
    assert np.isinf(TrackerConfig().delete_llr)
