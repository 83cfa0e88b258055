"""WTA instances: the published Andersen et al. (2022) text format, and Ahuja-style generators.

File format (``wta_{m}x{n}x{mu}.txt``, Andersen, Pavlikov and Toffolo, Annals of OR 2022):

- line 1: ``m n mu``: weapon types, targets, copies of each type;
- then ``n`` lines: the value ``V_j`` of target ``j``;
- then ``m * n`` lines ``i j p``: kill probability of one round of type ``i`` on target ``j``
  (0-based indices, every pair exactly once).

Blank lines are ignored; ``#`` starts a comment. Sizes are bounded (:data:`MAX_SIZE`,
:data:`MAX_ROUNDS`): the solvers' arrays grow with the rounds and targets, so a header of
``1 1 1000000000`` would ask for gigabytes before a single line is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from airdefense.assignment.base import WTAProblem
from airdefense.errors import InputFileError

__all__ = ["read_andersen", "parse_andersen", "write_andersen", "ahuja_instance",
           "ahuja_instances", "MAX_SIZE", "MAX_ROUNDS"]

#: Most weapon types ``m`` and targets ``n`` a file may declare (the largest published
#: instances have a few hundred of each).
MAX_SIZE = 100_000
#: Most rounds ``m * mu`` a file may declare: the solvers' arrays grow with the rounds.
MAX_ROUNDS = 100_000


def read_andersen(path: str | Path) -> WTAProblem:
    """Read an instance in the published Andersen et al. format.

    Parameters
    ----------
    path : str or Path
        The instance file.

    Returns
    -------
    WTAProblem
        ``copies`` is ``mu`` for every type; no cost, mask or salvo limit.

    Raises
    ------
    InputFileError
        If the file is missing, empty or malformed; the message gives the 1-based line.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(str(path), f"cannot read the WTA instance: {exc}") from exc
    return parse_andersen(text, source=str(path))


def _lines(text: str):
    """Yield ``(line_number, fields)`` of the non-blank lines, comments removed."""
    for no, raw in enumerate(text.splitlines(), start=1):
        body = raw.split("#", 1)[0].split()
        if body:
            yield no, body


def _number(tok: str, what: str, source: str, no: int, kind=float):
    try:
        val = kind(tok)
    except ValueError:
        raise InputFileError(source, f"{what} must be {'an integer' if kind is int else 'a number'}"
                                     f", got {tok!r}", no) from None
    if kind is float and not np.isfinite(val):
        raise InputFileError(source, f"{what} must be finite, got {tok!r}", no)
    return val


def parse_andersen(text: str, source: str = "<string>") -> WTAProblem:
    """Parse the text of an instance in the Andersen et al. format (see :func:`read_andersen`).

    Parameters
    ----------
    text : str
        The file's content.
    source : str, default "<string>"
        Name used in error messages.
    """
    it = _lines(text)
    head = next(it, None)
    if head is None:
        raise InputFileError(source, "empty file: expected a header line 'm n mu' "
                                     "(weapon types, targets, copies per type)", 1)
    no, tok = head
    if len(tok) != 3:
        raise InputFileError(source, f"header must be 'm n mu' (3 integers), got {len(tok)} "
                                     f"field(s): {' '.join(tok)!r}", no)
    m = _number(tok[0], "header m (weapon types)", source, no, int)
    n = _number(tok[1], "header n (targets)", source, no, int)
    mu = _number(tok[2], "header mu (copies per type)", source, no, int)
    for name, val in (("m (weapon types)", m), ("n (targets)", n)):
        if val < 1:
            raise InputFileError(source, f"header {name} must be >= 1, got {val}", no)
    if mu < 0:
        raise InputFileError(source, f"header mu (copies per type) must be >= 0, got {mu}", no)
    for name, val in (("m (weapon types)", m), ("n (targets)", n)):
        if val > MAX_SIZE:
            raise InputFileError(source, f"header {name} must be <= {MAX_SIZE:,}, got {val:,} "
                                         "(the largest published instances have a few hundred)",
                                 no)
    if m * mu > MAX_ROUNDS:
        raise InputFileError(source, f"header m * mu (rounds: {m:,} types x {mu:,} copies) "
                                     f"must be <= {MAX_ROUNDS:,}, got {m * mu:,}: the solvers' "
                                     "arrays grow with the rounds (the largest published "
                                     "instances have a few hundred)", no)
    last = no
    values = np.empty(n)
    for j in range(n):
        row = next(it, None)
        if row is None:
            raise InputFileError(source, f"file ends after {j} target values; the header "
                                         f"promises n = {n}", last + 1)
        no, tok = row
        last = no
        if len(tok) != 1:
            raise InputFileError(source, f"target value {j} must be one number, got {len(tok)} "
                                         f"fields: {' '.join(tok)!r}", no)
        v = _number(tok[0], f"target value V_{j}", source, no)
        if v < 0:
            raise InputFileError(source, f"target value V_{j} must be >= 0, got {v:g}", no)
        values[j] = v
    p = np.full((m, n), np.nan)
    for k in range(m * n):
        row = next(it, None)
        if row is None:
            raise InputFileError(source, f"file ends after {k} probability lines 'i j p'; the "
                                         f"header promises m * n = {m * n}", last + 1)
        no, tok = row
        last = no
        if len(tok) != 3:
            raise InputFileError(source, f"probability line must be 'i j p' (3 fields), got "
                                         f"{len(tok)}: {' '.join(tok)!r}", no)
        i = _number(tok[0], "weapon type i", source, no, int)
        j = _number(tok[1], "target j", source, no, int)
        pij = _number(tok[2], "kill probability p", source, no)
        if not 0 <= i < m:
            raise InputFileError(source, f"weapon type i must be in [0, {m - 1}], got {i}", no)
        if not 0 <= j < n:
            raise InputFileError(source, f"target j must be in [0, {n - 1}], got {j}", no)
        if not 0.0 <= pij <= 1.0:
            raise InputFileError(source, f"kill probability p must be in [0, 1], got {tok[2]}",
                                 no)
        if not np.isnan(p[i, j]):
            raise InputFileError(source, f"duplicate probability for pair (i={i}, j={j})", no)
        p[i, j] = pij
    extra = next(it, None)
    if extra is not None:
        raise InputFileError(source, f"unexpected extra line {' '.join(extra[1])!r}: the header "
                                     f"promises {n} values and {m * n} probabilities", extra[0])
    return WTAProblem(values=values, p=p, copies=np.full(m, mu))


def write_andersen(problem: WTAProblem, path: str | Path) -> Path:
    """Write ``problem`` in the Andersen et al. format.

    Parameters
    ----------
    problem : WTAProblem
        Must have the same number of copies for every type, and no round cost, salvo limit
        or pair limit that binds (the format has none). Pairs not ``allowed`` are written with
        kill probability 0, which is the same problem.
    path : str or Path
        Output file.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    InputFileError
        If the problem has unequal copies, a round cost in its objective, or a salvo or pair
        limit below the rounds that could go there.
    """
    cp = problem.copies
    if cp.size and (cp != cp[0]).any():
        raise InputFileError(str(path), "the format needs the same copies for every type, got "
                                        f"{sorted(set(cp.tolist()))}")
    m, n = problem.p.shape
    mu = int(cp[0]) if cp.size else 0
    # The format has no costs and no limits: writing one that binds would change the problem.
    if problem.cost_weight > 0 and (problem.cost > 0).any():
        raise InputFileError(str(path), "the format has no round costs, got cost_weight "
                                        f"{problem.cost_weight:g} with a cost of "
                                        f"{float(problem.cost.max()):g} a round")
    if n and (problem.max_per_target < mu * m).any():
        j = int(np.argmax(problem.max_per_target < mu * m))
        raise InputFileError(str(path), "the format has no salvo limit, got max_per_target "
                                        f"{int(problem.max_per_target[j])} rounds at target {j} "
                                        f"(fewer than the {mu * m} rounds available)")
    mpp = problem.max_per_pair
    if mpp is not None and mpp.size and (mpp < mu).any():
        i, j = (int(k) for k in np.argwhere(mpp < mu)[0])
        raise InputFileError(str(path), f"the format has no pair limit, got max_per_pair "
                                        f"{int(mpp[i, j])} rounds at ({i}, {j}) (fewer than "
                                        f"the type's {mu} copies)")
    lines = [f"{m} {n} {mu}"]
    lines += [f"{v:.12g}" for v in problem.values]
    ii, jj = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    lines += [f"{i} {j} {pp:.12f}" for i, j, pp in zip(ii.ravel(), jj.ravel(),
                                                         problem.p_eff.ravel(), strict=True)]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path


def ahuja_instance(n_weapons: int, n_targets: int, rng: np.random.Generator, *,
                   value_range: tuple[float, float] = (25.0, 100.0),
                   p_range: tuple[float, float] = (0.6, 0.9)) -> WTAProblem:
    """Random instance in the style of Ahuja et al. (2007): one copy of each weapon.

    Parameters
    ----------
    n_weapons, n_targets : int
        Number of weapons ``W`` (one copy each) and targets ``T``.
    rng : numpy.random.Generator
        Source of randomness.
    value_range : (float, float), default (25, 100)
        ``V ~ U[lo, hi]``.
    p_range : (float, float), default (0.6, 0.9)
        ``p ~ U[lo, hi]``, independently per (weapon, target).

    Returns
    -------
    WTAProblem
    """
    values = rng.uniform(*value_range, size=n_targets)
    p = rng.uniform(*p_range, size=(n_weapons, n_targets))
    return WTAProblem(values=values, p=p, copies=np.ones(n_weapons, np.int64))


def ahuja_instances(n: int, count: int = 20, seed: int = 0) -> list[WTAProblem]:
    """``count`` Ahuja-style ``n x n`` instances, seeded by ``SeedSequence(seed).spawn(count)``.

    Parameters
    ----------
    n : int
        Weapons and targets.
    count : int, default 20
        Number of instances.
    seed : int, default 0
        Root seed.
    """
    kids = np.random.SeedSequence(seed).spawn(count)
    return [ahuja_instance(n, n, np.random.default_rng(k)) for k in kids]
