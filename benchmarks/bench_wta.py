"""Benchmark: the WTA solvers on the published Andersen et al. (2022) instances and on
Ahuja-style random instances.

Run: ``.venv/bin/python benchmarks/bench_wta.py [--limit 120] [--part andersen|ahuja|all]``
or ``.venv/bin/python -m pytest benchmarks/bench_wta.py -m benchmark -s``.
``--part compiled`` compares the compiled heuristic with its NumPy reference
(``tests/assignment/_reference_heuristic.py``): table 3.

Tables (markdown on stdout):

1. every instance in ``../shared/data/wta-andersen2022``: the exact solver's objective, bound,
   gap and time at the limit, beside the paper's best approach (branch-and-adjust,
   delta 1e-5, CPLEX 12.10, one thread, 7,200 s) and the best upper bound over all its
   approaches; plus the heuristic's objective at 1 s;
2. Ahuja-style ``N x N`` instances (V ~ U[25, 100], p ~ U[0.6, 0.9], one copy each, 20 seeds
   from ``SeedSequence(0).spawn(20)``): the exact solver's time (median, max) and the
   heuristic's and greedy's gap to the exact solver's proven bound;
3. the compiled heuristic against the NumPy one it replaced: the time of every WTA solve of
   example-2 truth replications (seeds 2, 3, 4; same summaries), and on the Andersen
   instances the time at equal work (kick rule, no time limit: same x) and the objective
   reached in 1 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from airdefense.assignment import (
    ExactSolver,
    GreedySolver,
    HeuristicSolver,
    ahuja_instances,
    read_andersen,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "wta-andersen2022"
PAPER_APPROACH = "branch-and-adjust_delta_0.00001"


def published(path: Path = DATA / "results.csv") -> dict[tuple[int, int, int], dict]:
    """Per ``(W, T, mu)``: the paper's branch-and-adjust (delta 1e-5) row and the best UB."""
    out: dict[tuple[int, int, int], dict] = {}
    approach = None
    with open(path) as fh:
        for row in csv.reader(fh):
            if row and row[0].startswith("Approach:"):
                approach = row[0].split(":", 1)[1].strip()
                continue
            if len(row) < 9 or not row[1].strip().isdigit():
                continue
            key = (int(row[1]), int(row[2]), int(row[3]))
            lb, ub, gap, sec = float(row[5]), float(row[6]), row[7], float(row[8])
            d = out.setdefault(key, {"best_ub": np.inf})
            d["best_ub"] = min(d["best_ub"], ub)
            if approach == PAPER_APPROACH:
                d.update(lb=lb, ub=ub, gap=gap, seconds=sec)
    return out


def andersen_table(limit_s: float = 120.0, heuristic_s: float = 1.0) -> str:
    """Markdown table of the exact (and heuristic) solver on every shared instance."""
    ref = published()
    files = sorted(DATA.glob("wta_*.txt"),
                   key=lambda p: tuple(int(v) for v in p.stem[4:].split("x")))
    lines = ["| instance | paper LB | paper UB | paper gap | paper s | ours objective | "
             "ours bound | ours gap | ours s | obj vs paper UB | heuristic (1 s) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for f in files:
        W, T, mu = (int(v) for v in f.stem[4:].split("x"))
        prob = read_andersen(f)
        sol = ExactSolver().solve(prob, time_limit_s=limit_s)
        he = HeuristicSolver(max_kicks=10**9).solve(prob, time_limit_s=heuristic_s,
                                                    rng=np.random.default_rng(0))
        r = ref.get((W, T, mu), {})
        ub = r.get("ub", np.nan)
        best_ub = min(ub, r.get("best_ub", np.inf))
        rel = 100 * (sol.objective - best_ub) / best_ub
        lines.append(
            f"| {W}x{T}x{mu} | {r.get('lb', np.nan):.6f} | {ub:.6f} | {r.get('gap', '?')} | "
            f"{r.get('seconds', np.nan):.1f} | {sol.objective:.6f} | {sol.bound:.6f} | "
            f"{'opt' if sol.status == 'optimal' else f'{100 * sol.gap:.2f}%'}"
            f" ({100 * sol.gap:.4f}%) | {sol.seconds:.1f} | {rel:+.4f}% | {he.objective:.4f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def ahuja_table(sizes=((80, 0.05), (200, 0.2)), seeds: int = 20, limit_s: float = 60.0) -> str:
    """Markdown table over ``seeds`` Ahuja-style instances per size."""
    lines = ["| N x N | exact: optimal | exact s median (max) | exact gap max | "
             "heuristic limit | heuristic gap mean (max) | heuristic s max | "
             "greedy gap mean |", "|---|---|---|---|---|---|---|---|"]
    for n, h_limit in sizes:
        t_ex, gaps_ex, g_he, g_gr, t_he, n_opt = [], [], [], [], [], 0
        for k, prob in enumerate(ahuja_instances(n, count=seeds, seed=0)):
            ex = ExactSolver().solve(prob, time_limit_s=limit_s)
            he = HeuristicSolver(max_kicks=10**9).solve(prob, time_limit_s=h_limit,
                                                        rng=np.random.default_rng(k))
            gr = GreedySolver().solve(prob)
            n_opt += ex.status == "optimal"
            t_ex.append(ex.seconds)
            gaps_ex.append(ex.gap)
            ref = ex.bound            # the proven lower bound: gaps below are upper bounds
            g_he.append(100 * (he.objective - ref) / ref)
            g_gr.append(100 * (gr.objective - ref) / ref)
            t_he.append(he.seconds)
        lines.append(
            f"| {n}x{n} | {n_opt}/{seeds} | {np.median(t_ex):.2f} ({max(t_ex):.2f}) | "
            f"{100 * max(gaps_ex):.4f}% | {1e3 * h_limit:.0f} ms | {np.mean(g_he):.4f}% "
            f"({max(g_he):.4f}%) | {1e3 * max(t_he):.0f} ms | {np.mean(g_gr):.2f}% |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def machine() -> str:
    """One line: date, CPU count and processor."""
    return (f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.machine()} "
            f"({platform.processor() or 'cpu'}), Python {platform.python_version()}")


def heuristic_cycle_ms(repeats: int = 5, seed: int = 0) -> float:
    """Best time of the heuristic on a control-unit-sized problem (20 x 40, masked), ms."""
    from airdefense.assignment import WTAProblem

    rng = np.random.default_rng(seed)
    W, T = 20, 40
    prob = WTAProblem(values=rng.uniform(1, 100, T), p=rng.uniform(0.0, 0.95, (W, T)),
                      copies=rng.integers(0, 4, W), cost=rng.uniform(0, 5, W),
                      cost_weight=0.5, allowed=rng.random((W, T)) < 0.4,
                      max_per_target=rng.integers(1, 4, T))
    solver = HeuristicSolver()
    solver.solve(prob, time_limit_s=0.005)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        solver.solve(prob, time_limit_s=0.005)
        best = min(best, time.perf_counter() - t0)
    return 1e3 * best


def _reference():
    """The NumPy heuristic the kernels replaced (kept in the tests as their reference)."""
    sys.path.insert(0, str(REPO))
    from tests.assignment import _reference_heuristic
    return _reference_heuristic


def cycle_table(seeds=(2, 3, 4), repeats: int = 3) -> str:
    """Markdown table: time of the control unit's WTA solves in one example-2 truth replication
    (best of ``repeats`` after a warm-up), compiled and NumPy heuristic, with the summaries."""
    from airdefense import simulate
    from airdefense.assignment import heuristic
    from airdefense.c2 import wta

    ref = _reference()
    acc = {"assigner": 0.0, "solver": 0.0, "n": 0}
    solve_c2, solve_new = wta.WTAAssigner._solve, heuristic.HeuristicSolver.solve

    def timed_c2(self, *a, **k):
        t0 = time.perf_counter()
        out = solve_c2(self, *a, **k)
        acc["assigner"] += time.perf_counter() - t0
        acc["n"] += 1
        return out

    def timed(solve):
        def run(self, *a, **k):
            t0 = time.perf_counter()
            out = solve(self, *a, **k)
            acc["solver"] += time.perf_counter() - t0
            return out
        return run

    lines = ["| seed | heuristic | WTA solves | `WTAAssigner._solve` ms | of which "
             "`HeuristicSolver.solve` ms | replication s | (leaked, fired, value lost) |",
             "|---|---|---|---|---|---|---|"]
    wta.WTAAssigner._solve = timed_c2
    try:
        for label, solve in (("compiled", solve_new), ("NumPy reference", ref.HeuristicSolver.solve)):
            heuristic.HeuristicSolver.solve = timed(solve)
            simulate(REPO / "examples" / "02_layered_city.yaml", seed=1, tracking="truth")
            for seed in seeds:
                best = (np.inf, np.inf, np.inf)
                for _ in range(repeats):
                    acc.update(assigner=0.0, solver=0.0, n=0)
                    t0 = time.perf_counter()
                    res = simulate(REPO / "examples" / "02_layered_city.yaml", seed=seed,
                                   tracking="truth")
                    wall = time.perf_counter() - t0
                    best = tuple(min(a, b) for a, b in
                                 zip(best, (acc["assigner"], acc["solver"], wall), strict=True))
                summ = res.summary
                lines.append(f"| {seed} | {label} | {acc['n']} | {1e3 * best[0]:.1f} | "
                             f"{1e3 * best[1]:.1f} | {best[2]:.2f} | ({summ['leaked']}, "
                             f"{summ['interceptors_fired']}, {summ['value_lost']:.2f}) |")
                print(lines[-1], flush=True)
    finally:
        wta.WTAAssigner._solve = solve_c2
        heuristic.HeuristicSolver.solve = solve_new
    return "\n".join(lines)


def compiled_andersen_table(kicks: int = 3, limit_s: float = 1.0, repeats: int = 2) -> str:
    """Markdown table: compiled against NumPy heuristic on every shared Andersen instance, at
    equal work (``max_kicks=kicks``, no time limit, best of ``repeats``) and at ``limit_s``."""
    ref = _reference()
    files = sorted(DATA.glob("wta_*.txt"),
                   key=lambda p: tuple(int(v) for v in p.stem[4:].split("x")))
    lines = [f"| instance | objective, {kicks} kicks (both) | same x | compiled s | NumPy s | "
             f"speed-up | compiled, {limit_s:g} s | NumPy, {limit_s:g} s |",
             "|---|---|---|---|---|---|---|---|"]
    HeuristicSolver(max_kicks=2).solve(read_andersen(files[0]), time_limit_s=np.inf)  # compile
    for f in files:
        prob = read_andersen(f)
        out = {}
        for label, cls in (("new", HeuristicSolver), ("ref", ref.HeuristicSolver)):
            best = np.inf
            for _ in range(repeats):
                t0 = time.perf_counter()
                sol = cls(max_kicks=kicks).solve(prob, time_limit_s=np.inf,
                                                 rng=np.random.default_rng(0))
                best = min(best, time.perf_counter() - t0)
            timed = cls(max_kicks=10**9).solve(prob, time_limit_s=limit_s,
                                               rng=np.random.default_rng(0))
            out[label] = (sol, best, timed)
        new, ref_ = out["new"], out["ref"]
        same = np.array_equal(new[0].x, ref_[0].x)
        lines.append(f"| {f.stem[4:]} | {new[0].objective:.6f} | {'yes' if same else 'NO'} | "
                     f"{new[1]:.3f} | {ref_[1]:.3f} | {ref_[1] / new[1]:.1f}x | "
                     f"{new[2].objective:.6f} | {ref_[2].objective:.6f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


@pytest.mark.benchmark
def test_bench_heuristic_cycle():
    """A 20 x 40 masked problem: the heuristic answers in a few ms (best of 5; < 50 ms)."""
    ms = heuristic_cycle_ms()
    print(f"\n{machine()}\nheuristic, 20 x 40 control-unit problem: {ms:.1f} ms (best of 5)")
    assert ms < 50.0


@pytest.mark.benchmark
@pytest.mark.skipif(not DATA.is_dir(), reason="shared Andersen instances not present")
def test_bench_wta():
    """Both tables (Andersen at a 60 s limit, Ahuja 80 and 200 with 20 seeds)."""
    print("\n" + machine())
    print(andersen_table(limit_s=60.0))
    print(ahuja_table())


@pytest.mark.benchmark
@pytest.mark.skipif(not DATA.is_dir(), reason="shared Andersen instances not present")
def test_bench_wta_compiled():
    """Compiled heuristic against the NumPy one: simulation cycles and Andersen instances."""
    print("\n" + machine())
    print(cycle_table())
    print(compiled_andersen_table())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=float, default=120.0, help="exact time limit, s")
    ap.add_argument("--part", choices=["andersen", "ahuja", "compiled", "all"], default="all")
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args()
    print(machine())
    if args.part in ("andersen", "all"):
        print(andersen_table(limit_s=args.limit))
    if args.part in ("ahuja", "all"):
        print(ahuja_table(seeds=args.seeds))
    if args.part == "compiled":
        print(cycle_table())
        print(compiled_andersen_table())


if __name__ == "__main__":
    main()
