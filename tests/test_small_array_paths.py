"""The direct paths for small dual arrays (issue 14: an ODE right-hand side on 10 states)
compute what the general paths compute, bit for bit: iteration, np.concatenate of lists
of scalar duals, and the binary operators on small full k-tangents."""
import numpy as np
import pytest

import dualad as ad
from dualad.arrays.array import _make_array
from dualad.core import rule_path


def test_iterating_a_vector_gives_its_entries_as_indexing_does():
    x = ad.DualArray([0.5, -1.25, 3.0], np.arange(6.0).reshape(3, 2) / 7)
    entries = list(x)
    for i, d in enumerate(entries):
        assert type(d) is ad.Dual and type(d.value) is float
        assert d.value == x[i].value and np.array_equal(d.tangent, x[i].tangent)


def test_iterating_a_one_direction_vector_gives_float_tangents():
    a, b = ad.DualArray([2.0, 3.0], [0.1, 0.2])
    assert (a.value, a.tangent, b.value, b.tangent) == (2.0, 0.1, 3.0, 0.2)
    assert type(a.tangent) is float


def test_a_write_while_iterating_is_seen_by_the_later_entries():
    x = ad.DualArray([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    seen = []
    for i, d in enumerate(x):
        seen.append(d.value)
        if i == 0:
            x[2] = 30.0
    assert seen == [1.0, 2.0, 30.0]


def test_unpacking_parameters_differentiates_as_written():
    # f(p) = [a b, b / c]: the Jacobian by hand
    p = np.array([0.7, 1.3, 2.9])

    def f(p):
        a, b, c = p
        return np.concatenate(([a * b], [b / c]))
    a, b, c = p
    expected = np.array([[b, a, 0.0], [0.0, 1 / c, -b / c**2]])
    assert np.allclose(ad.jacfwd(f)(p), expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("lists", ["left", "right", "both", "two entries"])
def test_concatenate_of_lists_of_scalar_duals_matches_the_hand_derivative(lists):
    # y = concat(pieces) with v = u[1:] * u[0]; d/du by hand
    u0 = np.array([0.4, 1.5, -0.8, 2.2])

    def pieces(u):
        v = u[1:] * u[0]
        head, tail = [u[0] * u[0]], [3.0 * u[-1]]
        return {"left": (head, v), "right": (v, tail), "both": (head, v, tail),
                "two entries": ([u[0] * u[0], 2.0], v)}[lists]

    J = ad.jacfwd(lambda u: np.concatenate(pieces(u)))(u0)
    n = u0.size
    dv = np.zeros((n - 1, n))
    dv[:, 0] = u0[1:]
    dv[np.arange(n - 1), np.arange(1, n)] = u0[0]
    head = np.eye(1, n) * 2 * u0[0]
    tail = np.eye(1, n, n - 1) * 3.0
    expected = {"left": [head, dv], "right": [dv, tail], "both": [head, dv, tail],
                "two entries": [head, np.zeros((1, n)), dv]}[lists]
    assert np.allclose(J, np.vstack(expected), rtol=1e-15, atol=0)


def _pair(n, k, seed):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.5, 2.0, n), rng.standard_normal((n, k)),
            rng.uniform(0.5, 2.0, n), rng.standard_normal((n, k)))


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "c*", "c/", "*c", "p*"])
def test_small_tangents_round_as_large_ones(op):
    # the same entries in a 10-state array (the small path) and in the first rows of a
    # 2000-state one (the buffered path): the same bits
    k = 5
    va, ta, vb, tb = _pair(2000, k, 1)
    p = ad.Dual(1.7, np.linspace(-1, 1, k))

    def result(n):
        with rule_path.transformation_pass():
            a = _make_array(va[:n].copy(), ta[:n].copy(), 0, k)
            b = _make_array(vb[:n].copy(), tb[:n].copy(), 0, k)
            out = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                   "/": lambda: a / b, "c*": lambda: 2.5 * a, "c/": lambda: a / 3.0,
                   "*c": lambda: a * 0.3, "p*": lambda: p * a}[op]()
        return out.value, out.tangent

    small, large = result(10), result(2000)
    assert small[0].tobytes() == large[0][:10].tobytes()
    assert small[1].tobytes() == np.ascontiguousarray(large[1][:10]).tobytes()
