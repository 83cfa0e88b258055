"""Worker processes that leave quickly once the pool stops them.

A worker of a campaign's process pool has imported numba, pandas, pyarrow, scipy and the
model, and loaded every compiled kernel. When the pool stops it, the interpreter's normal
teardown (freeing every module and the compiled code) takes about 0.5 s of CPU (measured
1.8 s against 2.3 s of user time for one process that ran one replication of example 2), and
``ProcessPoolExecutor.shutdown`` waits for it at the end of every campaign. A worker here
calls ``os._exit(0)`` as soon as its work loop has returned normally: it has sent every result
(the pool's result queue writes synchronously) and holds no file open, so nothing is lost. A
worker whose loop raised leaves as before, with its traceback and exit code 1.

A worker also starts with one thread in the numerical libraries' own pools (OpenBLAS, OpenMP,
MKL: :data:`ONE_THREAD`), as joblib's loky workers do: the pool already runs one worker per
core, and an idle OpenBLAS thread spins for a while after each call (about 2% of a worker's
CPU on example 2, measured with ``time.process_time`` against ``time.thread_time``), time taken
from the other workers. A value the user has set is kept.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.context import SpawnContext, SpawnProcess

__all__ = ["SpawnQuickExit", "QuickExitProcess", "ONE_THREAD"]

#: Environment variables that size the numerical libraries' thread pools; a worker starts with
#: each set to 1 unless it is set already.
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class QuickExitProcess(SpawnProcess):
    """A ``spawn`` process that skips the interpreter's teardown after a normal return, with
    one thread in the numerical libraries' pools (:data:`ONE_THREAD`)."""

    def start(self) -> None:
        """Start the process with :data:`ONE_THREAD` set to 1 where unset (the new
        interpreter reads them before it loads NumPy; this process's environment is restored
        at once)."""
        unset = [k for k in ONE_THREAD if k not in os.environ]
        for k in unset:
            os.environ[k] = "1"
        try:
            super().start()
        finally:
            for k in unset:
                os.environ.pop(k, None)

    def run(self) -> None:
        """Run the target; once it has returned, flush stdout and stderr and exit at once."""
        super().run()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):  # pragma: no cover - closed
                pass
        os._exit(0)


class SpawnQuickExit(SpawnContext):
    """The ``spawn`` start method with :class:`QuickExitProcess` workers."""

    Process = QuickExitProcess
