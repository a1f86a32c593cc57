"""Chunked passes on a ``concurrent.futures.Executor``: other processes, other machines.

The passes of a forward-mode Jacobian are independent: pass j seeds the chunk of input
directions ``start:stop`` and reads that block of columns off the outputs. With
``executor=`` (a ``ProcessPoolExecutor``, a Dask cluster's ``Client.get_executor()``,
Ray's executor, any ``concurrent.futures.Executor``) each pass is one task: the pass's
function and its arguments are shipped once per task with cloudpickle (so lambdas and
closures travel), each task returns its block of plain numbers, and the blocks are
assembled in order. A task that fails raises its own exception here, with a note naming
the chunk. Tags are process-local, so only a top-level transformation ships its passes:
inside another differentiation (whose duals cannot cross a process boundary) the
executor is refused.
"""
from __future__ import annotations

import math
import os
import pickletools
import sys
from concurrent.futures import Executor
from typing import Any, Callable

__all__ = ["check_executor", "default_chunk", "map_chunks"]


def _cloudpickle():
    try:
        import cloudpickle
    except ImportError:   # pragma: no cover - cloudpickle comes with the distributed extra
        raise ImportError("executor= ships f to other processes with cloudpickle: pip install "
                          "cloudpickle (in a dualad checkout: pip install -e '.[distributed]')"
                          ) from None
    return cloudpickle


def check_executor(executor, who: str) -> None:
    """Refuse what is not an executor, and an executor inside a running differentiation."""
    if not (isinstance(executor, Executor) or callable(getattr(executor, "submit", None))):
        raise TypeError(f"{who}: executor must be a concurrent.futures.Executor (e.g. "
                        "ProcessPoolExecutor(), or a Dask Client's get_executor()), got "
                        f"{type(executor).__name__}")
    from dualad.base.tags import running_here
    if running_here():
        raise ValueError(f"{who}: executor= runs the passes in other processes, where the "
                         "duals of an enclosing differentiation (running now) do not exist; "
                         "give executor= to the outermost transformation only")
    _cloudpickle()


def workers(executor) -> int:
    """How many tasks the executor runs at once, as far as it says (else the CPU count)."""
    count = getattr(executor, "_max_workers", None)   # concurrent.futures' pools
    if isinstance(count, int) and count > 0:
        return count
    client = getattr(executor, "_client", None)       # dask.distributed's ClientExecutor
    if client is not None and hasattr(client, "nthreads"):
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:   # noqa: BLE001 - a cluster that cannot say: the default below
            pass
    return os.cpu_count() or 1


def default_chunk(executor, n: int, memory_chunk: int) -> int:
    """Directions per task when chunk_size is not given: one task per worker, no wider
    than the in-process chunk (which bounds each task's memory)."""
    return max(1, min(memory_chunk, math.ceil(n / workers(executor))))


def _run_task(payload: bytes, start: int, stop: int) -> bytes:
    """In the worker: the pass of directions start:stop, its result pickled back."""
    cloudpickle = _cloudpickle()
    run, state = cloudpickle.loads(payload)
    return cloudpickle.dumps(run(*state, start, stop))


def _being_imported(payload: bytes) -> list[str]:
    """The modules whose import is running now (their top-level code) that the pickled
    passes name: to unpickle them a worker imports those modules."""
    importing = {name for name, module in list(sys.modules.items()) if name != "__main__"
                 and getattr(getattr(module, "__spec__", None), "_initializing", False)}
    if not importing:
        return []
    named = {arg for _, arg, _ in pickletools.genops(payload) if type(arg) is str}
    return sorted(importing & named)


def map_chunks(executor, run: Callable[..., Any], state: tuple, n: int, chunk: int,
               who: str) -> list:
    """``[run(*state, start, stop) for each chunk]``, each call a task of ``executor``,
    the results in chunk order."""
    cloudpickle = _cloudpickle()
    try:
        payload = cloudpickle.dumps((run, state))
    except Exception as exc:   # noqa: BLE001 - said with the transformation's name
        raise TypeError(f"{who}: executor= must ship f and its arguments to the workers, "
                        f"and cloudpickle cannot pickle them ({type(exc).__name__}: "
                        f"{exc})") from exc
    importing = _being_imported(payload)
    if importing:
        raise RuntimeError(
            f"{who}: executor= was called while the module {importing[0]!r} is being "
            f"imported, and the passes need it: a worker imports {importing[0]!r} to "
            "receive f, and would wait for this import to finish (a thread pool waits for "
            "ever) or run its top-level code again (another process). Call the "
            "transformation from a function, or under if __name__ == '__main__':")
    bounds = [(start, min(start + chunk, n)) for start in range(0, max(n, 1), chunk)]
    futures = [executor.submit(_run_task, payload, start, stop) for start, stop in bounds]
    results = []
    try:
        for number, (future, (start, stop)) in enumerate(zip(futures, bounds), 1):
            try:
                results.append(cloudpickle.loads(future.result()))
            except BaseException as exc:
                if hasattr(exc, "add_note"):
                    exc.add_note(f"{who}: raised by the pass over input directions "
                                 f"{start}..{stop - 1} (chunk {number} of {len(bounds)}), run "
                                 f"by the executor")
                raise
    finally:
        for future in futures:
            future.cancel()
    return results
