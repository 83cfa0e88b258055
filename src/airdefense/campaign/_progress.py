"""A plain progress bar with rate and ETA, written to stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "format_duration"]


def format_duration(seconds: float) -> str:
    """Format seconds as ``m:ss`` or ``h:mm:ss`` (``--:--`` when unknown)."""
    if not seconds >= 0 or seconds == float("inf"):
        return "--:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Progress of a campaign: ``label [#####.....] 50/100 4.2 rep/s ETA 0:12``.

    On a terminal the line is redrawn in place; otherwise (a log file, a pipe) a new line is
    written every 1% of the work (at most every ``min_interval_s``) and at the end.

    Parameters
    ----------
    total : int
        Replications in the campaign.
    done : int, default 0
        Replications already finished (resumed); they do not count toward the rate.
    label : str, default "campaign"
    stream : file, default sys.stderr
    enabled : bool, default True
    width : int, default 30
        Characters of the bar.
    """

    def __init__(self, total: int, done: int = 0, *, label: str = "campaign",
                 stream: TextIO | None = None, enabled: bool = True, width: int = 30,
                 min_interval_s: float = 0.2) -> None:
        self.total = max(int(total), 0)
        self.start_done = self.done = int(done)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.width = width
        self.t0 = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.step = max(1, self.total // 100)
        self.min_interval_s = min_interval_s
        self._last_t = -1e9
        self._last_step = -1
        if enabled:
            self._draw(force=True)

    def rate(self) -> float:
        """Replications per second in this session."""
        dt = time.perf_counter() - self.t0
        n = self.done - self.start_done
        return n / dt if dt > 0 and n > 0 else 0.0

    def eta_s(self) -> float:
        """Seconds left at the current rate (inf before the first replication)."""
        r = self.rate()
        return (self.total - self.done) / r if r > 0 else float("inf")

    def line(self) -> str:
        """The progress line (without a newline)."""
        frac = self.done / self.total if self.total else 1.0
        fill = int(round(frac * self.width))
        bar = "#" * fill + "." * (self.width - fill)
        resumed = f" ({self.start_done} resumed)" if self.start_done else ""
        if self.done >= self.total:
            tail = f"done in {format_duration(time.perf_counter() - self.t0)}"
        else:
            tail = f"ETA {format_duration(self.eta_s())}"
        return (f"{self.label} [{bar}] {self.done}/{self.total}{resumed} "
                f"{self.rate():.2f} rep/s {tail}")

    def update(self, n: int = 1) -> None:
        """Count ``n`` more finished replications and redraw."""
        self.done += n
        if self.enabled:
            self._draw()

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        end = self.done >= self.total
        if self.tty:
            if force or end or now - self._last_t >= self.min_interval_s:
                self.stream.write("\r" + self.line() + ("\n" if end else ""))
                self.stream.flush()
                self._last_t = now
            return
        k = self.done // self.step
        if force or end or (k != self._last_step and now - self._last_t >= self.min_interval_s):
            self.stream.write(self.line() + "\n")
            self.stream.flush()
            self._last_t = now
            self._last_step = k

    def close(self) -> None:
        """End the line on a terminal if the campaign stopped early."""
        if self.enabled and self.tty and self.done < self.total:
            self.stream.write("\n")
            self.stream.flush()
