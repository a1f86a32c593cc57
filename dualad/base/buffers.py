"""Recycled output buffers for large float arrays (primals and tangents of array duals).

On Linux a fresh multi-megabyte array comes from ``mmap`` and pays one page fault per
4 KiB page on first touch; in tangent mode every operation writes a value and a tangent,
so on a 10^6-element jvp the faults cost more than the arithmetic. This pool hands out
float64 buffers of at least ``MIN_BYTES`` that nobody references any more: a buffer is
free when its reference count shows that only the pool holds it (views hold a reference
to their base, so a buffer with a live view is never handed out twice).

The pool keeps at most ``CAPACITY`` bytes of buffers and only on CPython with the GIL,
where reference counts are exact. ``release()`` drops every free buffer.

Ufuncs on large arrays run on several threads (``set_num_threads``) when their
floating-point errors are ignored or can be handed on as one call's (inside dualad's
transformations, see ``call``): NumPy releases the GIL
inside its loops, and a tangent-mode operation does two to four array passes where the
primal does one, so a second core takes half of what the dual adds. Only idle workers
take parts, and fewer when other threads are inside large calls too.
"""
from __future__ import annotations

import ast
import os
import queue
import sys
import sysconfig
import threading
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from dualad.base import fpe as _fpe

MIN_BYTES = 1 << 20
#: ``binary`` leaves results smaller than this to NumPy (no writing over a temporary): a
#: fresh small array comes from the heap, cheaper than the checks that would place it
SMALL_BYTES = 1 << 14
CAPACITY = 64 << 20

_F64 = np.dtype(np.float64)
_lock = threading.Lock()
_buffers: list[np.ndarray] = []
_held = 0


def _refs_when_free() -> int:
    """The reference count a buffer shows in ``_take``'s scan when only the pool holds it."""
    probe = [np.empty(1)]
    for i in range(len(probe)):
        return sys.getrefcount(probe[i])
    return -1


_ENABLED = (sys.implementation.name == "cpython"
            and not sysconfig.get_config_var("Py_GIL_DISABLED"))
_FREE = _refs_when_free() if _ENABLED else -1
_ENABLED = _ENABLED and _FREE == 2


def like(v: Any) -> np.ndarray | None:
    """A recycled uninitialised float64 array shaped like ``v``, or None (then let NumPy
    allocate) when ``v`` is small or not a float64 ndarray; a fresh one when the pool is
    off (a large result is still written by ``call``, on several threads)."""
    if type(v) is not np.ndarray or v.nbytes < MIN_BYTES or v.dtype != _F64:
        return None
    if lane_major(v):   # the result in the same layout: NumPy's loops stay contiguous
        shape: tuple[int, ...] = v.shape[::-1]
        buffer = _take(shape, v.nbytes) if _ENABLED else np.empty(shape)
        out: np.ndarray = buffer.T
        return out
    return _take(v.shape, v.nbytes) if _ENABLED else np.empty(v.shape)


def lane_major(v: np.ndarray) -> bool:
    """Whether ``v`` (2-D or more, not C-contiguous) has its first axis closest in memory
    and its last farthest, as a k-tangent kept lane-major (each direction's numbers
    contiguous: a sparse Hessian's seeds, and slices of them)."""
    if v.ndim < 2 or v.flags.c_contiguous:
        return False
    strides = [s for s, n in zip(v.strides, v.shape) if n > 1]   # length-1 axes: any
    return 0 < strides[0] and all(strides[i] <= strides[i + 1] for i in range(len(strides) - 1))


def _take(shape: tuple[int, ...], nbytes: int) -> np.ndarray:
    global _held
    with _lock:
        buffers = _buffers
        reuse = -1
        for i in range(len(buffers)):
            if sys.getrefcount(buffers[i]) == _FREE:
                if buffers[i].shape == shape and buffers[i].flags.writeable and \
                        buffers[i].dtype == _F64:   # a user may have frozen or recast it
                    return buffers[i]
                reuse = i
        if _held + nbytes > CAPACITY and reuse >= 0:   # make room: drop free buffers
            kept = []
            for i in range(len(buffers)):
                if sys.getrefcount(buffers[i]) == _FREE:
                    _held -= buffers[i].nbytes
                else:
                    kept.append(buffers[i])
            buffers[:] = kept
        out = np.empty(shape)
        if _held + nbytes <= CAPACITY:
            buffers.append(out)
            _held += nbytes
        return out


def release() -> None:
    """Drop the free buffers (the ones still in use are forgotten by the pool too)."""
    global _held
    with _lock:
        _buffers.clear()
        _held = 0


# --- large ufuncs on several threads -------------------------------------------------

#: fewest output elements for which a ufunc is split across threads (4 MiB of float64):
#: a thread takes some 70 us to pick up its part, what a product of 10^5 numbers costs
SPLIT_MIN = 1 << 19
_MAX_DEFAULT_THREADS = 4   # elementwise passes are memory-bound beyond a few cores


def _cores() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        cores = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return cores


#: the most threads ``set_num_threads`` accepts: a few per CPU. Each is an OS thread
#: that lives as long as the process; beyond the CPUs they only take turns
MAX_THREADS = 4 * (os.cpu_count() or 1)


def _default_threads() -> int:
    text = os.environ.get("DUALAD_NUM_THREADS")
    if text:
        try:
            n = int(text)
        except ValueError:
            n = 0
        if 1 <= n <= MAX_THREADS:
            return n
        limit = f" at most {MAX_THREADS} (4 per CPU)" if n > MAX_THREADS else ""
        warnings.warn(f"DUALAD_NUM_THREADS must be a positive integer{limit}, got {text!r}; "
                      "using the default", RuntimeWarning, stacklevel=2)
    return max(1, min(_cores(), _MAX_DEFAULT_THREADS))


_threads = _default_threads()


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (1: only the caller's) for ufuncs on large arrays. The default is
    the number of cores this process may use (affinity and cgroup quota), at most 4, or
    ``DUALAD_NUM_THREADS``. ``n`` above ``MAX_THREADS`` (4 per CPU of ``os.cpu_count()``)
    is refused with a ValueError, not capped: the threads are started on demand and live
    as long as the process."""
    global _threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    if n > MAX_THREADS:
        raise ValueError(f"set_num_threads: n={n} is more than {MAX_THREADS} threads (4 per "
                         f"CPU; os.cpu_count() is {os.cpu_count()})")
    _threads = n


def get_num_threads() -> int:
    """The number of threads that ufuncs on large arrays use (see ``set_num_threads``)."""
    return _threads


class _Worker:
    """A thread that runs parts of ufuncs. ``busy`` is held by the caller that handed it a
    part, from the handing over until the report: a caller takes only idle workers, so
    calls from several threads (or from code running inside a worker) never wait in a
    worker's queue."""

    def __init__(self) -> None:
        self.busy = threading.Lock()
        self.inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="dualad-worker", daemon=True).start()

    def _loop(self) -> None:
        inbox = self.inbox
        while True:
            function, arguments, reply = inbox.get()
            try:
                function(*arguments)
                error = None
            except BaseException as e:   # raised again in the caller's thread
                error = e
            # the arrays are let go before the report: a finished part must not keep a
            # buffer from looking free to the pool
            function = arguments = None
            reply.put(error)
            reply = error = None


_workers: list[_Worker] = []
_workers_lock = threading.Lock()   # not the pool's lock: creating threads can run the GC


def _after_fork() -> None:
    """In a forked child: none of the parent's threads exist, and a lock that one of them
    held at the fork would never be released."""
    global _lock, _workers_lock, _callers_lock, _callers
    _lock = threading.Lock()
    _workers_lock = threading.Lock()
    _callers_lock = threading.Lock()
    _callers = 0
    _workers.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _idle_workers(wanted: int) -> list[_Worker]:
    """Up to ``wanted`` idle workers, each now held busy by the caller."""
    with _workers_lock:
        while len(_workers) < wanted:
            _workers.append(_Worker())
        workers = _workers[:wanted]
    return [w for w in workers if w.busy.acquire(blocking=False)]


def _run(first: Callable[[], None], parts: list[tuple[Any, ...]],
         workers: list[_Worker]) -> None:
    """Run ``first()`` here while ``workers`` run ``parts`` (one ``(function, arguments)``
    each); raise the first error. The caller waits for every part (they write into its
    arrays) before it lets the workers go."""
    reply: queue.SimpleQueue[Any] = queue.SimpleQueue()
    try:
        for worker, (function, arguments) in zip(workers, parts):
            worker.inbox.put((function, arguments, reply))
        error = None
        try:
            first()
        except BaseException as e:
            error = e
        for _ in parts:
            report = reply.get()
            if error is None:
                error = report
    finally:
        for worker in workers:
            worker.busy.release()
    if error is not None:
        raise error


def _part(ufunc: Callable[..., Any], operands: Sequence[Any], out: np.ndarray, lo: int, hi: int,
          record: Any) -> None:
    """``ufunc`` on rows lo:hi; floating-point errors are ignored, or kept in ``record``
    (see ``call``; NumPy keeps its error handling per thread)."""
    rows = out.shape[0]
    parts = [x[lo:hi] if type(x) is np.ndarray and x.ndim == out.ndim and x.shape[0] == rows
             else x for x in operands]
    with np.errstate(all="ignore") if record is None else np.errstate(all="call", call=record):
        ufunc(*parts, out=out[lo:hi])


_callers = 0   # threads now inside a large ``call``
_callers_lock = threading.Lock()


def call(ufunc: Callable[..., Any], operands: Sequence[Any], out: np.ndarray) -> Any:
    """``ufunc(*operands, out=out)``; split along the first axis across idle worker threads
    when ``out`` is a large C-contiguous array, the operands are plain ndarrays or numbers
    (broadcast as in NumPy; one spanning the first axis is split with ``out``), none
    overlaps ``out`` without being it, and the floating-point errors can be handled as
    in one NumPy call: ignored (dualad's own), or recorded by the parts and handed to the
    caller's handling once each (a primal inside a pass, see ``dualad.base.fpe``)."""
    n = _threads
    if n == 1 or out.size < SPLIT_MIN or out.shape[0] < n or not out.flags.c_contiguous:
        return ufunc(*operands, out=out)
    for x in operands:
        if type(x) is np.ndarray:
            if x is not out and np.may_share_memory(x, out):
                return ufunc(*operands, out=out)
        elif not isinstance(x, (int, float, complex, np.generic)):
            return ufunc(*operands, out=out)
    errors = _fpe.split_mode()
    if errors is None:
        return ufunc(*operands, out=out)
    record = _fpe.Record() if errors == "record" else None
    global _callers
    with _callers_lock:
        _callers += 1
        spare = n - _callers   # threads of other callers in large calls use cores too
    try:
        workers = _idle_workers(spare) if spare > 0 else None
        if not workers:
            return ufunc(*operands, out=out)
        m = len(workers) + 1
        rows = out.shape[0]
        b = [rows * i // m for i in range(m + 1)]
        parts = [(_part, (ufunc, operands, out, b[i], b[i + 1], record)) for i in range(1, m)]
        _run(lambda: _part(ufunc, operands, out, 0, b[1], record), parts, workers)
        if record:
            _fpe.replay(record)
        return out
    finally:
        with _callers_lock:
            _callers -= 1


# --- partial expressions evaluated into recycled buffers ------------------------------

_OPERATORS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
              ast.Div: np.true_divide, ast.Pow: np.power}
# ``a ** c`` on an ndarray takes these ufuncs for these constants (NumPy's fast scalar power)
_POWERS: dict[Any, np.ufunc] = {2: np.square, 0.5: np.sqrt, -1: np.reciprocal}


def binary(ufunc: Callable[..., Any], a: Any, b: Any, a_temporary: bool = False,
           b_temporary: bool = False) -> Any:
    """``ufunc(a, b)`` written over an operand that is the caller's own temporary, or into
    a recycled buffer, when the result is a float64 array of ``a``'s shape (``b`` a number,
    an array of that shape, or one with a trailing length-1 axis), or of ``b``'s shape
    when ``a`` is a number."""
    ta, tb = type(a), type(b)
    if (ta is not np.ndarray or a.nbytes < SMALL_BYTES) and (
            tb is not np.ndarray or b.nbytes < SMALL_BYTES):
        return ufunc(a, b)   # small: NumPy's allocation costs less than choosing a buffer
    if ta is np.ndarray and a.dtype == _F64:
        if tb is np.ndarray:
            if b.dtype != _F64:
                return ufunc(a, b)
            if b.shape == a.shape:
                out = a if a_temporary else (b if b_temporary else like(a))
            elif b.shape == a.shape[:-1] + (1,):   # a value against its k-tangent
                out = a if a_temporary else like(a)
            else:
                return ufunc(a, b)
        elif tb is float or tb is int:
            out = a if a_temporary else like(a)
        else:
            return ufunc(a, b)
        return ufunc(a, b) if out is None else call(ufunc, (a, b), out)
    if tb is np.ndarray and b.dtype == _F64 and (ta is float or ta is int):
        out = b if b_temporary else like(b)
        return ufunc(a, b) if out is None else call(ufunc, (a, b), out)
    return ufunc(a, b)


def unary(ufunc: Callable[..., Any], a: Any, a_temporary: bool = False) -> Any:
    """``ufunc(a)`` like ``binary``: over ``a`` if it is a temporary, else into a recycled
    buffer when ``a`` is a large float64 array."""
    if type(a) is np.ndarray and a.dtype == _F64:
        out = a if a_temporary else like(a)
        if out is not None:
            return call(ufunc, (a,), out)
    return ufunc(a)


class _Rewrite(ast.NodeTransformer):
    """Array operators and float ufunc calls of an expression -> ``_binary``/``_unary``;
    nodes so produced carry ``temporary`` (their value belongs to the expression)."""

    def __init__(self, namespace: dict[str, Any], params: set[str]) -> None:
        self.namespace = namespace
        self.params = params
        self.ufuncs: dict[str, np.ufunc] = {}

    def _ufunc(self, fn: np.ufunc) -> ast.Name:
        name = f"_u{len(self.ufuncs)}"
        self.ufuncs[name] = fn
        return ast.Name(name, ast.Load())

    def _call(self, helper: str, fn: np.ufunc, operands: list[ast.expr]) -> ast.Call:
        args = [self._ufunc(fn)] + operands
        args += [ast.Constant(getattr(x, "temporary", False)) for x in operands]
        node = ast.Call(ast.Name(helper, ast.Load()), args, [])
        setattr(node, "temporary", True)   # its result is a temporary of the expression's
        return node

    def _constant(self, node: ast.AST) -> bool:
        """A subexpression of numbers and the namespace's numeric constants (``180/pi``):
        left to Python, whose numbers NumPy 2 treats as weak (float32 stays float32)."""
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return node.id not in self.params and isinstance(
                self.namespace.get(node.id), (int, float, complex))
        if isinstance(node, ast.BinOp):
            return self._constant(node.left) and self._constant(node.right)
        if isinstance(node, ast.UnaryOp):
            return self._constant(node.operand)
        return False

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if self._constant(node):
            return node
        if type(node.op) is ast.Pow and isinstance(node.right, ast.Constant) and \
                type(node.right.value) in (int, float) and node.right.value in _POWERS:
            return self._call("_unary", _POWERS[node.right.value], [node.left])
        ufunc = _OPERATORS.get(type(node.op))
        if ufunc is None:
            return node
        return self._call("_binary", ufunc, [node.left, node.right])

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if type(node.op) is ast.USub and not self._constant(node):
            return self._call("_unary", np.negative, [node.operand])
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        fn = self.namespace.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if (isinstance(fn, np.ufunc) and fn.nin == 1 and fn.nout == 1 and "d->d" in fn.types
                and len(node.args) == 1 and not node.keywords):
            return self._call("_unary", fn, node.args)
        return node


def compile_expression(expr: str, params: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """``lambda params, ans: expr`` on NumPy arrays, its temporaries recycled: each operation
    overwrites a temporary operand or fills a pooled buffer. The function's ``temporary``
    attribute tells whether its result is the expression's own (free to overwrite)."""
    rewrite = _Rewrite(namespace, {p.strip() for p in params.split(",")} | {"ans"})
    tree = ast.parse(f"lambda {params}, ans: {expr}", mode="eval")
    function = tree.body
    assert isinstance(function, ast.Lambda)
    body = rewrite.visit(function.body)
    function.body = body
    env = dict(namespace)
    env.update(rewrite.ufuncs, _binary=binary, _unary=unary)
    fn: Callable[..., Any] = eval(compile(ast.fix_missing_locations(tree), "<dualad partial>",
                                          "eval"), env)
    setattr(fn, "temporary", getattr(body, "temporary", False))
    return fn
