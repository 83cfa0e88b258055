"""Track initiation on example 2: the full tracker replayed on recorded detections, against truth.

Run: ``.venv/bin/python benchmarks/bench_tracking_initiation.py [--initiation single,two_point]
[--repeat 3] [--cache /tmp/ex2_seed7.pkl] [--sequential]``

One simulation of example 2 (seed 7, ``tracking: full``, the default tracker) is run once and its
detections and the threats' true positions recorded (cached in ``--cache``); each initiation
method then gets a fresh :func:`make_tracker` fed the same detections (open loop: the same
radar data for every method). Printed per method: the best-of-``--repeat`` replay time, tracks
and tentative tracks a step, GOSPA against the threats alive and detected in the last 5 s
(confirmed tracks, 3-D positions, p = 2, alpha = 2, c = 200 m and 1 km, with the per-step
parts in m^2), the confirmed tracks' position error against their own threat, and the time from
a threat's first detection to its first confirmed track.

``--two-d MAX_SPEED`` instead scores the 2-D benchmark of ``stonesoup_compare.py`` (issue
scenario, seed 2026, GNN, GOSPA c = 50 m) with each method, two-point with that velocity gate
(m/s).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import pickle  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from airdefense import load_scenario, simulate  # noqa: E402
from airdefense.simulation import loop as _loop  # noqa: E402
from airdefense.tracking import tracker as _tracker  # noqa: E402
from airdefense.tracking.metrics import gospa  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "02_layered_city.yaml"


def record(seed: int = 7) -> list:
    """Per step: (time_s, detections, alive mask, true positions (n, 3)) of one full run."""
    sc = load_scenario(str(EXAMPLE))
    step = _tracker.MultiTargetTracker.step
    build = _loop.build_threats
    truth, rec = [], []

    def keep_truth(*a, **kw):
        truth.append(build(*a, **kw))
        return truth[-1]

    def rec_step(self, time_s, detections, scanned=None, alive=None):
        rec.append((time_s, detections, np.asarray(alive).copy(),
                    truth[-1].states(time_s)[:, :3].copy()))
        return step(self, time_s, detections, scanned, alive)

    _tracker.MultiTargetTracker.step = rec_step
    _loop.build_threats = keep_truth
    try:
        simulate(sc, seed=seed, tracking="full")
    finally:
        _tracker.MultiTargetTracker.step = step
        _loop.build_threats = build
    return rec


def replay(rec: list, config: dict | None = None, onepass: bool = True) -> dict:
    """Feed the recorded detections to a fresh tracker; time it and score it against truth.

    ``onepass`` False processes each radar's detections in turn (``MultiTargetTracker``).
    """
    trk = _tracker.make_tracker(config=config)
    trk.onepass = onepass
    n = len(rec[0][2])
    last_seen = np.full(n, -np.inf)
    first_det = np.full(n, np.nan)
    first_conf = np.full(n, np.nan)
    G = {200.0: [], 1000.0: []}
    parts = {c: np.zeros(3) for c in G}
    errs, tracks, tentative = [], [], []
    spent = 0.0
    for t, det, alive, pos in rec:
        t0 = time.perf_counter()
        tr = trk.step(t, det)
        spent += time.perf_counter() - t0
        tracks.append(len(tr))
        tentative.append(int((~tr.confirmed).sum()))
        if len(det):
            ids = det.truth_id[det.truth_id >= 0]
            last_seen[ids] = t
            new = ids[np.isnan(first_det[ids])]
            first_det[new] = t
        X = pos[alive & (t - last_seen <= 5.0)]
        E = tr.x[tr.confirmed, :3]
        for c in G:
            g = gospa(X, E, c=c)
            G[c].append(g.distance)
            parts[c] += (g.localisation, g.missed, g.false)
        tid = tr.truth_id[tr.confirmed]
        ok = tid >= 0
        if ok.any():
            errs.append(np.linalg.norm(E[ok] - pos[tid[ok]], axis=1))
            u = np.unique(tid[ok])
            u = u[np.isnan(first_conf[u])]
            first_conf[u] = t
    e = np.concatenate(errs) if errs else np.zeros(1)
    lag = first_conf - first_det
    seen = np.isfinite(first_det)
    return {"tracker_s": spent, "steps": len(rec), "tracks": float(np.mean(tracks)),
            "tentative": float(np.mean(tentative)), "started": int(trk.manager.next_id),
            **{f"gospa_{int(c)}": float(np.mean(G[c])) for c in G},
            **{f"parts_{int(c)}": parts[c] / len(rec) for c in G},
            "err": np.quantile(e, [0.5, 0.9, 0.99]),
            "lag": np.nanquantile(lag, [0.5, 0.9]) if np.isfinite(lag).any() else [np.nan] * 2,
            "lag_mean": float(np.nanmean(lag)), "never": int((seen & np.isnan(lag)).sum()),
            "threats_seen": int(seen.sum())}


def two_d(method: str, max_speed: float, seed: int = 2026, **extra) -> dict:
    """GOSPA (c = 50 m) of the GNN tracker on the 2-D benchmark scenario with one method."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_tracking_scenario import generate
    from stonesoup_compare import SPEED_SIGMA, _score

    from airdefense.tracking.kalman import Measurements

    sc = generate(np.random.default_rng(seed))
    cfg = _tracker.TrackerConfig(sigma_m=sc.sigma_m, q=sc.q, pd=sc.pd,
                                 clutter_density=sc.clutter_density, confirm="3/3",
                                 delete_misses=3, speed_sigma_mps=SPEED_SIGMA,
                                 initiation=method, max_speed_mps=max_speed, **extra)
    trk = _tracker.build_tracker(cfg, ndim=2)
    est, spent, tracks = [], 0.0, []
    for t, z, ids in sc.scans:
        m = Measurements.cartesian(t, z, sc.sigma_m, truth_id=ids)
        t0 = time.perf_counter()
        tr = trk.step(t, m)
        spent += time.perf_counter() - t0
        tracks.append(len(tr))
        c = tr.select(tr.confirmed)
        est.append((c.track_id, c.x[:, :2]))
    out = _score(sc, est)
    out.update(ms_per_scan=1e3 * spent / len(sc.scans), tracks=float(np.mean(tracks)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--initiation", default="single,two_point")
    ap.add_argument("--cache", default="")
    ap.add_argument("--set", action="append", default=[],
                    help="extra tracker setting KEY=VALUE (repeatable)")
    ap.add_argument("--two-d", type=float, default=0.0, dest="two_d")
    ap.add_argument("--sequential", action="store_true",
                    help="replay with one tracker pass per radar (onepass off)")
    args = ap.parse_args()
    extra = dict(kv.split("=", 1) for kv in args.set)
    if args.two_d:
        extra = {k: float(v) for k, v in extra.items()}
        for method in args.initiation.split(","):
            r = two_d(method, args.two_d, **extra)
            print(f"2-D, {method}: GOSPA {r['gospa']:.2f} m (loc {r['localisation']:.0f}, "
                  f"missed {r['missed']:.0f}, false {r['false']:.0f}), {r['id_switches']} id "
                  f"switches, {r['ms_per_scan']:.2f} ms a scan, {r['tracks']:.0f} tracks")
        return
    if args.cache and Path(args.cache).exists():
        rec = pickle.loads(Path(args.cache).read_bytes())
    else:
        rec = record(args.seed)
        if args.cache:
            Path(args.cache).write_bytes(pickle.dumps(rec))
    for method in args.initiation.split(","):
        best = None
        for _ in range(args.repeat):
            r = replay(rec, {"initiation": method, **extra}, onepass=not args.sequential)
            if best is None or r["tracker_s"] < best["tracker_s"]:
                best = r
        r = best
        print(f"{method}: replay {r['tracker_s']:.2f} s (best of {args.repeat}, "
              f"{1e3 * r['tracker_s'] / r['steps']:.2f} ms a step); {r['tracks']:.1f} tracks "
              f"({r['tentative']:.1f} tentative) a step; {r['started']} tracks started")
        for c in (200, 1000):
            lo, mi, fa = r[f"parts_{c}"]
            print(f"  GOSPA c={c} m: {r[f'gospa_{c}']:.1f} m (loc {lo:.0f}, missed {mi:.0f}, "
                  f"false {fa:.0f} m^2 a step)")
        print(f"  confirmed-track error median/p90/p99: "
              f"{' / '.join(f'{v:.1f}' for v in r['err'])} m")
        print(f"  first detection -> confirmed track: mean {r['lag_mean']:.2f} s, median/p90 "
              f"{' / '.join(f'{v:.1f}' for v in r['lag'])} s; {r['never']} of "
              f"{r['threats_seen']} detected threats never confirmed")


if __name__ == "__main__":
    main()
