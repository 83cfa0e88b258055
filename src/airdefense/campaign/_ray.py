"""The Ray backend: the same replications as the local backend, as Ray tasks.

Ray is an optional dependency (``pip install 'airdefense[ray]'``), imported here only.
"""

from __future__ import annotations

from collections.abc import Iterator

from airdefense.campaign._worker import ScenarioSpec, run_tasks
from airdefense.errors import AirDefenseError
from airdefense.results.store import RepResult

__all__ = ["iterate_ray", "import_ray"]


def import_ray():
    """Import ray, or raise a clear error naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise AirDefenseError(
            "the ray backend needs ray: pip install 'airdefense[ray]'") from None
    return ray


def iterate_ray(spec: ScenarioSpec, seed: int, todo: list[int], workers: int,
                address: str | None, tracking: str | None, solver: str | None, events: bool,
                batch: int | None) -> Iterator[list[RepResult]]:
    """Run replications as Ray tasks and yield them as they finish.

    Connects to ``address`` (``"auto"``: the running cluster) unless Ray is already
    initialised in this process; with no address, starts a local Ray instance with
    ``workers`` CPUs, and shuts it down at the end.
    """
    from airdefense.campaign.runner import chunks

    ray = import_ray()
    started = False
    if not ray.is_initialized():
        kw = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
        try:
            if address is None:
                ray.init(num_cpus=workers, **kw)
            else:
                ray.init(address=address, **kw)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"at address {address!r}" if address else "locally"
            raise AirDefenseError(f"cannot start or reach a Ray cluster {where}: "
                                  f"{str(exc).splitlines()[0]}") from None
        started = True
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", workers)))
        task = ray.remote(num_cpus=1, max_retries=2)(run_tasks)
        spec_ref = ray.put(spec)
        tasks = chunks(todo, cpus, batch)
        pending: list = []
        nxt = 0
        while nxt < len(tasks) or pending:
            while nxt < len(tasks) and len(pending) < 2 * cpus:
                pending.append(task.remote(spec_ref, seed, tasks[nxt], tracking, solver, events))
                nxt += 1
            ready, pending = ray.wait(pending, num_returns=1)
            more, pending = ray.wait(pending, num_returns=len(pending), timeout=0)
            out: list[RepResult] = []
            for ref in ready + more:
                out.extend(ray.get(ref))
            yield out
    finally:
        if started:
            ray.shutdown()
