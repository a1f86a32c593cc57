"""Views of pattern arrays: a write is seen through every array that shows the entry.

NumPy's basic indexing (slices, ``...``, ``None``, integers among them, not integers
alone) gives a view: a later write into the array is seen by the view, and a write into
the view by the array and its other views. A pattern array's slice holds rows of its
own, so each write is passed on here: every pattern array that shows a written entry
(the array the views were taken of, and its views) adds the rows written there to its
own. The union holds the dependence under NumPy's semantics and under a copy's (a dual
array copies a buffer it does not own on the first write), so the detected pattern
holds for either. Views made by functions (``reshape``, ``transpose``) are not followed.
"""
from __future__ import annotations

import weakref

import numpy as np

__all__ = ["is_view", "register", "same_array", "written"]


def is_view(index, ndim) -> bool:
    """Whether ``index`` into an array of ``ndim`` axes is NumPy's basic indexing (slices,
    ``...``, ``None``, integers) that gives an array, not one entry."""
    items = index if isinstance(index, tuple) else (index,)
    integers = [isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))
                for i in items]
    basic = all(i is None or i is Ellipsis or isinstance(i, slice) or whole
                for i, whole in zip(items, integers))
    return basic and not (all(integers) and len(items) >= ndim)


def register(array, view, ids) -> None:
    """``view`` shows the entries ``ids`` (flat, one per entry of the view) of ``array``."""
    root, root_ids = (array, ids) if array.root is None else \
        (array.root[0], array.root[1][ids])
    view.root = (root, root_ids)
    family = root.views or []
    if len(family) >= 32:   # the views that are gone
        family = [(ref, shown) for ref, shown in family if ref() is not None]
    family.append((weakref.ref(view), root_ids))
    root.views = family


def same_array(a, b) -> bool:
    """Whether the pattern arrays ``a`` and ``b`` show entries of one array (it, or views of
    it): a write into either is then passed on to the other where they show one entry."""
    return (a if a.root is None else a.root[0]) is (b if b.root is None else b.root[0])


def written(array, ids, absorb) -> None:
    """After a write into the entries ``ids`` (flat) of ``array``: ``absorb(other, rows,
    hit, tangent)`` for each other pattern array showing one of them, with ``rows`` (one
    per entry of ``other``) the rows written at its entries, ``hit`` the entries shown."""
    if array.root is None and not array.views:
        return
    import scipy.sparse as sp   # a pattern array's rows are SciPy's
    root, root_ids = (array, ids) if array.root is None else \
        (array.root[0], array.root[1][ids])
    showing = [(ref(), shown) for ref, shown in (root.views or ())]
    if root is not array:
        showing.append((root, np.arange(root.size)))
    others = []   # (another array, the root's entries it shows, those written)
    for other, shown in showing:
        if other is not None and other is not array:
            hit = np.isin(shown, root_ids)
            if hit.any():
                others.append((other, shown, hit))
    if not others:
        return
    # per entry of the root: the union of the rows written into it
    to_entry = sp.csr_array((np.ones(len(ids), dtype=bool), (root_ids, np.arange(len(ids)))),
                            shape=(root.size, len(ids)))
    by_entry = to_entry @ array.rows[ids]
    for other, shown, hit in others:
        absorb(other, by_entry[shown].tocsr(), hit, array.tangent)
