"""GOSPA and speed of airdefense's tracker against Stone Soup's standard GNN pipeline.

Run: ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/stonesoup_compare.py``
(needs ``pip install -e .[compare]`` for Stone Soup).

The issue's scenario: 100 targets over 100 scans of 1 s, born and dying at random, nearly
constant velocity with q = 1 m^2/s^3, sigma = 10 m, Pd = 0.9, uniform clutter at 2.5 per km^2
per scan over a 10 km x 10 km square (250 per scan). Both trackers get the same true parameters
(q, sigma, Pd, clutter density), the same prior velocity spread for new tracks (30 m/s per axis),
3-scan confirmation and deletion after 3 missed scans.

Stone Soup's pipeline is the one of its "Multi-target tracking: automated" tutorial:
KalmanPredictor/KalmanUpdater, a hypothesiser, GNNWith2DAssignment, UpdateTimeStepsDeleter(3) and
a MultiMeasurementInitiator(min_points=3) with its own GNN, in a MultiTargetTracker. Two
hypothesisers are run: the tutorial's DistanceHypothesiser (Mahalanobis, missed_distance 3) and
PDAHypothesiser with the true Pd and clutter density.

GOSPA (c = 50 m, p = 2, alpha = 2) is computed at every scan between the living truths and the
confirmed tracks (Stone Soup: the tracks its tracker returns), and averaged over the scans.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking_scenario import generate  # noqa: E402

from airdefense.tracking.kalman import Measurements  # noqa: E402
from airdefense.tracking.metrics import gospa, id_switches  # noqa: E402
from airdefense.tracking.tracker import TrackerConfig, build_tracker  # noqa: E402

SPEED_SIGMA = 30.0


def _score(sc, estimates):
    """Mean GOSPA and its parts over the scans, plus id switches; estimates[k] = (ids, pos)."""
    d, loc, mis, fal = [], [], [], []
    rows = []
    for k, (ids, pos) in enumerate(estimates):
        a = np.flatnonzero(sc.alive[k])
        r = gospa(sc.truth[k, a, :2], pos, c=50.0, p=2.0, alpha=2.0)
        d.append(r.distance)
        loc.append(r.localisation)
        mis.append(r.missed)
        fal.append(r.false)
        rows.extend((k, a[i], ids[j]) for i, j in zip(r.truth_index, r.track_index, strict=True))
    rows = np.array(rows) if rows else np.zeros((0, 3), int)
    sw = id_switches(rows[:, 0], rows[:, 1], rows[:, 2]) if len(rows) else 0
    return dict(gospa=float(np.mean(d)), localisation=float(np.mean(loc)),
                missed=float(np.mean(mis)), false=float(np.mean(fal)), id_switches=sw)


def run_airdefense(sc, associator="gnn"):
    cfg = TrackerConfig(sigma_m=sc.sigma_m, q=sc.q, pd=sc.pd, clutter_density=sc.clutter_density,
                        confirm="3/3", delete_misses=3, speed_sigma_mps=SPEED_SIGMA,
                        associator=associator)
    trk = build_tracker(cfg, ndim=2)
    est, times = [], []
    for t, z, ids in sc.scans:
        m = Measurements.cartesian(t, z, sc.sigma_m, truth_id=ids)
        t0 = time.perf_counter()
        tr = trk.step(t, m)
        times.append(time.perf_counter() - t0)
        c = tr.select(tr.confirmed)
        est.append((c.track_id, c.x[:, :2]))
    return est, float(np.mean(times))


def run_stonesoup(sc, hypothesiser="pda"):
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.hypothesiser.probability import PDAHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(sc.q),
                                                        ConstantVelocity(sc.q)])
    mm = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.eye(2) * sc.sigma_m**2)
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(mm)

    def hyp():
        if hypothesiser == "pda":
            return PDAHypothesiser(predictor, updater, clutter_spatial_density=sc.clutter_density,
                                   prob_detect=sc.pd, prob_gate=0.999)
        return DistanceHypothesiser(predictor, updater, measure=Mahalanobis(),
                                    missed_distance=3)

    deleter = UpdateTimeStepsDeleter(time_steps_since_update=3)
    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(np.zeros((4, 1)),
                                  np.diag([0.0, SPEED_SIGMA**2, 0.0, SPEED_SIGMA**2])),
        measurement_model=mm, deleter=UpdateTimeStepsDeleter(time_steps_since_update=1),
        data_associator=GNNWith2DAssignment(hyp()), updater=updater, min_points=3)
    t0 = datetime.datetime(2026, 1, 1)
    scans = []
    for t, z, _ids in sc.scans:
        ts = t0 + datetime.timedelta(seconds=t)
        scans.append((ts, {Detection(zz.reshape(2, 1), timestamp=ts, measurement_model=mm)
                           for zz in z}))
    detector = iter(scans)

    class _Feeder:  # the tracker pulls (time, detections) from a detector
        def __iter__(self):
            return detector

    tracker = MultiTargetTracker(initiator=initiator, deleter=deleter, detector=_Feeder(),
                                 data_associator=GNNWith2DAssignment(hyp()), updater=updater)
    est, times = [], []
    it = iter(tracker)
    for _ in scans:
        a = time.perf_counter()
        _, tracks = next(it)
        times.append(time.perf_counter() - a)
        tracks = list(tracks)
        ids = np.array([hash(tr.id) for tr in tracks])
        pos = np.array([[tr.state_vector[0, 0], tr.state_vector[2, 0]] for tr in tracks])
        est.append((ids, pos.reshape(-1, 2)))
    return est, float(np.mean(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--stonesoup", default="pda,distance",
                    help="Stone Soup hypothesisers to run: pda, distance (comma list)")
    args = ap.parse_args()
    sc = generate(np.random.default_rng(args.seed))
    print(f"scenario: {sc.alive.any(0).sum()} targets, {len(sc.scans)} scans, "
          f"{np.mean([len(s[1]) for s in sc.scans]):.0f} detections per scan")
    print(f"{'tracker':<34} {'GOSPA m':>8} {'local':>8} {'missed':>8} {'false':>8} "
          f"{'id sw':>6} {'ms/scan':>9}")
    rows = [("airdefense GNN (EKF, CV)", *run_airdefense(sc, "gnn")),
            ("airdefense JPDA (EKF, CV)", *run_airdefense(sc, "jpda"))]
    for h in (s for s in args.stonesoup.split(",") if s):
        rows.append((f"Stone Soup GNN ({h} hypothesiser)", *run_stonesoup(sc, h)))
    for name, est, sec in rows:
        s = _score(sc, est)
        print(f"{name:<34} {s['gospa']:>8.2f} {s['localisation']:>8.0f} {s['missed']:>8.0f} "
              f"{s['false']:>8.0f} {s['id_switches']:>6d} {1e3 * sec:>9.2f}", flush=True)
    print("GOSPA parts are per-scan means of the p-th power sums (m^2); GOSPA is the per-scan "
          "mean distance.")


if __name__ == "__main__":
    main()
