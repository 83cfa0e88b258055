"""The Ray backend: the same replications as the local backend, as Ray tasks.

Ray is an optional dependency (``pip install 'airdefense[ray]'``), imported here only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from airdefense.campaign._worker import ScenarioSpec, run_tasks
from airdefense.errors import AirDefenseError
from airdefense.results.store import RepResult

__all__ = ["iterate_ray", "import_ray", "ray_session"]


def import_ray():
    """Import ray, or raise a clear error naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise AirDefenseError(
            "the ray backend needs ray: pip install 'airdefense[ray]'") from None
    return ray


#: Ray's logger of its authentication notices.
_AUTH_LOGGER = "ray._private.authentication.authentication_token_setup"


def _not_auth_default(record: logging.LogRecord) -> bool:
    """False for Ray's notice that a new local instance uses its default, token
    authentication (no action is needed; it fell into the progress bar at every start)."""
    return not record.getMessage().startswith("Token authentication is enabled for this")


@contextmanager
def _quiet_auth_notice() -> Iterator[None]:
    """Leave out Ray's notice of its default authentication while a local instance starts
    (its other messages, the warning of an instance without authentication among them,
    stay)."""
    log = logging.getLogger(_AUTH_LOGGER)
    log.addFilter(_not_auth_default)
    try:
        yield
    finally:
        log.removeFilter(_not_auth_default)


@contextmanager
def ray_session(workers: int, address: str | None) -> Iterator[object]:
    """Use the Ray instance of this process, or start one for the ``with`` block.

    Connects to ``address`` (``"auto"``: the cluster named by ``RAY_ADDRESS`` or the last
    ``ray start`` on this machine) unless Ray is already initialised in this process; with no
    address, starts a new local Ray instance with ``workers`` CPUs (whatever cluster
    ``RAY_ADDRESS`` names). Only an instance started here is shut down at the end, so a sweep can
    hold one instance over all its campaigns.

    Yields
    ------
    module
        The ``ray`` module.
    """
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    kw = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        if address is None:
            # "local": a new instance here, as documented, even where RAY_ADDRESS is set or
            # /tmp/ray/ray_current_cluster names a cluster (`ray start`, perhaps long gone):
            # ray.init() would connect there and refuse num_cpus.
            with _quiet_auth_notice():
                ray.init(address="local", num_cpus=workers, **kw)
        else:
            ray.init(address=address, **kw)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"at address {address!r}" if address else "locally"
        raise AirDefenseError(f"cannot start or reach a Ray cluster {where}: "
                              f"{str(exc).splitlines()[0]}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def iterate_ray(spec: ScenarioSpec, seed: int, todo: list[int], workers: int,
                address: str | None, tracking: str | None, solver: str | None, events: bool,
                batch: int | None) -> Iterator[list[RepResult]]:
    """Run replications as Ray tasks and yield them as they finish.

    Runs in the Ray instance of :func:`ray_session` (the one already initialised in this
    process, or one started and shut down here).
    """
    from airdefense.campaign.runner import chunks

    with ray_session(workers, address) as ray:
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
