"""Radar track slots go to the largest detector outputs (what the radar's processor sees, the
``snr_db`` every report carries), not to the largest fluctuated signal powers, when a radar
has more new hits than free slots (``sensors._kernels.update_tracks``; the tracker's input)."""

import numpy as np
import pytest

from airdefense.sensors import _kernels as K


def _table(signal, det, capacity):
    """One radar, one look and one return per target, every return a hit, no target held:
    the kernel's tables with the given signal powers and detector outputs (noise powers)."""
    k = len(signal)
    rc = np.zeros((1, K.RC_N))
    rc[0, K.RC_CAPACITY] = capacity
    rc[0, K.RC_DROP_MISSES] = 3
    rc[0, K.RC_REVISIT] = 1.0
    wf = np.zeros((k, K.WF_N))
    wi = np.zeros((k, K.WI_N), np.int64)
    wi[:, K.LI_RADAR] = 0
    wi[:, K.LI_TARGET] = np.arange(k)
    wi[:, K.RI_LOOK] = np.arange(k)
    wi[:, K.RI_HIT] = 1
    wf[:, K.RF_SNR] = signal
    wf[:, K.RF_DET] = det
    return rc, wf, wi, np.zeros((1, k), bool), np.zeros((1, k), np.int64), np.zeros((1, k))


@pytest.mark.parametrize("capacity", [1, 2, 3])
def test_slots_go_to_the_largest_detector_outputs(capacity):
    """Five hits whose signal powers and detector outputs rank in opposite orders (noise
    added to a weak signal can read above a strong one): the radar keeps the ``capacity``
    largest detector outputs and reports only those."""
    signal = np.array([50.0, 40.0, 30.0, 20.0, 10.0])
    det = np.array([16.0, 25.0, 31.0, 44.0, 60.0])
    rc, wf, wi, tracked, misses, nxt = _table(signal, det, capacity)
    reported, refused = K.update_tracks(5, 5, rc, wf, wi, tracked, misses, nxt)
    want = np.argsort(-det)[:capacity]
    assert set(np.flatnonzero(tracked[0])) == set(want.tolist())
    assert set(np.flatnonzero(wi[:, K.RI_REPORT])) == set(want.tolist())
    assert (reported, refused) == (capacity, 5 - capacity)
    assert not tracked[0, np.argmax(signal)]  # the strongest signal lost its slot


def test_ties_keep_return_order():
    """Equal detector outputs: the earlier return takes the slot (stable ranking)."""
    rc, wf, wi, tracked, misses, nxt = _table([1.0, 9.0, 5.0], [20.0, 20.0, 20.0], 2)
    K.update_tracks(3, 3, rc, wf, wi, tracked, misses, nxt)
    assert tracked[0].tolist() == [True, True, False]
