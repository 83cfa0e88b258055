"""Weapon-target assignment control unit: the static WTA solved at every decision cycle.

Each cycle builds one :class:`airdefense.assignment.WTAProblem` from the engagement options
(:mod:`airdefense.c2._options`): weapons are the launchers (copies: the rounds each can ripple
before the next decision), targets the eligible tracks (value: the expected value each would
destroy), kill probabilities those of the predicted intercept, and the objective the expected
surviving value plus the cost weight times the interceptors' cost. Networked control solves one
problem over every battery; autonomous control one per battery, each blind to the others.
"""

from __future__ import annotations

import numpy as np

from airdefense.assignment import WTAProblem, make_solver
from airdefense.assignment import _kernels as _ak
from airdefense.assignment.heuristic import HeuristicSolver
from airdefense.c2 import _kernels
from airdefense.c2._options import _allowed_options, _evaluated_options
from airdefense.c2.base import EngagementBook, Orders
from airdefense.c2.greedy import _orders_of_rows, orders_from_rounds

__all__ = ["WTAAssigner"]

#: What :meth:`WTAAssigner.no_pair_orders` returns: orders of no row, shared (their arrays
#: have no element to change).
_NO_PAIR_ORDERS = Orders.from_rows([])
#: MIP solves (cut rounds) of one exact solve in a cycle.
_MAX_MIP_SOLVES = 50


def _cut_batteries(xt: np.ndarray, wb: np.ndarray, bcap: np.ndarray, p_t: np.ndarray,
                   a_t: np.ndarray, pc_t: np.ndarray, copies: np.ndarray) -> bool:
    """Cut the launchers of every battery that a solution ``xt`` (T, W) gives more rounds at a
    target than its cap there (the battery's salvo and rounds left, ``bcap`` (T, W) at its
    launchers' allowed pairs before any cut, 0 elsewhere), in place; whether any was cut.

    The battery's launchers at that target are taken in decreasing rounds in ``xt``, then
    kill probability (then position); each keeps the least of its pair cap, its copies and
    what the battery has left to give, and those left with none are no longer allowed there
    (``a_t`` False, ``p_t`` and ``pc_t`` 0). Their pair caps then sum to at most the
    battery's, so no later solution can go over at that target. ``wb`` (W,) are the
    weapons' batteries; ``p_t``, ``a_t``, ``pc_t`` (T, W), ``copies`` (W,).
    """
    cut = False
    for b in np.unique(wb):
        mine = np.flatnonzero(wb == b)
        cap_b = bcap[:, mine].max(axis=1)  # (T,)
        for a in np.flatnonzero(xt[:, mine].sum(axis=1) > cap_b):
            ws = mine[a_t[a, mine]]
            ws = ws[np.lexsort((ws, -p_t[a, ws], -xt[a, ws]))]
            left = int(cap_b[a])
            for q in ws.tolist():
                give = min(left, int(pc_t[a, q]), int(copies[q]))
                if give > 0:
                    pc_t[a, q] = give
                    left -= give
                else:
                    a_t[a, q] = False
                    p_t[a, q] = 0.0
                    pc_t[a, q] = 0
            cut = True
    return cut


def _cut_channels(xt: np.ndarray, wr: np.ndarray, chan: np.ndarray,
                  copies: np.ndarray) -> bool:
    """Lower the copies of the launchers of every fire-control radar whose launchers a
    solution ``xt`` (T, W) gives more rounds than the radar's free channels, in place;
    whether any was lowered.

    The radar's launchers are taken in decreasing rounds in ``xt`` (then position), each
    keeping the least of its copies and what the radar has left, so their copies then sum to
    at most its channels and no later solution can go over them. ``wr`` (W,) are the
    weapons' radars, ``chan`` (S,) the radars' free channels (-1: no limit), ``copies`` (W,).
    """
    if wr.size == 1:  # one launcher (the usual problem): its radar's load is its rounds
        r = int(wr[0])
        if chan[r] < 0:  # (no channel limit: the rounds need not be counted)
            return False
        used = xt.sum(axis=0)
        if int(used[0]) <= chan[r]:
            return False
    else:
        used = xt.sum(axis=0)
        load: dict = {}  # rounds per radar (usually within every radar's channels)
        for r, u in zip(wr.tolist(), used.tolist(), strict=True):
            load[r] = load.get(r, 0) + u
        if all(chan[r] < 0 or n <= chan[r] for r, n in load.items()):
            return False
    cut = False
    for r in np.unique(wr):
        mine = np.flatnonzero(wr == r)
        if chan[r] < 0 or used[mine].sum() <= chan[r]:
            continue
        left = int(chan[r])
        for q in mine[np.lexsort((mine, -used[mine]))].tolist():
            copies[q] = min(left, int(copies[q]))
            left -= int(copies[q])
        cut = True
    return cut


class WTAAssigner:
    """Control unit that solves the weapon-target assignment problem every cycle.

    Parameters
    ----------
    solver : {"heuristic", "exact", "greedy"}, default "heuristic"
        The :mod:`airdefense.assignment` solver.
    networked : bool, default True
        One problem over every battery, or one per battery (autonomous).
    cost_weight : float, default 0
        Weight of interceptor cost against value saved (dollars per dollar).
    decision_period_s : float, default 2
        Time to the next decision, s.
    time_limit_s : float, default 10
        Safety stop of the exact solver per problem, s. The solvers stop on work limits
        (the heuristic's improvement rule; the exact solver's ``node_limit`` and MIP solves),
        so that the same seed gives the same run on any machine; a solve stopped by the clock
        is counted in :attr:`clock_stops`.
    node_limit : int, default 2000
        Branch-and-bound nodes of each MIP solve of the exact solver.
    rng : numpy.random.Generator, optional
        Randomness of the heuristics' kicks.
    min_threat_value : float, default 0
        Least threat value (the assets' value unit) of a track to engage: one at or below it
        threatens nothing worth a round (the scenario's ``c2.min_threat_value``).
    """

    #: Its orders never exceed :func:`airdefense.c2.firing_capacity` (it obeys the shared
    #: options), so a cycle where no launcher can fire may be skipped.
    fires_within_capacity = True
    #: Its options' ``profitable_only`` (:func:`airdefense.c2._options.screen_cycle` screens a
    #: cycle with it: where no pair is allowed, :meth:`decide` is :meth:`no_pair_orders`).
    options_profitable_only = True
    #: Its :meth:`decide` takes ``some_pair=True`` where the caller knows that the cycle's
    #: options allow some pair (:func:`airdefense.c2._options.screen_cycle` said so).
    decide_some_pair = True

    def __init__(self, solver: str = "heuristic", networked: bool = True,
                 cost_weight: float = 0.0, decision_period_s: float = 2.0,
                 time_limit_s: float = 10.0, node_limit: int = 2000,
                 rng: np.random.Generator | None = None,
                 min_threat_value: float = 0.0) -> None:
        self.name = solver
        # Few kicks: cycle problems are small, and the run must not depend on the clock.
        if solver == "heuristic":
            self.solver = make_solver(solver, max_kicks=2)
        elif solver == "exact":
            self.solver = make_solver(solver, repeatable=True, node_limit=node_limit,
                                      max_mip_solves=_MAX_MIP_SOLVES)
        else:
            self.solver = make_solver(solver)
        #: Solves of this run that the clock stopped (the run then depends on the machine).
        self.clock_stops = 0
        self.networked = networked
        self.cost_weight = cost_weight
        self.decision_period_s = decision_period_s
        self.min_threat_value = min_threat_value
        self.time_limit_s = time_limit_s if solver == "exact" else 60.0
        self.rng = rng if rng is not None else np.random.default_rng(0)
        #: Solutions of the last cycle (one per problem), for inspection.
        self.last_solutions: list = []
        self._memo: dict = {}  # the figures fixed for a run (see decide_screened)

    def _solve(self, opt, cols: np.ndarray, launchers,
               channels_free: np.ndarray | None = None, into: tuple | None = None
               ) -> np.ndarray | Orders:
        # The problem's weapons are the launchers ``cols`` and its targets the tracks with some
        # allowed pair among them; returns the rounds of every track (m, cols.size), or with
        # ``into`` = (t, tracks) (``cols`` every launcher: networked) the orders of those
        # rounds (orders_from_rounds') where the usual cycle makes them in its last call.
        if type(self.solver) is HeuristicSolver and channels_free is not None:
            # The usual cycle (the heuristic, no battery's salvo to check): the problem and
            # the search's constants in one compiled call, the search on them (no problem
            # object), and the steps below only where the solution must be cut.
            lam = float(self.cost_weight)
            tg, w, qa, q, p, ub, values, c, mpt, copies, cost, k_max, mixed = (
                _ak.cycle_problem(opt.allowed, opt.pk, opt.value, opt.cap, opt.pair_cap,
                                  np.asarray(launchers.unit_cost, float), cols, lam))
            if tg.size == 0:
                return np.zeros((opt.allowed.shape[0], cols.size), int)
            if not mixed:
                sol = self.solver._solve_constants(qa, q, p, ub, values, c, mpt, copies, cost,
                                                   lam, k_max, self.time_limit_s, self.rng)
                chan = np.asarray(channels_free)
                fc = np.asarray(launchers.fire_control)
                if into is not None:  # the solution's check and its orders in one call
                    lb = np.asarray(launchers.battery)
                    ok, rows = _ak.solution_orders(sol.x, tg, w, cols, fc, chan, opt.allowed,
                                                   opt.pair_cap, opt.value, opt.pk, opt.cap,
                                                   opt.nonballistic_cap, opt.ballistic, lb)
                    if ok:
                        self.last_solutions.append(sol)
                        return _orders_of_rows(into[0], rows[0], rows[1], rows[2], opt,
                                               into[1], lb)
                elif not _ak.over_channels(sol.x, w, cols, fc, chan):
                    self.last_solutions.append(sol)
                    x = np.zeros((opt.allowed.shape[0], cols.size), int)
                    x[tg[:, None], w] = sol.x.T
                    return x
                return self._solve_steps(opt, cols, launchers, channels_free, sol)
        return self._solve_steps(opt, cols, launchers, channels_free)

    def _solve_steps(self, opt, cols: np.ndarray, launchers,
                     channels_free: np.ndarray | None = None, first=None) -> np.ndarray:
        # _solve in steps; ``first``: the solution of the first problem, found already (its
        # draws made).
        tg, w, values, p_t, copies, cost, a_t, mpt, pc_t = _kernels.wta_problem(
            opt.allowed, opt.pk, opt.value, opt.cap, opt.pair_cap,
            np.asarray(launchers.unit_cost, float), cols)
        x = np.zeros((opt.allowed.shape[0], cols.size), int)
        if tg.size == 0:
            return x
        # A battery's rounds at a track, all its launchers together, stay within its salvo
        # and rounds left (its launchers' pair cap there). The per-target cap (the most pair
        # cap at the track) implies it unless a track's pair caps differ (batteries of
        # different salvos share it); then each solution is checked, and where a battery
        # goes over, its launchers at that track are cut to those the solver gave most
        # rounds (then the best Pk) with pair caps summing to the battery's, and the problem
        # solved again (each pass settles one (track, battery) pair or more for good).
        # (One weapon: its pair caps are the per-target caps.)
        mixed = w.size > 1 and bool((np.where(a_t, pc_t, mpt[:, None]) != mpt[:, None]).any())
        # A fire-control radar guides at most its free channels, over all its launchers:
        # where a solution goes over, its launchers' copies are cut to the channels (those
        # the solver gave most rounds first) and the problem solved again, so the round the
        # channels cannot guide goes to another launcher instead of being dropped from the
        # orders (each pass settles one radar or more for good).
        wr = np.asarray(launchers.fire_control)[cols[w]]
        chan = (np.full(int(wr.max(initial=-1)) + 1, -1, np.int64) if channels_free is None
                else np.asarray(channels_free))
        if mixed:
            wb = np.asarray(launchers.battery)[cols[w]]
            bcap = np.where(a_t, pc_t, 0)  # each weapon's battery's cap at each target
        lam = float(self.cost_weight)
        while True:
            # (W, T) as transposed views: the layout the solver's NumPy steps have always
            # seen. Each launcher's pair cap bounds its rounds at a track, so that the orders
            # fire the solver's x as it is (orders_from_rounds cuts each pair to its cap).
            # The fields are the kernel's, valid by construction: the problem holds them
            # unchecked, read-only, and copies of those the cuts below change (a problem
            # outlives its solve), in the layouts the constructor gives them.
            if first is None:
                p_w, a_w = (p_t.copy().T, a_t.copy().T) if mixed else (p_t.T, a_t.T)
                prob = WTAProblem._of_fields(values, p_w, copies.copy(), cost, lam, a_w, mpt,
                                             np.array(pc_t.T, order="C"))
                sol = self.solver.solve(prob, time_limit_s=self.time_limit_s, rng=self.rng)
            else:
                sol, first = first, None
            self.clock_stops += sol.status == "time_limit"
            xt = np.asarray(sol.x, int).T
            cut = mixed and _cut_batteries(xt, wb, bcap, p_t, a_t, pc_t, copies)
            if not (_cut_channels(xt, wr, chan, copies) or cut):
                break
        self.last_solutions.append(sol)
        x[tg[:, None], w] = xt
        return x

    def no_pair_orders(self, t: float) -> Orders:
        """What :meth:`decide` does in a cycle whose options allow no pair: no order (and no
        solution in :attr:`last_solutions`): the shared orders of no row (most cycles)."""
        if self.last_solutions:
            self.last_solutions = []
        return _NO_PAIR_ORDERS

    def decide(self, t: float, tracks, evaluation: dict, launchers, book: EngagementBook,
               batteries: list, channels_free: np.ndarray, battery_ok: np.ndarray,
               heights_fn, *, some_pair: bool = False) -> Orders:
        """Return the fire orders of one decision cycle (same inputs as the greedy assigner;
        ``some_pair``: the caller knows some pair is allowed, :attr:`decide_some_pair`)."""
        self.last_solutions = []
        opt = _allowed_options(self, t, tracks, evaluation, launchers, book, batteries,
                               channels_free, battery_ok, heights_fn, profitable_only=True,
                               some_pair=some_pair)
        if opt is None:  # no track, no launcher, or no allowed pair
            return Orders.from_rows([])
        return self._orders(t, opt, tracks, launchers, batteries, channels_free)

    def decide_screened(self, t: float, tracks, kind_code: np.ndarray, launchers,
                        book: EngagementBook, batteries: list, channels_free: np.ndarray,
                        battery_ok: np.ndarray, heights_fn, assets: tuple) -> Orders | None:
        """:meth:`decide` of a cycle whose screen (:func:`airdefense.c2._options.screen_cycle`)
        found some pair allowed, with the threat evaluation made in the same compiled call as
        the options (:func:`airdefense.c2._options._evaluated_options`): the same orders as
        ``decide(t, tracks, evaluate_threats(...), ..., some_pair=True)`` of the tracks'
        classes ``kind_code`` (m,) and the screen's ``assets``; None (and nothing done) where
        the cycle is to be built in steps instead (e.g. a track the book has no row for).
        ``launchers.operational`` is already false where the fire-control radar is down, as
        for :meth:`decide`; its other arguments are :meth:`decide`'s. It leaves
        ``channels_free`` as it is.

        The figures fixed for a run (the launchers', the doctrines', the assets' damage law)
        are kept from cycle to cycle, as the screen's ``cache`` keeps them.
        """
        n, opt = _evaluated_options(self, t, tracks, kind_code, launchers, book, batteries,
                                    channels_free, battery_ok, heights_fn, assets,
                                    self.__dict__.setdefault("_memo", {}))
        if n < 0:
            return None
        self.last_solutions = []
        if opt is None:  # no allowed pair
            return Orders.from_rows([])
        return self._orders(t, opt, tracks, launchers, batteries, channels_free)

    def _orders(self, t: float, opt, tracks, launchers, batteries: list,
                channels_free: np.ndarray) -> Orders:
        """The orders of a cycle's options ``opt`` (some pair allowed)."""
        m, L = len(tracks), len(launchers)
        if self.networked:  # one problem (some pair is allowed), its rounds x as they are
            x = self._solve(opt, np.arange(L), launchers, channels_free, (t, tracks))
            if type(x) is Orders:  # (the usual cycle: its orders made with its solution)
                return x
        else:
            x = np.zeros((m, L), int)
            for b in range(len(batteries)):
                cols = np.flatnonzero(launchers.battery == b)
                if cols.size and opt.allowed[:, cols].any():
                    x[:, cols] = self._solve(opt, cols, launchers, channels_free)
        return orders_from_rounds(t, x, opt, tracks, launchers, channels_free)
