"""NumPy's views, for dual arrays: ``x[1:-1]``, ``x[0]`` of a matrix, ``np.reshape(x, s)``,
``x.T``, ``np.split(x, 2)``... of a dual array are views of it, as they are of an ndarray.
A write into the array is seen through its views, and a write through a view is seen in
the array (``inner = u[1:-1]; inner[:] = v`` changes ``u``).

A dual array keeps the buffers it was made with, often shared with other results, until
its first write copies them (``owned``). A copy would leave the views on the old buffers,
so each view remembers its *root* (the array it was taken of, through any chain of views)
and how it was taken (``ViewOf.steps``: the indexing or the NumPy calls, applied to the
root again), and each root remembers its views by weak reference. When the root's buffers
change (the copy of a first write, a plain buffer becoming a dual of an outer
differentiation) its live views are taken again from the new buffers (``repoint``). A write
through a view first makes the root own its buffers (``write_through``) and then writes in
place into the view's buffers, which are the root's.

A view marks itself ``owned`` (its buffers may change in place, through its root), so that
what reads an entry out of it, or keeps its buffer, takes the care an owned array needs.

This module works on the dual arrays' slots (``value``, ``_tangent``, ``owned``, ``_view``,
``_views``) and is called by ``dualad.arrays.array`` (indexing, writes) and
``dualad.arrays.dispatch`` (``VIEW_FUNCTIONS``); it imports neither.
"""
from __future__ import annotations

import threading
import weakref
from typing import Any, Callable

import numpy as np

from dualad.base.carriers import Carrier
from dualad.base.carriers import primal_of as _primal

#: NumPy functions whose result is a view of their array argument when NumPy can make one
#: (reshape and ravel copy when the layout does not allow a view: then it is a copy here
#: too; np.diag of a matrix is a view, of a vector a new matrix); a result is taken as a
#: view only when its primal shares memory with the argument's
VIEW_FUNCTIONS = frozenset(
    getattr(np, name) for name in (
        "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "squeeze",
        "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d", "real", "imag", "flip",
        "fliplr", "flipud", "rot90", "diagonal", "diag", "broadcast_to", "broadcast_arrays",
        "split", "array_split", "hsplit", "vsplit", "dsplit", "matrix_transpose",
        "permute_dims", "unstack")
    if hasattr(np, name))

#: dead weak references a root keeps before they are swept out
_SWEEP = 64

#: held by ``DualArray.__setitem__`` while it writes: two threads writing through views of
#: one array must not both copy its buffers on a first write; re-entrant, as the write into
#: a nested level's array happens inside the write into the level above
LOCK = threading.RLock()
#: held while a root's list of views is swept (see ``_sweep``)
_SWEEPING = threading.Lock()


class ViewOf:
    """What a view knows of its root: the root, the steps that take the view of it (a
    basic index, or a function of a dual array shaped as the root, or as the previous
    step's result), and whether the view's buffers are the root's (``aliases``: a write
    into one is then seen in the other without any work; None until it is asked)."""

    __slots__ = ("root", "steps", "aliases")
    root: Any
    steps: tuple[Any, ...]
    aliases: bool | None


def _view_of(root: Any, steps: tuple[Any, ...]) -> ViewOf:
    info: ViewOf = _new(ViewOf)
    info.root, info.steps, info.aliases = root, steps, None
    return info


_new = object.__new__


def shares(a: Any, b: Any) -> bool:
    """Whether a write into ``a`` may be seen in ``b`` (and the other way round): their
    primal arrays may share memory, or, for carriers that share none and follow their
    views themselves (sparsity patterns: ``_follows_writes_of``), they say so."""
    while isinstance(a, Carrier) and isinstance(b, Carrier):
        follows = getattr(a, "_follows_writes_of", None)
        if follows is not None:
            return bool(follows(b))
        a, b = a.value, b.value
    a, b = _primal(a), _primal(b)
    return type(a) is np.ndarray and type(b) is np.ndarray and np.may_share_memory(a, b)


def _aliases(view: Any, root: Any) -> bool:
    """Whether ``view``'s value and full tangent lie in ``root``'s (an owned root's writes
    in place then reach the view, and the view's reach the root)."""
    return view._tangent is not None and root._tangent is not None and \
        shares(view.value, root.value) and shares(view._tangent, root._tangent)


def is_basic(index: Any) -> bool:
    """Whether ``index`` is a basic index (ints, slices, None, ``...``): NumPy's result of
    it is a view; an advanced one (arrays, lists, bools) gives a copy."""
    if type(index) is tuple:
        return all(_basic_part(i) for i in index)
    return _basic_part(index)


def _basic_part(i: Any) -> bool:
    return i is None or i is Ellipsis or type(i) is slice or (
        isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)))


def register(view: Any, parent: Any, step: Any) -> Any:
    """``view`` (a dual array taken of the dual array ``parent`` by ``step``: a basic index,
    or a function of ``parent``) as a view of ``parent``'s root; returned."""
    info = parent._view
    if info is None:
        view._view = _view_of(parent, (step,))
        root = parent
    else:
        root = info.root
        view._view = _view_of(root, info.steps + (step,))
    view.owned = True   # its buffers may change in place, through the root
    refs = root._views
    if refs is None:
        with _SWEEPING:   # two threads' first views: one list
            if root._views is None:
                root._views = []
        refs = root._views
    refs.append(weakref.ref(view))   # atomic: another thread's append is kept
    if len(refs) % _SWEEP == 0:
        _sweep(refs)
    return view


def live_views(root: Any) -> list[Any]:
    """The views of ``root`` that are still alive."""
    refs = root._views
    if not refs:
        return []
    views = [v for v in (r() for r in refs) if v is not None]
    if len(views) < len(refs):
        _sweep(refs)
    return views


def _sweep(refs: list[Any]) -> None:
    """Drop the dead references of ``refs``, in place: one sweep at a time, and only of the
    references there when it began (one slice assignment, atomic under the GIL), so that a
    view another thread appends meanwhile is kept."""
    with _SWEEPING:
        count = len(refs)
        refs[:count] = [r for r in refs[:count] if r() is not None]


def _taken_again(root: Any, steps: tuple[Any, ...]) -> Any:
    """The view ``steps`` take of ``root``'s buffers as they are now."""
    from_root = _new(type(root))
    for name in ("value", "_tangent", "tag", "k", "scale", "scale_base", "offset", "cols",
                 "vals"):
        setattr(from_root, name, getattr(root, name))
    from_root.owned, from_root._view, from_root._views = False, None, None
    for step in steps:
        from_root = step(from_root) if callable(step) else from_root[step]
    return from_root


def _aliasing(view: Any) -> bool:
    """Whether ``view``'s buffers are its root's now (asked once after each change)."""
    info = view._view
    if info.aliases is None:
        info.aliases = info.root.owned and _aliases(view, info.root)
    return info.aliases


def repoint(root: Any, every: bool = True) -> None:
    """Take ``root``'s live views again from its buffers: every one (its buffers changed),
    or those whose buffers are not the root's (after a write in place)."""
    for view in live_views(root):
        info = view._view
        if not every and _aliasing(view):
            continue
        again = _taken_again(root, info.steps)
        for name in ("value", "_tangent", "scale", "scale_base", "offset", "cols", "vals"):
            setattr(view, name, getattr(again, name))
        info.aliases = None   # asked again when needed (_aliasing)


def has_views(x: Any) -> bool:
    """Whether ``x`` is a view, or has live views: a write must then reach the others."""
    return x._view is not None or bool(x._views and live_views(x))


def write_through(view: Any, own: Callable[[Any, Any], bool], store: Callable[..., None],
                  index: Any, item: Any) -> None:
    """``view[index] = item`` for a view: its root made to own its buffers, and ready to
    hold ``item`` (``own(root, item)``, True when the root's buffers changed), then the
    entries stored in place (``store(view, index, item)``) in buffers that are the root's."""
    info = view._view
    root = info.root
    if own(root, item):
        repoint(root)
    if type(_primal(view.value)) is np.ndarray and not _primal(view.value).flags.writeable:
        raise ValueError("assignment destination is read-only (as NumPy: this view of a "
                         "dual array, np.broadcast_to's, np.diagonal's or np.diag's, cannot be "
                         "written)")
    if not _aliasing(view):
        raise NotImplementedError(
            "dualad: this view of a dual array does not share its tangent's memory with the "
            "array it was taken of (a reshape in Fortran order?), so a write through it "
            "would not reach that array; write into the array itself, or take a copy")
    value, tangent = view.value, view._tangent
    store(view, index, item)
    if view.value is not value or view._tangent is not tangent:   # never: the root is ready
        raise AssertionError("dualad: a write through a view replaced its buffers")
    repoint(root, every=False)
