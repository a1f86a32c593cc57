"""Writes into a dual array leave what was computed from it before as it was, as in NumPy.

A dual array written once owns its buffers and takes later writes in place. An entry read
out of it (``t = y[i]``) and the result of an operation that keeps its buffer (an identity
tangent: ``y + c``, ``y * 1``, ``np.real(y)``) must not see those writes. Expected values
are plain NumPy's (the same code on floats) and derivatives by hand.
"""
import numpy as np
import pytest

import dualad as ad

X = np.array([1.0, 2.0, 3.0])


def owned_copy(x):
    y = x * 1.0
    y[2] = y[2] + 0.0   # a first write: y owns its buffers from here on
    return y


def test_an_entry_read_before_a_write_keeps_its_derivative():
    def f(x):
        y = owned_copy(x)
        first = y[0]
        y[0] = 10.0 * x[1]
        return first * 1.0
    assert f(X) == 1.0
    np.testing.assert_array_equal(ad.jacfwd(f)(X), [1.0, 0.0, 0.0])   # d x0 / dx


def test_a_swap_through_a_temporary():
    def f(x):
        y = owned_copy(x)
        t = y[1]
        y[1] = y[2]
        y[2] = t
        return y
    np.testing.assert_array_equal(f(X), [1.0, 3.0, 2.0])
    np.testing.assert_array_equal(ad.jacfwd(f)(X), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])


def test_entries_unpacked_before_a_write():
    def f(x):
        y = owned_copy(x)
        a, b, c = y
        y[0] = y[1] = y[2] = 0.0
        return a * b + c
    assert f(X) == 5.0
    np.testing.assert_array_equal(ad.gradient(f, X), [2.0, 1.0, 1.0])   # (b, a, 1)


def test_gauss_seidel_sweep_against_central_differences():
    def f(x):   # in place, each update reading the entries updated before it
        u = owned_copy(x)
        for _ in range(3):
            for i in range(1, 3):
                old = u[i]
                u[i] = 0.5 * (u[i - 1] + old * old)
        return u
    h = 1e-6
    central = np.stack([(f(X + h * e) - f(X - h * e)) / (2 * h) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(ad.jacfwd(f)(X), central, rtol=1e-7, atol=1e-8)


IDENTITY_TANGENTS = [
    ("y + c", lambda y: y + 2.0), ("c + y", lambda y: 2.0 + y), ("y - c", lambda y: y - 1.0),
    ("y * 1", lambda y: y * 1.0), ("1 * y", lambda y: 1.0 * y), ("y / 1", lambda y: y / 1.0),
    ("+y", lambda y: +y), ("np.positive", np.positive), ("np.conjugate", np.conjugate),
    ("np.add(y, 0)", lambda y: np.add(y, 0.0)), ("np.remainder", lambda y: np.remainder(y, 7.0)),
    ("np.fmod", lambda y: np.fmod(y, 7.0)), ("np.nextafter", lambda y: np.nextafter(y, 9.0)),
]


@pytest.mark.parametrize("name, op", IDENTITY_TANGENTS, ids=[n for n, _ in IDENTITY_TANGENTS])
@pytest.mark.parametrize("lanes", [1, 3])
def test_a_result_keeps_its_value_and_tangent_when_its_operand_is_written(name, op, lanes):
    directions = np.eye(3)[:, :lanes] if lanes > 1 else np.array([1.0, 0.5, 0.25])

    def f(x):
        y = owned_copy(x)
        v = op(y)
        y[1] = 5.0 * y[0]   # in place: v was computed before
        return v
    want = op(owned_copy(X))   # plain NumPy
    value, tangent = ad.jvp(f, (X,), (directions if lanes == 1 else directions[:, 0],))
    np.testing.assert_array_equal(value, want)
    # by hand: every op here has derivative 1 in y (as y's own entries, x's)
    np.testing.assert_allclose(tangent, directions if lanes == 1 else directions[:, 0])
    jac = ad.jacfwd(f)(X)
    np.testing.assert_allclose(jac, np.eye(3))


@pytest.mark.parametrize("op", [np.real, lambda y: y.real], ids=["np.real", "y.real"])
def test_the_real_part_of_a_real_array_is_a_view_and_sees_the_write(op):
    def f(x):
        y = owned_copy(x)
        v = op(y)            # NumPy: a view of y (shares its memory)
        y[1] = 5.0 * y[0]
        return v
    np.testing.assert_array_equal(ad.jvp(f, (X,), (np.ones(3),))[0], f(X))   # plain NumPy
    np.testing.assert_allclose(ad.jacfwd(f)(X), [[1, 0, 0], [5, 0, 0], [0, 0, 1]])   # by hand
