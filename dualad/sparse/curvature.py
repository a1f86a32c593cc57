"""Hessian sparsity in one run of ``f``: the second-order pairs of every operation.

The Hessian of a scalar ``y = f(x)`` is, by the chain rule of second order, a sum over
the elemental operations ``v = φ(u, w, ...)`` of the Wengert trace:
``∂²y/∂x_i∂x_j = Σ_φ  ȳ_v · Σ_{a, b} ∂²φ/∂a∂b · ∂a/∂x_i · ∂b/∂x_j``. So (i, j) can be a
non-zero only if some operation has operands ``a``, ``b`` with a non-zero second partial
``∂²φ/∂a∂b`` and with x_i in the dependence set of ``a`` and x_j in that of ``b``.
The detection runs ``f`` once on pattern values (``dualad.sparse.patterns``), whose
entries carry their dependence sets (rows of a sparse boolean matrix G), and each
operation adds its pairs ``G_aᵀ G_b`` here: work in the number of pairs, not in n².

Which second partials are non-zero is read off the rule table: for an elementwise rule,
``∂²φ/∂a∂b`` is non-zero where the partial in ``a`` names ``b`` (or ``ans``); linear
rules (sum, reshape, selection) add nothing, nor do the selections chosen by values
(max, sort); any other operation counts every pair of the inputs each output entry
depends on. The pattern is a superset of the Hessian's structure at every point: it
may hold pairs of an intermediate the output ignores, never misses one.
"""
from __future__ import annotations

import threading

import numpy as np

__all__ = ["Curvature", "active", "add_pairs", "add_square", "second_partials",
           "TooDense"]

#: at most this many pairs of inputs in one Hessian pattern (about 10 bytes each while it
#: is built); past it the Hessian is too dense for a sparse pattern to pay
MAX_PAIRS = 20_000_000
#: recorded pairs kept as index lists before they are merged into one sparse matrix
_MERGE_AT = 4_000_000


class TooDense(ValueError):
    """The Hessian pattern would hold more pairs than ``MAX_PAIRS``."""


def _too_dense():
    return TooDense(f"hessian: the detected Hessian pattern has more than {MAX_PAIRS:,} "
                    "entries, too dense for sparse colouring; call ad.hessian without "
                    "sparsity, or pass the pattern yourself (sparsity=<boolean pattern>)")


class Curvature:
    """The pairs recorded while one Hessian detection runs. ``complete`` turns False when
    a value reached an operation that does not report its pairs (a scalar pattern dual
    with dependence): the detection then takes the slower, exhaustive route."""

    def __init__(self):
        self.complete = True
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.pending = 0
        self.merged = None   # the pairs merged so far: a sparse boolean matrix

    def add(self, product):
        """Record the pairs of a sparse boolean (n, n) matrix."""
        product = product.tocoo()
        if product.nnz == 0:
            return
        self.rows.append(product.row.astype(np.int64, copy=False))
        self.cols.append(product.col.astype(np.int64, copy=False))
        self.pending += product.nnz
        if self.pending > _MERGE_AT:
            self._merge(product.shape)

    def _merge(self, shape):
        import scipy.sparse as sp
        rows, cols = np.concatenate(self.rows), np.concatenate(self.cols)
        block = sp.csr_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=shape)
        block.sum_duplicates()
        self.merged = block if self.merged is None else (self.merged + block).tocsr()
        self.rows, self.cols, self.pending = [], [], 0
        if self.merged.nnz > MAX_PAIRS:
            raise _too_dense()

    def pattern(self, n_inputs):
        """The symmetric boolean csr pattern (n_inputs, n_inputs) of the recorded pairs."""
        import scipy.sparse as sp
        if self.rows:
            n = max(int(max(r.max() for r in self.rows)), int(max(c.max() for c in self.cols)))
            self._merge((max(n + 1, n_inputs + 1),) * 2 if self.merged is None
                        else self.merged.shape)
        if self.merged is None:
            return sp.csr_array((n_inputs, n_inputs), dtype=bool)
        both = self.merged[:n_inputs, :n_inputs]   # the marker column is no input
        out = (both + both.T).tocsr()
        out.sum_duplicates()
        return out


class _Running(threading.local):
    """The Hessian detections in progress in this thread, the innermost last (another
    thread's detection records its own pairs)."""

    def __init__(self):
        self.stack: list[Curvature] = []


_RUNNING = _Running()


def active() -> Curvature | None:
    """This thread's Hessian detection in progress, None in a first-order detection or
    none."""
    stack = _RUNNING.stack
    return stack[-1] if stack else None


def add_pairs(rows_a, rows_b):
    """Pairs of two operands entering one operation entry by entry: ``rows_a`` and
    ``rows_b`` are the (m, n) dependence rows of the operands broadcast to the output."""
    curvature = active()
    if curvature is not None and rows_a.nnz and rows_b.nnz:
        # the product's work and size before it is formed: sum over entries of |a| |b|
        work = np.dot(np.diff(rows_a.tocsr().indptr).astype(float),
                      np.diff(rows_b.tocsr().indptr).astype(float))
        if work > 4 * MAX_PAIRS:
            raise _too_dense()
        curvature.add(rows_a.T.tocsr() @ rows_b)


def add_square(rows):
    """Every pair among the inputs each output entry depends on (``rows``: (m, n))."""
    add_pairs(rows, rows)


_SECOND: dict[tuple[object, int], tuple[tuple[int, int], ...]] = {}


def second_partials(rule, count):
    """The pairs (a, b) of argument positions with ∂²φ/∂a∂b possibly non-zero, for an
    elementwise rule called with ``count`` arguments: read from its partials (the names
    each one mentions); every pair of the differentiable ones where they do not say."""
    key = (rule, count)
    pairs = _SECOND.get(key)
    if pairs is not None:
        return pairs
    if rule.kind in ("constant", "predicate", "integer"):
        pairs = ()
    elif rule.partials is None or rule.variadic or rule.jvp is not None or \
            rule.complex_jvp is not None or any(callable(p) for p in rule.partials):
        every = range(count) if rule.partials is None or rule.variadic else \
            [i for i, p in enumerate(rule.partials) if p is not None and i < count]
        pairs = tuple((a, b) for a in every for b in every)
    else:
        names = rule.params[:count]
        differentiable = [i for i, p in enumerate(rule.partials[:count]) if p is not None]
        found = []
        for a in differentiable:
            used = compile(rule.partials[a], "<partial>", "eval").co_names
            for b in differentiable:
                if "ans" in used or names[b] in used:
                    found.append((a, b))
        pairs = tuple(found)
    _SECOND[key] = pairs
    return pairs


class recording:
    """``with recording() as curvature:`` collects the pairs of the operations run."""

    def __init__(self):
        self.curvature = Curvature()

    def __enter__(self):
        _RUNNING.stack.append(self.curvature)
        return self.curvature

    def __exit__(self, *exc):
        _RUNNING.stack.pop()
        return False
