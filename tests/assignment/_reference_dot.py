"""The round cost's dot order, stated in exact arithmetic (a reference for the tests)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def dot_spec(x: np.ndarray, y: np.ndarray) -> float:
    """OpenBLAS's AVX-512 ``ddot`` in exact rational arithmetic, one rounding per operation."""
    def fma(a, b, c):
        return float(Fraction(a) * Fraction(b) + Fraction(c))
    n = x.size
    n1, dot = n & -16, 0.0
    if n1:
        acc = [[0.0] * 8 for _ in range(4)]
        i = 0
        while i < (n1 & -32):
            for b in range(4):
                for lane in range(8):
                    acc[b][lane] = fma(x[i + 8 * b + lane], y[i + 8 * b + lane], acc[b][lane])
            i += 32
        a4 = [[acc[b][lane] + acc[b][lane + 4] for lane in range(4)] for b in range(4)]
        while i < n1:
            for b in range(4):
                for lane in range(4):
                    a4[b][lane] = fma(x[i + 4 * b + lane], y[i + 4 * b + lane], a4[b][lane])
            i += 16
        s = [((a4[0][k] + a4[1][k]) + a4[2][k]) + a4[3][k] for k in range(4)]
        dot = (s[0] + s[2]) + (s[1] + s[3])
    for i in range(n1, n):
        dot = fma(y[i], x[i], dot)
    return dot
