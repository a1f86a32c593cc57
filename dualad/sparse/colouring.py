"""Colouring and recovery: columns that never share a row share a seed direction.

``color_columns`` colours the column intersection graph greedily in largest-first order
(exact on banded patterns: as many colours as the band is wide); ``star_color`` colours a
symmetric (Hessian) pattern so that every entry can be read off directly. A ``Recovery``
is the plan that reads the Jacobian's (or Hessian's) entries off the compressed product.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from dualad.sparse.patterns import _scipy_sparse

__all__ = ["Coloring", "color_columns", "star_color", "column_recovery", "symmetric_recovery",
           "seed_matrix", "as_pattern"]


class Coloring(NamedTuple):
    """``colors[j]`` is the seed direction of column j; ``count`` directions in all."""
    colors: np.ndarray
    count: int  # type: ignore[assignment]  # the field hides tuple.count (its public name)


def as_pattern(pattern, shape=None, who="sparsity"):
    """A boolean CSR pattern from a scipy.sparse matrix or a boolean/0-1 array."""
    sp = _scipy_sparse()
    if sp.issparse(pattern):
        p = sp.csr_array(pattern).astype(bool)
    else:
        arr = np.asarray(pattern)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{who}: the pattern must be a boolean array or a scipy.sparse "
                            f"matrix, got dtype {arr.dtype}")
        if shape is not None and arr.ndim != 2:
            arr = arr.reshape(shape)
        if arr.ndim != 2:
            raise ValueError(f"{who}: the pattern must be 2-D (outputs x inputs), got shape "
                             f"{arr.shape}")
        p = sp.csr_array(arr != 0)
    if shape is not None and tuple(p.shape) != tuple(shape):
        raise ValueError(f"{who}: the pattern has shape {tuple(p.shape)} but the Jacobian has "
                         f"shape {tuple(shape)} (output size x input size)")
    p.eliminate_zeros()
    return p


def color_columns(pattern: Any) -> Coloring:
    """Greedy distance-2 colouring of the columns of a Jacobian pattern, largest first:
    columns with the same colour never share a row, so one seed direction serves them.

    >>> import numpy as np, dualad as ad
    >>> tridiagonal = np.eye(6, dtype=bool) | np.eye(6, k=1, dtype=bool) | np.eye(6, k=-1, dtype=bool)
    >>> ad.color_columns(tridiagonal).count
    3
    """
    p = as_pattern(pattern)
    graph = (p.T @ p).tocsr()
    return _greedy(graph, lambda v, neighbours, colors: {colors[w] for w in neighbours})


def _greedy(graph, forbidden_of):
    n = graph.shape[0]
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    degree = np.diff(graph.indptr)
    order = np.argsort(-degree, kind="stable").tolist()
    colors = [-1] * n
    for v in order:
        neighbours = [w for w in indices[indptr[v]:indptr[v + 1]] if w != v]
        forbidden = forbidden_of(v, neighbours, colors)
        c = 0
        while c in forbidden:
            c += 1
        colors[v] = c
    chosen = np.array(colors, dtype=int)
    return Coloring(chosen, int(chosen.max()) + 1 if n else 0)


def star_color(pattern: Any) -> Coloring:
    """Greedy star colouring of a symmetric (Hessian) pattern: adjacent vertices differ,
    and no path on four vertices uses only two colours, so every entry H_ij can be read
    directly from H·S (Gebremedhin, Manne & Pothen, 2005)."""
    p = as_pattern(pattern)
    sym = (p + p.T).tocsr()
    n = sym.shape[0]
    indptr, indices = sym.indptr.tolist(), sym.indices.tolist()
    adj = [set(w for w in indices[indptr[v]:indptr[v + 1]] if w != v) for v in range(n)]

    def forbidden_of(v, neighbours, colors):
        bad = {colors[w] for w in adj[v] if colors[w] >= 0}
        for w in adj[v]:
            cw = colors[w]
            if cw < 0:
                continue
            others_share_w = any(colors[u] == cw for u in adj[v] if u != w)
            for x in adj[w]:
                cx = colors[x]
                if x == v or cx < 0:
                    continue
                # v-w-x-y with colour(v)=colour(x), colour(w)=colour(y); or u-v-w-x with
                # colour(u)=colour(w), colour(v)=colour(x): either makes a 2-coloured path
                if others_share_w or any(colors[y] == cw for y in adj[x] if y != w):
                    bad.add(cx)
        return bad

    return _greedy(sym, forbidden_of)


class Recovery:
    """Where each entry of the sparse result is read in the compressed B = M S: computed
    once per pattern and colouring, then every B is recovered by one gather into a
    ``scipy.sparse.csr_array`` (entries in CSR order)."""

    def __init__(self, shape, rows, cols, source_rows, source_colors, count):
        sp = _scipy_sparse()
        order = np.lexsort((cols, rows))
        rows, cols = rows[order], cols[order]
        self.shape = shape
        self.count = count
        self.gather = (source_rows[order] * count + source_colors[order]).astype(np.intp)
        small = max(max(shape, default=0), len(rows)) < 2 ** 31   # indptr counts entries
        self.indices = cols.astype(np.int32 if small else np.int64)
        self.indptr = np.searchsorted(rows, np.arange(shape[0] + 1)).astype(self.indices.dtype)
        self._csr = sp.csr_array

    def __call__(self, compressed):
        """The sparse matrix from ``compressed`` (shape (rows, colours))."""
        compressed = np.asarray(compressed)
        if compressed.shape != (self.shape[0], self.count):
            raise ValueError(f"the compressed matrix has shape {compressed.shape}, expected "
                             f"{(self.shape[0], self.count)}")
        values = compressed.reshape(-1)[self.gather]
        # index arrays copied: a caller may change the result's structure in place
        return self._csr((values, self.indices.copy(), self.indptr.copy()), shape=self.shape)


def symmetric_recovery(pattern, coloring) -> Recovery:
    """The recovery of H from B = H S for a star colouring (direct recovery): H_ij is
    B[i, colour(j)] when j is i's only neighbour of its colour, else B[j, colour(i)]."""
    sp = _scipy_sparse()
    p = as_pattern(pattern)
    sym = (p + p.T + sp.eye_array(p.shape[0], dtype=bool)).tocsr()
    colors = coloring.colors
    rows, cols = sym.nonzero()
    onehot = sp.csr_array((np.ones(len(colors), dtype=np.int64), (np.arange(len(colors)), colors)),
                          shape=(len(colors), coloring.count))
    off = (sym - sp.eye_array(p.shape[0], dtype=bool)).astype(np.int64)
    off.eliminate_zeros()
    counts = (off @ onehot).toarray()          # neighbours of i with each colour
    diagonal = rows == cols
    direct = diagonal | (counts[rows, colors[cols]] == 1)
    mirrored = ~direct
    if np.any(counts[cols[mirrored], colors[rows[mirrored]]] != 1):
        raise ValueError("hessian: the colouring does not allow direct recovery")
    source_rows = np.where(direct, rows, cols)
    source_colors = np.where(direct, colors[cols], colors[rows])
    return Recovery(p.shape, rows, cols, source_rows, source_colors, coloring.count)


def seed_matrix(coloring, start=0, stop=None):
    """S with S[j, c] = 1 when column j has colour c (colours start:stop)."""
    stop = coloring.count if stop is None else stop
    s = np.zeros((len(coloring.colors), stop - start))
    j = np.nonzero((coloring.colors >= start) & (coloring.colors < stop))[0]
    s[j, coloring.colors[j] - start] = 1.0
    return s


def column_recovery(pattern, coloring) -> Recovery:
    """The recovery of J from B = J S: J_ij = B[i, colour(j)] on the pattern."""
    rows, cols = as_pattern(pattern).nonzero()
    return Recovery(pattern.shape, rows, cols, rows, coloring.colors[cols], coloring.count)
