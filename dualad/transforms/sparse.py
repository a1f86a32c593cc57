"""Compressed seeding: sparse Jacobians and Hessians from coloured seed directions."""
from __future__ import annotations

import threading
import types
import weakref
from typing import Any, Callable

import numpy as np

from dualad.sparse import colouring
from dualad.sparse.detection import detect, detect_hessian
from dualad.sparse.patterns import _scipy_sparse
from dualad.transforms.seeding import check_callable, plain_errors
from dualad.transforms.engine import jacobian_at
from dualad.transforms.gradients import gradient_in


def _input_size(x) -> int:
    return len(x) if isinstance(x, (list, tuple)) else int(np.prod(np.shape(x)))


class _Unkeyed(Exception):
    """An argument the cache cannot tell apart from a changed one: detect every call."""


def detection_key(args, argnums):
    """Everything a detected pattern depends on, or ``None`` when something cannot be
    keyed. The detection looks at no value of the differentiated argument and of the
    traced constants (float and complex numbers passed directly, float and complex
    arrays anywhere in the arguments): of those only the shapes and dtypes count. Other
    numbers (ints, numbers inside tuples, lists and dicts), strings, None, integer and
    boolean arrays (indices, masks) count by value; other objects by ``==`` (identity by
    default); an unhashable one keys nothing, and the pattern is detected at every call."""
    try:
        return tuple(_differentiated_key(a) if i == argnums else _key(a, top=True)
                     for i, a in enumerate(args))
    except _Unkeyed:
        return None


def _differentiated_key(x):
    if isinstance(x, (list, tuple)):
        return (type(x), len(x))
    return ("x", np.shape(x), np.asarray(x).dtype.str)


def _key(a, top=False):
    if type(a) is np.ndarray:
        if a.dtype.kind in "fc":
            return ("traced", a.shape, a.dtype.str)
        if a.dtype.kind in "biuUSMm":
            return ("array", a.shape, a.dtype.str, a.tobytes())
        raise _Unkeyed
    if top and (type(a) in (float, complex) or isinstance(a, (np.floating, np.complexfloating))):
        return ("traced", type(a))
    if a is None or isinstance(a, (bool, int, float, complex, str, bytes, np.generic)):
        return ("value", type(a), a)
    if type(a) in (list, tuple) or (isinstance(a, tuple) and hasattr(a, "_fields")):
        return (type(a), tuple(_key(v) for v in a))
    if type(a) is dict:
        return (dict, tuple((k, _key(v)) for k, v in a.items()))
    try:
        hash(a)
    except TypeError:
        raise _Unkeyed from None
    return ("object", type(a), a)


#: detected [pattern, colouring, recovery, seeds] shared by the transformation objects
#: of one function: f -> {(who, variant, argnums, key): (f's fingerprint, entry)}
_SHARED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


#: at most this many functions are followed from ``f`` (its helpers, theirs, ...); past
#: it ``f``'s patterns are not shared (each transformation object detects its own)
_MAX_FOLLOWED = 1000


def _fingerprint(f):
    """What a pattern of ``f`` depends on besides its arguments: its code, its defaults,
    the objects its closure holds, the globals its code names and the attributes it names
    of the modules among them, and the same of every plain function among those objects
    (the helpers ``f`` calls, theirs, ...). Compared by identity (``_same``), so that a
    closure variable or a global bound to another object, a flag such as
    ``mode = "dense"`` read by a helper included, makes a new detection. A pair
    (counts, objects): the counts say where each function's part ends."""
    counts, objects = [], []
    followed, todo = set(), [f]
    while todo:
        g = todo.pop()
        if id(g) in followed:
            continue
        followed.add(id(g))
        if len(followed) > _MAX_FOLLOWED:
            return ((), (object(),))   # equal to no other: not shared
        part = _read_by(g)
        counts.append(len(part))
        objects.extend(part)
        todo.extend(o for o in part if isinstance(o, types.FunctionType))
    return tuple(counts), tuple(objects)


def _read_by(g):
    """The objects of one function's part of the fingerprint."""
    code = getattr(g, "__code__", None)
    kwdefaults = getattr(g, "__kwdefaults__", None) or {}
    part = [code, *(getattr(g, "__defaults__", None) or ()), *kwdefaults.keys(),
            *kwdefaults.values()]
    for cell in getattr(g, "__closure__", None) or ():
        try:
            part.append(cell.cell_contents)
        except ValueError:   # an empty cell
            part.append(_EMPTY)
    names = _global_names(code)
    space = getattr(g, "__globals__", {})
    found = [space.get(name, _EMPTY) for name in names]
    modules = [o for o in found + part if isinstance(o, types.ModuleType)]
    part.extend(found)
    for module in modules:   # config.MODE, helpers.step: the attributes the code names
        attributes = vars(module)
        part.extend(attributes.get(name, _EMPTY) for name in names)
    return part


def _global_names(code):
    """The names a code object (and the code it holds: comprehensions, lambdas) reads."""
    if code is None:
        return ()
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_global_names(const))
    return names


_EMPTY = object()
_PLAIN_ERRORS_CODE = plain_errors(lambda: None, "").__code__


def _same(a, b) -> bool:
    return a[0] == b[0] and len(a[1]) == len(b[1]) and all(
        x is y for x, y in zip(a[1], b[1]))


class _Plans:
    """Pattern, colouring and recovery plan per detection key: detected, coloured and
    planned once, then reused by every call with the same key, and by the other
    transformation objects of the same function (``f``, same code, defaults and closure
    objects; ``variant``: what else the detection depends on, e.g. has_aux)."""

    def __init__(self, sparsity, who, color, recovery, f=None, variant=()):
        if isinstance(sparsity, str):
            if sparsity != "auto":
                raise ValueError(f"{who}: sparsity must be a pattern or 'auto', got "
                                 f"{sparsity!r}")
            self.given = None
        else:   # converted (copied) now: a later change to the caller's array is not seen
            self.given = colouring.as_pattern(sparsity, who=who)
        self.color, self.recovery = color, recovery
        self.kept: dict = {}
        # shared between objects only for plain functions, whose fingerprint says it all;
        # the transformation's own error wrapper (``plain_errors``) is seen through
        if getattr(f, "__code__", None) is _PLAIN_ERRORS_CODE:
            f = f.__wrapped__
        self.f = f if isinstance(f, types.FunctionType) else None
        self.shared_as = (who, variant)

    def pattern(self, args, argnums, detect):
        """[pattern, colouring, recovery, seeds] for these arguments (the last three
        filled in by ``colored``, ``recover`` and ``seeds``)."""
        key = "given" if self.given is not None else detection_key(args, argnums)
        entry = self.kept.get(key) if key is not None else None
        if entry is None:
            entry = self._shared(key, argnums) if self.given is None else None
            if entry is None:
                entry = [self.given if self.given is not None else detect(), None, None, None]
                if self.given is None:
                    self._share(key, argnums, entry)
            if key is not None:
                self.kept[key] = entry
        return entry

    def _shared(self, key, argnums):
        if key is None or self.f is None:
            return None
        with _SHARED_LOCK:
            try:
                found = _SHARED.get(self.f, {}).get(self.shared_as + (argnums, key))
            except TypeError:   # f cannot be weakly referenced, or is unhashable
                return None
        if found is None or not _same(found[0], _fingerprint(self.f)):
            return None
        return found[1]

    def _share(self, key, argnums, entry):
        if key is None or self.f is None:
            return
        with _SHARED_LOCK:
            try:
                kept = _SHARED.setdefault(self.f, {})
            except TypeError:
                return
            kept[self.shared_as + (argnums, key)] = (_fingerprint(self.f), entry)

    def colored(self, entry):
        if entry[1] is None:
            entry[1] = self.color(entry[0])
        return entry[1]

    def recover(self, entry):
        if entry[2] is None:
            entry[2] = self.recovery(entry[0], entry[1])
        return entry[2]

    def seeds(self, entry, lane_major=False):
        """The seed matrix of the colouring, made once: read-only, since every call's
        seeded input holds it as its tangent (a write into that input copies first).
        ``lane_major``: each direction's column contiguous (see ``sparse_hessian``)."""
        if entry[3] is None:
            seeds = colouring.seed_matrix(entry[1])
            if lane_major:
                seeds = np.asfortranarray(seeds)
            seeds.flags.writeable = False
            entry[3] = seeds
        return entry[3]


def sparse_jacfwd(f: Callable[..., Any], argnums, has_aux, chunk_size, sparsity,
                  executor=None):
    if not isinstance(argnums, int):
        raise TypeError("jacfwd: with sparsity, argnums must be a single int")
    _scipy_sparse()   # the clear ImportError, now rather than at the first call
    plans = _Plans(sparsity, "jacfwd", colouring.color_columns, colouring.column_recovery,
                   f, (bool(has_aux),))

    def sparse_jacobian_of_f(*args):
        if not -len(args) <= argnums < len(args):
            raise ValueError(f"jacfwd: argnums={argnums} but f was called with {len(args)} "
                             "positional argument(s)")
        x = args[argnums]
        in_size = _input_size(x)
        entry = plans.pattern(args, argnums % len(args), lambda: detect(
            lambda *a: _only_output(f(*a), has_aux), args, argnums, "jacfwd"))
        pattern = entry[0]
        if pattern.shape[1] != in_size:
            raise ValueError(f"jacfwd: the sparsity pattern has {pattern.shape[1]} columns but "
                             f"argument {argnums} has {in_size} entries")
        coloring = plans.colored(entry)
        result = jacobian_at(f, args, argnums, (argnums,), has_aux, chunk_size, "jacfwd",
                             seeds=plans.seeds(entry), executor=executor)
        compressed, aux = (result if has_aux else (result, None))
        compressed = np.reshape(compressed, (-1, coloring.count))
        if compressed.shape[0] != pattern.shape[0]:
            raise ValueError(f"jacfwd: the sparsity pattern has {pattern.shape[0]} rows but f "
                             f"returned {compressed.shape[0]} entries")
        jac = plans.recover(entry)(compressed)
        return (jac, aux) if has_aux else jac

    sparse_jacobian_of_f.__name__ = f"sparse_jacfwd_of_{getattr(f, '__name__', 'f')}"
    setattr(sparse_jacobian_of_f, "coloring", lambda: [e[1] for e in plans.kept.values()])
    return sparse_jacobian_of_f


def _only_output(out, has_aux):
    if has_aux:
        return out[0]
    if isinstance(out, dict):
        raise TypeError("jacfwd: with sparsity, f must return one array (or number)")
    return out


def sparse_hessian(f: Callable[..., Any], argnums: int, sparsity, executor=None):
    """Hessian as scipy.sparse.csr_array from H S with a star colouring of its pattern."""
    check_callable(f, "hessian")
    _scipy_sparse()
    plans = _Plans(sparsity, "hessian", colouring.star_color, colouring.symmetric_recovery,
                   f)
    grad_in_x = gradient_in(f, argnums)

    def sparse_hessian_of_f(*args):
        x = args[argnums]
        entry = plans.pattern(args, argnums % len(args),
                              lambda: detect_hessian(f, args, argnums, lambda: detect(
                                  grad_in_x, args, argnums, "hessian")))
        pattern = entry[0]
        n = _input_size(x)
        if pattern.shape != (n, n):
            raise ValueError(f"hessian: the sparsity pattern has shape {tuple(pattern.shape)} "
                             f"but the Hessian has shape ({n}, {n})")
        coloring = plans.colored(entry)
        # lane-major seeds: the outer tangents (and the inner gradient's, gathered) keep
        # each of the few directions contiguous, so NumPy's loops run along the entries
        compressed = jacobian_at(grad_in_x, args, argnums, (argnums,), False, None, "hessian",
                                 seeds=plans.seeds(entry, lane_major=True),
                                 executor=executor)
        hessian = plans.recover(entry)(np.reshape(compressed, (n, coloring.count)))
        # float32 inputs: a float32 Hessian, as the dense one (float16 too: scipy.sparse
        # holds no float16)
        low = getattr(x, "dtype", None) in (np.float32, np.float16)
        return hessian.astype(np.float32) if low else hessian

    sparse_hessian_of_f.__name__ = f"sparse_hessian_of_{getattr(f, '__name__', 'f')}"
    return sparse_hessian_of_f
