"""The engine of the Jacobian transformations: seeding, chunked passes over f, read-out.

``jacobian_at`` evaluates the Jacobian of f at given arguments: each pass draws a fresh
tag and seeds k basis directions e_j (a chunk of columns) into the flattened inputs; the
outputs' k-tangents are k columns of the Jacobian. A 1-D input is seeded in one gathered
pass when it fits (``ONE_PASS_BYTES``). ``jacfwd``, ``gradient``, ``hessian`` and the
sparse (coloured) Jacobians are front ends of it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from dualad.sparse import patterns as _sparsity
from dualad.arrays.array import DualArray, _make_array
from dualad.arrays.gathered import (
    GatheredTooWide, add_gathered, budget_tripped, entries_per_number, gathered_seed,
    is_plain_gathered, scatter_budget)
from dualad.core.number import Dual, _make
from dualad.core.rule_path import transformation_pass
from dualad.base.carriers import Carrier
from dualad.base.tags import new_tag, running
from dualad.transforms import executors
from dualad.transforms.arguments import (
    check_complex_inputs, narrow_dtype, normalised_argnums, split_aux)
from dualad.transforms.seeding import (
    _innermost, as_array, as_scalar, check_chunk, is_array, seed,
    strip, tangent_of)
from dualad.transforms.pytrees import (
    flatten, flatten_args, is_scalar, is_vector, leaf_paths, leaf_shape, unflatten)

#: bytes of tangent per intermediate array a pass should aim at (about an L2 cache):
#: wide enough that NumPy's per-call cost is shared by many columns, small enough
#: that the k-tangents stay in cache and memory stays bounded.
CHUNK_BYTES = 1 << 20
#: a 1-D input (or an input inside an outer differentiation) is seeded in one gathered
#: pass, O(n) tangents while the operations have gathered paths; should an operation need
#: a full tangent larger than this, the pass stops and runs again in chunks
ONE_PASS_BYTES = 64 << 20


class _Leaf:
    """One input leaf: its primal, shape, and place among the seeded directions."""

    def __init__(self, x, offset, who, name):
        self.kind = "vector" if is_vector(x) else ("scalar" if is_scalar(x) else "array")
        if self.kind == "array":
            if not (is_array(x) or isinstance(x, (list, tuple))):
                raise TypeError(f"{who}: {name} must be a number, a sequence of numbers or an "
                                f"array (or a tuple/list/dict of them), got "
                                f"{type(x).__name__} {x!r:.60}")
            x = as_array(x, who, name)
        elif self.kind == "scalar":
            x = as_scalar(x, who, name)
        else:
            x = type(x)(as_scalar(v, who, f"{name}[{i}]") for i, v in enumerate(x))
        self.value = x
        self.shape = leaf_shape(x)
        self.size = math.prod(self.shape)
        self.offset = offset

    @property
    def nested_array(self) -> bool:
        """An array of duals of an outer differentiation: seeded gathered."""
        return self.kind == "array" and bool(self.shape) and type(self.value) is DualArray \
            and _plain_inside(self.value)

    def seeded(self, start, stop, tag, seeds=None):
        pattern = _sparsity.detecting() and _sparsity.has_pattern(
            [self.value] if self.kind != "vector" else self.value)
        if seeds is None and pattern:
            # inside a sparsity detection (a Hessian's): the seed at tangent level, whose
            # zero lanes are structural
            seeds = np.zeros((self.offset + self.size, stop))
            lo, hi = max(start, self.offset), min(stop, self.offset + self.size)
            seeds[np.arange(lo, hi), np.arange(lo, hi)] = 1.0
        k = stop - start
        if seeds is not None:   # given seed directions (columns start:stop of a matrix)
            tangent = seeds[self.offset:self.offset + self.size, start:stop]
            if not tangent.any():
                return self.value
            if pattern:
                like = self.value if self.kind != "vector" else self.value[0]
                tangent = _sparsity.tangent_seed(tangent, like)
            return self._dual(tangent, k, tag)
        lo, hi = max(start, self.offset), min(stop, self.offset + self.size)
        if lo >= hi:
            return self.value  # no direction of this pass moves this leaf: a constant
        if self.kind == "array" and self.shape and _plain_inside(self.value):
            # entry i moves along direction i - shift: gathered, for the whole leaf, a chunk
            # of it, or inside an outer differentiation (a nested array)
            return gathered_seed(self.value, tag, k, start - self.offset)
        if lo == self.offset and hi - lo == self.size == k:
            tangent = np.eye(k)   # the chunk is exactly this leaf
        else:
            rows = np.arange(lo - self.offset, hi - self.offset)
            tangent = np.zeros((self.size, k))
            tangent[rows, rows + self.offset - start] = 1.0
        return self._dual(tangent, k, tag)

    def _dual(self, tangent, k, tag):
        """This leaf as a dual of ``tag`` whose k-tangents are the rows of ``tangent``."""
        if self.kind == "array":
            if not self.shape:
                return _make(_scalar_value(self.value), tangent[0], tag)
            return _make_array(self.value, tangent.reshape(self.shape + (k,)), tag, k)
        if self.kind == "scalar":
            return seed(self.value, tangent[0], tag)
        return type(self.value)(seed(v, tangent[i], tag) for i, v in enumerate(self.value))


def _plain_inside(v) -> bool:
    """A float ndarray, or dual arrays (of outer differentiations) around one."""
    while type(v) is DualArray:
        v = v.value
    return type(v) is np.ndarray and v.dtype.kind == "f"


def _scalar_value(v):
    return v[()] if isinstance(v, (np.ndarray, DualArray)) else v


def jacobian_at(f, args, argnums, nums, has_aux, chunk_size, who, seeds=None,
                holomorphic=False, executor=None):
    """The Jacobian of ``f`` at ``args``, f evaluated once per pass (see
    ``rule_path.transformation_pass``); with ``seeds`` (an (n, c) matrix) the product
    J @ seeds instead. Complex inputs need ``holomorphic`` (see ``jacfwd``). With an
    ``executor``, each pass is a task of it (``dualad.transforms.executors``)."""
    if executor is not None:
        executors.check_executor(executor, who)
    with transformation_pass():
        first = None   # (tag, output) of a first chunk already run
        if holomorphic and -len(args) <= min(nums) and max(nums) < len(args):
            check_complex_inputs(flatten_args([args[i] for i in nums])[0], True, who)
        if type(argnums) is int and seeds is None and not has_aux and chunk_size is None \
                and executor is None:
            # the common case, without the bookkeeping
            jac, first = _one_pass(f, args, argnums)
            if jac is not None:
                return jac
        nums = normalised_argnums(nums, argnums, len(args), who)
        raw_leaves, in_spec = flatten_args([args[i] for i in nums])
        leaves, offset = [], 0
        for x, name in zip(raw_leaves, leaf_paths(in_spec, nums)):
            leaves.append(_Leaf(x, offset, who, name))
            offset += leaves[-1].size
        if not holomorphic:
            check_complex_inputs([leaf.value for leaf in leaves], False, who)
        n = offset if seeds is None else seeds.shape[1]
        nested = all(leaf.nested_array for leaf in leaves)
        if chunk_size is not None:
            chunk = check_chunk(chunk_size, max(n, 1), who)
        elif first is not None or seeds is not None or nested:
            chunk = max(n, 1)   # given seeds; or inside an outer pass: gathered, all at once
        else:   # a pass's tangents fill about CHUNK_BYTES
            chunk = max(1, min(n, CHUNK_BYTES // (8 * max(n, 1))))
        budgeted = chunk == n and chunk_size is None and seeds is None and nested
        if executor is not None:
            if chunk_size is None:
                chunk = executors.default_chunk(executor, n, chunk)
            columns, out_spec, aux, dtypes = _executor_passes(
                executor, f, args, nums, leaves, in_spec, n, chunk, seeds, has_aux, who)
        else:
            try:
                columns, out_spec, aux, dtypes = _passes(
                    f, args, nums, leaves, in_spec, n, chunk, first, seeds, has_aux, who,
                    budgeted)
            except _TooWide:   # chunks whose full tangents, outer levels' included, fit
                per_column = sum(leaf.size * entries_per_number(leaf.value) for leaf in leaves)
                chunk = max(1, min(n, ONE_PASS_BYTES // 8 // max(per_column, 1)))
                columns, out_spec, aux, dtypes = _passes(
                    f, args, nums, leaves, in_spec, n, chunk, None, seeds, has_aux, who, False)
        jac_leaves: list[Any] = []
        for j, parts in enumerate(columns):
            if type(parts) is np.ndarray:
                full = parts
            else:
                full = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)
            if dtypes[j] is not None and type(full) is np.ndarray and full.dtype.kind in "fc":
                # a float32 (float16, complex64) output: its Jacobian in its dtype, as JAX
                full = full.astype(np.result_type(dtypes[j], np.complex64)
                                   if full.dtype.kind == "c" else dtypes[j])
            out_shape = np.shape(full)[:-1]
            if seeds is not None:   # J @ seeds: one column per seed direction
                jac_leaves.append(full)
                continue
            pieces = [np.reshape(full[..., leaf.offset:leaf.offset + leaf.size],
                                 out_shape + leaf.shape) for leaf in leaves]
            per_arg = unflatten(in_spec, pieces)
            jac_leaves.append(per_arg[0] if isinstance(argnums, int) else tuple(per_arg))
        result = unflatten(out_spec, jac_leaves)
        return (result, aux) if has_aux else result


def _passes(f, args, nums, leaves, in_spec, n, chunk, first, seeds, has_aux, who,
            budgeted):
    """Run f on the seeds, ``chunk`` columns a pass; the Jacobian's blocks per output
    leaf. ``budgeted``: one gathered pass that stops (GatheredTooWide) should an operation
    need a full tangent wider than ONE_PASS_BYTES (then ``_TooWide``)."""
    # per output leaf: a preallocated Jacobian, or a list of blocks
    columns: list[Any] | None = None
    out_spec = aux = dtypes = None
    for start in range(0, max(n, 1), chunk):
        stop = min(start + chunk, n)
        k = max(stop - start, 1)
        if first is not None:   # the one pass already ran f on all columns: use its output
            (tag, out), first = first, None
        else:
            tag = new_tag()
            seeded = unflatten(in_spec, [leaf.seeded(start, stop, tag, seeds)
                                         for leaf in leaves])
            call_args = list(args)
            for i, value in zip(nums, seeded):
                call_args[i] = value
            with running(tag):
                out = _budgeted_call(f, call_args, tag) if budgeted else f(*call_args)
        if has_aux:
            out, aux_here = split_aux(out, who)
            if aux is None:
                aux = strip(aux_here, tag, who)
        out_leaves, spec = flatten(out)
        shapes = [_output_shape(y) for y in out_leaves]
        if columns is None:
            out_spec, out_shapes = spec, shapes
            columns = [None for _ in out_leaves]
            dtypes = [narrow_dtype(y, tag) for y in out_leaves]
        else:
            _same_outputs(spec, shapes, out_spec, out_shapes, start, stop, who)
        for j, y in enumerate(out_leaves):
            if n and type(columns[j]) is not list and is_plain_gathered(y, tag) and (
                    columns[j] is None or columns[j].dtype == np.float64):
                if columns[j] is None:   # only the gathered entries can be non-zero
                    columns[j] = np.zeros(y.value.shape + (n,))
                add_gathered(columns[j], y, start)
                continue
            t = _leaf_tangent(y, tag, k, who)
            if not n:
                columns[j] = [t[..., :0]]
                continue
            if columns[j] is None and type(t) is np.ndarray and chunk < n:
                columns[j] = np.zeros(t.shape[:-1] + (n,), dtype=t.dtype)
            if type(columns[j]) is np.ndarray and type(t) is np.ndarray:
                columns[j][..., start:stop] = t
            else:
                if type(columns[j]) is np.ndarray:   # a nested tangent: keep blocks
                    columns[j] = [columns[j][..., :start]]
                columns[j] = (columns[j] or []) + [t]
    return columns, out_spec, aux, dtypes


def _executor_passes(executor, f, args, nums, leaves, in_spec, n, chunk, seeds, has_aux,
                     who):
    """``_passes``, each chunk a task of ``executor``: the blocks assembled in order."""
    if any(leaf.nested_array or _innermost(leaf.value) is not leaf.value for leaf in leaves):
        raise TypeError(f"{who}: executor= needs inputs of plain numbers (the duals of "
                        "another differentiation cannot be shipped to other processes)")
    state = (f, args, nums, leaves, in_spec, seeds, has_aux, who)
    results = executors.map_chunks(executor, run_chunk, state, n, chunk, who)
    columns = out_spec = out_shapes = aux = dtypes = None
    for (spec, shapes, kinds, blocks, aux_here), start in zip(results, range(0, max(n, 1),
                                                                             chunk)):
        stop = min(start + chunk, n)
        if columns is None:
            out_spec, out_shapes, dtypes, aux = spec, shapes, kinds, aux_here
            columns = [np.zeros(b.shape[:-1] + (n,), dtype=b.dtype) for b in blocks]
        else:
            _same_outputs(spec, shapes, out_spec, out_shapes, start, stop, who)
        for j, block in enumerate(blocks):
            if block.dtype != columns[j].dtype:
                columns[j] = columns[j].astype(np.result_type(columns[j], block))
            columns[j][..., start:stop] = block[..., :stop - start]
    return columns, out_spec, aux, dtypes


def _same_outputs(spec, shapes, out_spec, out_shapes, start, stop, who):
    """Refuse a pass whose outputs differ in structure or shapes from the first pass's."""
    if spec != out_spec or shapes != out_shapes:
        raise ValueError(f"{who}: f returned outputs of different structures or shapes in "
                         f"two passes (leaf shapes {out_shapes} for the first columns, "
                         f"{shapes} for columns {start}..{stop - 1}); f's output must "
                         "not depend on the seeded directions")


def run_chunk(f, args, nums, leaves, in_spec, seeds, has_aux, who, start, stop):
    """One pass, of directions start:stop, as plain data (run by an executor's worker):
    the output's structure, leaf shapes and narrow dtypes, one block of columns per output
    leaf (shape leaf shape + (stop - start,)), and the aux output."""
    k = max(stop - start, 1)
    with transformation_pass():
        tag = new_tag()
        seeded = unflatten(in_spec, [leaf.seeded(start, stop, tag, seeds) for leaf in leaves])
        call_args = list(args)
        for i, value in zip(nums, seeded):
            call_args[i] = value
        with running(tag):
            out = f(*call_args)
        aux = None
        if has_aux:
            out, aux_here = split_aux(out, who)
            aux = strip(aux_here, tag, who)
        out_leaves, spec = flatten(out)
        blocks = []
        for y in out_leaves:
            if is_plain_gathered(y, tag):
                block = np.zeros(y.value.shape + (k,))
                add_gathered(block, y, 0)
            else:
                block = _leaf_tangent(y, tag, k, who)
            if type(block) is not np.ndarray or block.dtype == object:
                raise TypeError(f"{who}: with executor=, f's outputs must be numbers or "
                                f"arrays of numbers; got a tangent of {_shipped(block)}")
            blocks.append(block)
        return (spec, [_output_shape(y) for y in out_leaves],
                [narrow_dtype(y, tag) for y in out_leaves], blocks, aux)


def _shipped(block) -> str:
    """What a tangent that executor= does not ship back is, for its refusal."""
    if isinstance(block, Carrier) or (type(block) is np.ndarray and any(
            isinstance(v, Carrier) for v in block.flat)):
        return (f"{type(block).__name__}: duals of another differentiation (hand-built, "
                "in f's closure or arguments), which cannot cross a process boundary")
    if type(block) is np.ndarray:
        return ("an object array (mpmath numbers, Python objects): executor= ships float "
                "and complex arrays only; run this one without executor=")
    return type(block).__name__


def _output_shape(y):
    return leaf_shape(y) if is_vector(y) or not hasattr(y, "shape") else tuple(y.shape)


class _TooWide(Exception):
    """This level's gathered pass went over its budget: run it again in chunks."""


def _budgeted_call(f, call_args, tag):
    """f on a gathered seed of ``tag`` under the scatter budget; ``_TooWide`` when the
    budget stopped it (also when f swallowed the stop: its output cannot be trusted)."""
    tripped = False
    try:
        with scatter_budget(tag, ONE_PASS_BYTES // 8):
            out = f(*call_args)
    except GatheredTooWide as e:
        if e.tag != tag:
            raise
        tripped = True
    finally:
        tripped = budget_tripped(tag) or tripped   # asked always: no stale record
    if tripped:
        raise _TooWide()
    return out


def _one_pass(f, args, argnums):
    """One 1-D float array in, all columns in one pass. ``(jacobian, None)`` when the
    output is one array or number (the Jacobian is its tangent); ``(None, (tag, output))``
    when f ran but its output needs the general path; ``(None, None)`` when f did not run."""
    if not -len(args) <= argnums < len(args):
        return None, None
    x = args[argnums]
    if type(x) is not np.ndarray or x.dtype != np.float64 or x.ndim != 1 or not x.size:
        return None, None
    tag = new_tag()
    call = list(args)
    call[argnums] = gathered_seed(x, tag)
    try:
        with running(tag):
            y = _budgeted_call(f, call, tag)
    except _TooWide:
        return None, None   # a full tangent would be too wide: chunks instead
    if type(y) is DualArray and y.tag == tag and type(y.value) is np.ndarray:
        t = y.tangent
        if type(t) is np.ndarray:
            return (t if t.flags.writeable and t.base is None else np.array(t)), None
    elif type(y) is Dual and y.tag == tag and type(y.tangent) is np.ndarray and \
            y.tangent.dtype != object:
        return y.tangent, None
    return None, (tag, y)


def _leaf_tangent(y, tag, k, who):
    """The k-tangent of one output leaf, shape ``leaf.shape + (k,)``."""
    if is_vector(y):
        return np.stack([tangent_of(v, tag, who, k) for v in y])
    if isinstance(y, (list, tuple)):
        raise TypeError(f"{who}: f returned an empty {type(y).__name__}; expected numbers or "
                        "arrays")
    return tangent_of(y, tag, who, k)


