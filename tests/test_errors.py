"""The error classes: their text, and their survival of pickling (campaign workers)."""

import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from airdefense.errors import AirDefenseError, InputFileError, ScenarioError

CASES = [
    (ScenarioError("raid.drones.count", "must be >= 1, got 0", "s.yaml"),
     "s.yaml: raid.drones.count: must be >= 1, got 0"),
    (ScenarioError("", "no batteries"), "no batteries"),
    (InputFileError("meas.csv", "time: must be finite, got nan", 7),
     "meas.csv:7: time: must be finite, got nan"),
    (InputFileError("grid.npy", "not a 2-D array"), "grid.npy: not a 2-D array"),
    (AirDefenseError("plain"), "plain"),
]


@pytest.mark.parametrize(("err", "text"), CASES)
def test_round_trip(err, text):
    err.add_note("finished replications are kept")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert str(back) == str(err) == text
    assert back.__dict__ == err.__dict__  # fields and notes
    assert back.exit_code == 1


def _raise(err):
    raise err


def test_worker_error_reaches_parent():
    # A spawned worker's error crosses the process boundary as itself, not as a broken pool
    # (one pool for all cases: a spawn start costs seconds).
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as ex:
        futs = [(ex.submit(_raise, err), err, text) for err, text in CASES[:3]]
        for fut, err, text in futs:
            with pytest.raises(type(err), match=text.replace(".", r"\.")) as got:
                fut.result()
            assert got.value.__dict__ == err.__dict__
