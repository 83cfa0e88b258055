"""The engagement book against a plain ledger of the same shots and assessments."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from airdefense.c2.base import EngagementBook

_events = st.lists(st.tuples(st.sampled_from(["fire", "assess"]), st.integers(-40, 12),
                             st.integers(-1, 3), st.integers(1, 3), st.booleans()),
                   max_size=60)


@settings(max_examples=80, deadline=None)
@given(_events, st.lists(st.integers(-40, 40), unique=True, max_size=10), st.integers(1, 4))
@example([("fire", -1, 0, 2, False), ("assess", -1, 0, 1, True), ("fire", 30, 2, 1, False)],
         [-1, 30, 0], 3)
@example([("fire", -40, 1, 2, False), ("assess", -40, 1, 1, True)], [-40, 5], 2)  # past the arrays
def test_book_tables_match_a_ledger(events, picture, n_batteries):
    """Rounds, pending rounds and kills per (track, battery) of the picture's tracks are the
    sums of the shots and assessments so far; batteries outside [0, B) are left out."""
    book = EngagementBook()
    fired, pending, killed = {}, {}, set()
    for what, track, battery, n, hit in events:
        if what == "fire":
            book.fired(track, n, battery)
            fired[track, battery] = fired.get((track, battery), 0) + n
            pending[track, battery] = pending.get((track, battery), 0) + n
        else:
            book.assessed(track, hit, battery)
            if pending.get((track, battery), 0) > 0:
                pending[track, battery] -= 1
            if hit:
                killed.add(track)
    ids = np.array(picture, int)
    k, r, p = book.tables(ids, n_batteries)  # the one-pass query of the three tables
    for table, got in ((fired, book.rounds_by_battery(ids, n_batteries)), (fired, r),
                       (pending, book.pending_by_battery(ids, n_batteries)), (pending, p)):
        want = np.zeros((ids.size, n_batteries), int)
        for (t, b), n in table.items():
            if t in picture and 0 <= b < n_batteries:
                want[picture.index(t), b] += n
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(book.killed_mask(ids), [t in killed for t in picture])
    np.testing.assert_array_equal(k, [t in killed for t in picture])
    # The arrays the compiled options read, through each track's row.
    rows, ka, ra, pa = book.arrays(ids, n_batteries)
    np.testing.assert_array_equal(ka[rows], k)
    np.testing.assert_array_equal(ra[rows, :n_batteries], r)
    np.testing.assert_array_equal(pa[rows, :n_batteries], p)
