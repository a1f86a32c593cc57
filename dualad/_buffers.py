"""Recycled output buffers for large float arrays (primals and tangents of array duals).

On Linux a fresh multi-megabyte array comes from ``mmap`` and pays one page fault per
4 KiB page on first touch; in tangent mode every operation writes a value and a tangent,
so on a 10^6-element jvp the faults cost more than the arithmetic. This pool hands out
float64 buffers of at least ``MIN_BYTES`` that nobody references any more: a buffer is
free when its reference count shows that only the pool holds it (views hold a reference
to their base, so a buffer with a live view is never handed out twice).

The pool keeps at most ``CAPACITY`` bytes of buffers and only on CPython with the GIL,
where reference counts are exact. ``release()`` drops every free buffer.
"""
from __future__ import annotations

import ast
import sys
import sysconfig
import threading

import numpy as np

MIN_BYTES = 1 << 20
CAPACITY = 64 << 20

_F64 = np.dtype(np.float64)
_lock = threading.Lock()
_buffers: list = []
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


def like(v):
    """A recycled uninitialised float64 array shaped like ``v``, or None (then let NumPy
    allocate) when ``v`` is small, not a float64 ndarray, or the pool is off."""
    if type(v) is not np.ndarray or v.nbytes < MIN_BYTES or v.dtype != _F64 or not _ENABLED:
        return None
    return _take(v.shape, v.nbytes)


def _take(shape, nbytes):
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


# --- partial expressions evaluated into recycled buffers ------------------------------

_OPERATORS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
              ast.Div: np.true_divide, ast.Pow: np.power}
# ``a ** c`` on an ndarray takes these ufuncs for these constants (NumPy's fast scalar power)
_POWERS = {2: np.square, 0.5: np.sqrt, -1: np.reciprocal}


def binary(ufunc, a, b, a_temporary=False, b_temporary=False):
    """``ufunc(a, b)`` written over an operand that is the caller's own temporary, or into
    a recycled buffer, when the result is a float64 array of ``a``'s shape (``b`` a number,
    an array of that shape, or one with a trailing length-1 axis), or of ``b``'s shape
    when ``a`` is a number."""
    ta, tb = type(a), type(b)
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
        return ufunc(a, b, out=out)
    if tb is np.ndarray and b.dtype == _F64 and (ta is float or ta is int):
        return ufunc(a, b, out=b if b_temporary else like(b))
    return ufunc(a, b)


def _unary(ufunc, a, a_temporary):
    if type(a) is np.ndarray and a.dtype == _F64:
        return ufunc(a, out=a if a_temporary else like(a))
    return ufunc(a)


class _Rewrite(ast.NodeTransformer):
    """Array operators and float ufunc calls of an expression -> ``_binary``/``_unary``;
    nodes so produced carry ``temporary`` (their value belongs to the expression)."""

    def __init__(self, namespace, params):
        self.namespace = namespace
        self.params = params
        self.ufuncs = {}

    def _ufunc(self, fn):
        name = f"_u{len(self.ufuncs)}"
        self.ufuncs[name] = fn
        return ast.Name(name, ast.Load())

    def _call(self, helper, fn, operands):
        args = [self._ufunc(fn)] + operands
        args += [ast.Constant(getattr(x, "temporary", False)) for x in operands]
        node = ast.Call(ast.Name(helper, ast.Load()), args, [])
        node.temporary = True
        return node

    def _constant(self, node):
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

    def visit_BinOp(self, node):
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

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if type(node.op) is ast.USub and not self._constant(node):
            return self._call("_unary", np.negative, [node.operand])
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        fn = self.namespace.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if (isinstance(fn, np.ufunc) and fn.nin == 1 and fn.nout == 1 and "d->d" in fn.types
                and len(node.args) == 1 and not node.keywords):
            return self._call("_unary", fn, node.args)
        return node


def compile_expression(expr: str, params: str, namespace: dict):
    """``lambda params, ans: expr`` on NumPy arrays, its temporaries recycled: each operation
    overwrites a temporary operand or fills a pooled buffer. The function's ``temporary``
    attribute tells whether its result is the expression's own (free to overwrite)."""
    rewrite = _Rewrite(namespace, {p.strip() for p in params.split(",")} | {"ans"})
    tree = ast.parse(f"lambda {params}, ans: {expr}", mode="eval")
    body = rewrite.visit(tree.body.body)
    tree.body.body = body
    env = dict(namespace)
    env.update(rewrite.ufuncs, _binary=binary, _unary=_unary)
    fn = eval(compile(ast.fix_missing_locations(tree), "<dualad partial>", "eval"), env)
    fn.temporary = getattr(body, "temporary", False)
    return fn
