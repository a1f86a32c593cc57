"""NumPy array functions on duals: second order through linear algebra, triangles, calls in
NumPy's keyword forms, constructors shaped like a dual, and functions whose outputs move
continuously although they look like bookkeeping (histogram edges). Expected values come
from central differences of the plain NumPy functions or from hand derivations."""
import itertools

import numpy as np
import pytest

import dualad as ad

RNG = np.random.default_rng(1212)


def flat(out):
    """Every output of a NumPy function (a tuple of arrays or one array) as one vector."""
    parts = out if isinstance(out, tuple) else (out,)
    return np.concatenate([np.reshape(p, (-1,)) for p in parts])


def central_hessian(g, x, h=1e-4):
    """Nested central differences of a plain scalar function g of an array x."""
    n = x.size
    e = np.eye(n).reshape((n,) + x.shape) * h
    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            hess[i, j] = (g(x + e[i] + e[j]) - g(x + e[i] - e[j])
                          - g(x - e[i] + e[j]) + g(x - e[i] - e[j])) / (4 * h * h)
    return hess


def central_mixed(g, h=1e-4):
    """d^2 g / ds dr at (0, 0) by nested central differences."""
    return (g(h, h) - g(h, -h) - g(-h, h) + g(-h, -h)) / (4 * h * h)


def central(f, x, h=1e-6):
    """Central-difference Jacobian of a plain function f at x: shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=float)
    y0 = np.asarray(f(x))
    jac = np.zeros(y0.shape + x.shape, dtype=np.result_type(y0, float))
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(order="K"), x.copy(order="K")   # x's memory layout, for ravel "K"
        xp[idx] += h
        xm[idx] -= h
        jac[(...,) + idx] = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2 * h)
    return jac


# --- linear algebra at second order -------------------------------------------------

SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
SQUARE = np.array([[2.0, 1.0, 0.3], [0.4, 3.0, 1.0], [0.1, -0.5, 1.5]])
TALL = np.array([[2.0, 1.0], [0.4, 3.0], [0.1, -0.5]])
RHS = np.array([1.0, -2.0, 0.5])

LINALG = {
    "det": (np.linalg.det, SQUARE),
    "slogdet": (lambda a: np.linalg.slogdet(a)[1], SQUARE),
    "inv": (np.linalg.inv, SQUARE),
    "solve": (lambda a: np.linalg.solve(a, RHS), SQUARE),
    "cholesky": (np.linalg.cholesky, SPD),
    "cholesky upper": (lambda a: np.linalg.cholesky(a, upper=True), SPD),
    "qr": (np.linalg.qr, TALL),
    "qr r": (lambda a: np.linalg.qr(a, mode="r"), TALL),
    "eigh": (np.linalg.eigh, SPD),
    "pinv": (np.linalg.pinv, TALL),
}


@pytest.mark.parametrize("name", LINALG)
def test_linalg_hessian_matches_nested_central_differences(name):
    f, x = LINALG[name]
    w = RNG.standard_normal(flat(f(x)).size)

    def g(v):
        return w @ flat(f(v))
    got = ad.hessian(g)(x).reshape(x.size, x.size)
    np.testing.assert_allclose(got, central_hessian(g, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", LINALG)
def test_linalg_derivative_of_derivative_matches_nested_central_differences(name):
    # one direction at each level (no k axis): the tangent maps run on plain nested duals
    f, x = LINALG[name]
    w = RNG.standard_normal(flat(f(x)).size)
    d1, d2 = RNG.standard_normal(x.shape), RNG.standard_normal(x.shape)

    def g(s, r):
        return w @ flat(f(x + s * d1 + r * d2))
    got = ad.derivative(lambda s: ad.derivative(lambda r: g(s, r), 0.0), 0.0)
    assert got == pytest.approx(central_mixed(g), rel=1e-5, abs=1e-6)


def test_hessian_of_det_2x2_is_the_hand_formula():
    # det = a00 a11 - a01 a10: d2/da00 da11 = 1, d2/da01 da10 = -1, every other entry 0
    expected = np.zeros((2, 2, 2, 2))
    expected[0, 0, 1, 1] = expected[1, 1, 0, 0] = 1.0
    expected[0, 1, 1, 0] = expected[1, 0, 0, 1] = -1.0
    np.testing.assert_array_equal(ad.hessian(np.linalg.det)(np.eye(2)), expected)


def leibniz_det_hessian(a):
    """d2 det / da_ij da_kl from det A = sum_p sign(p) prod_r a[r, p(r)]: the sum over the
    permutations with p(i) = j and p(k) = l of sign(p) times the other factors."""
    n = a.shape[0]
    hess = np.zeros((n, n, n, n))
    for p in itertools.permutations(range(n)):
        sign = np.linalg.det(np.eye(n)[list(p)])
        for i, k in itertools.permutations(range(n), 2):
            rest = np.prod([a[r, p[r]] for r in range(n) if r not in (i, k)])
            hess[i, p[i], k, p[k]] += sign * rest
    return hess


@pytest.mark.parametrize("a", [np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
                               np.zeros((3, 3)), SQUARE],
                         ids=["rank 2", "zero", "regular"])
def test_hessian_of_det_is_the_leibniz_formula(a):
    np.testing.assert_allclose(ad.hessian(np.linalg.det)(a), leibniz_det_hessian(a),
                               atol=1e-12)


def test_nested_derivative_through_cholesky_matches_the_issue_example():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])

    def chol11(r, s):
        return np.linalg.cholesky(a + r * s * np.eye(2))[1, 1]

    got = ad.derivative(lambda s: ad.derivative(lambda r: chol11(r, s), 0.5), 0.3)
    # d/dr at r = 0.5 as a function of s, by central differences of central differences
    # of NumPy's cholesky
    h = 1e-4

    def d_dr(s):
        return (chol11(0.5 + h, s) - chol11(0.5 - h, s)) / (2 * h)
    assert got == pytest.approx((d_dr(0.3 + h) - d_dr(0.3 - h)) / (2 * h), rel=1e-6)


COMPLEX_A = np.array([[2.0 + 1.0j, 1.0, 0.2], [0.5j, 3.0 - 1.0j, 1.0], [0.3, -0.4j, 2.5]])
COMPLEX_D = np.array([[1.0, 0.3j, 0.1], [0.2, -1.0j, 0.5], [0.4j, 0.0, 1.0 + 1.0j]])
COMPLEX_TALL = np.array([[1.0 + 0.5j, 0.3], [-0.2j, 2.0 + 1.0j], [0.7, -0.4 + 0.2j]])
COMPLEX_HPD = np.array([[4.0, 1.0 - 1.0j], [1.0 + 1.0j, 3.0]])

COMPLEX = {
    "slogdet sign": (lambda a: np.linalg.slogdet(a)[0], COMPLEX_A, COMPLEX_D),
    "slogdet logabsdet": (lambda a: np.linalg.slogdet(a)[1], COMPLEX_A, COMPLEX_D),
    "slogdet of a real matrix along a complex direction":
        (lambda a: np.linalg.slogdet(a)[0], COMPLEX_A.real, COMPLEX_D),
    "cholesky": (np.linalg.cholesky, COMPLEX_HPD, np.array([[1.0, 0.3j], [-0.3j, 2.0]])),
    "cholesky upper": (lambda a: np.linalg.cholesky(a, upper=True), COMPLEX_HPD,
                       np.array([[1.0, 0.3j], [-0.3j, 2.0]])),
    "qr q": (lambda a: np.linalg.qr(a)[0], COMPLEX_TALL, COMPLEX_D[:, :2]),
    "qr r": (lambda a: np.linalg.qr(a)[1], COMPLEX_TALL, COMPLEX_D[:, :2]),
    "pinv": (np.linalg.pinv, COMPLEX_TALL, COMPLEX_D[:, :2]),
}


@pytest.mark.parametrize("name", COMPLEX)
def test_complex_linalg_tangent_matches_central_differences(name):
    f, a, d = COMPLEX[name]
    h = 1e-6
    expected = (f(a + h * d) - f(a - h * d)) / (2 * h)
    _, got = ad.jvp(f, (a,), (d,))
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-8)


# --- triangles are linear -------------------------------------------------------------

@pytest.mark.parametrize("func", [np.tril, np.triu])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_triangle_jacobian_is_the_mask(func, offset):
    x = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(ad.jacfwd(lambda v: func(v, k=offset))(x),
                               central(lambda v: func(v, offset), x), atol=1e-9)


@pytest.mark.parametrize("func", [np.tril, np.triu])
def test_triangle_of_a_vector_reads_it_as_every_row(func):
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ad.jacfwd(func)(x), central(func, x), atol=1e-9)


def test_triangle_inside_a_nested_derivative():
    # tril(x x^T) summed: d2/dx_i dx_j of sum_{a>=b} x_a x_b is 2 on the diagonal, 1 off it
    got = ad.hessian(lambda v: np.sum(np.tril(np.outer(v, v))))(np.array([0.3, -1.2, 2.0]))
    np.testing.assert_allclose(got, np.ones((3, 3)) + np.eye(3))


# --- every array function of the table in positional and keyword forms -----------------

X = np.array([[0.3, -1.2, 2.0], [1.5, 0.7, -0.4]])
VEC = np.array([0.3, -1.2, 2.0])
MASK = np.array([[True, False, True], [False, True, True]])
M32 = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.2]])
IDX = np.array([[2, 0], [1, 1]])


def call(func, *args, **kwargs):
    """x -> func(x, *args, **kwargs); the string "X" in kwargs stands for the input."""
    name = next((key for key, v in kwargs.items() if isinstance(v, str) and v == "X"), None)
    if name is not None:
        rest = {key: v for key, v in kwargs.items() if key != name}
        return lambda x: func(*args, **{name: x}, **rest)
    return lambda x: func(x, *args, **kwargs)


# Each entry: the same call written positionally and with keywords (where NumPy has
# keyword names), with its input; every form is checked against central differences of
# the same plain NumPy call.
FORMS = {
    "sum axis": (X, [call(np.sum, 1), call(np.sum, axis=1), call(np.sum, a="X", axis=1)]),
    "sum keepdims": (X, [call(np.sum, 0, None, None, True), call(np.sum, axis=0, keepdims=True)]),
    "sum dtype": (X, [call(np.sum, None, np.float64), call(np.sum, dtype=np.float64)]),
    "sum where initial": (X, [call(np.sum, 1, None, None, False, 2.0, MASK),
                              call(np.sum, axis=1, initial=2.0, where=MASK)]),
    "mean": (X, [call(np.mean, 1), call(np.mean, axis=1), call(np.mean, a="X", axis=-1)]),
    "mean keepdims where": (X, [call(np.mean, axis=1, keepdims=True, where=MASK)]),
    "prod": (X, [call(np.prod, 0), call(np.prod, axis=0), call(np.prod, a="X")]),
    "prod initial where": (X, [call(np.prod, 1, None, None, True, 2.0, MASK),
                               call(np.prod, axis=1, keepdims=True, initial=2.0, where=MASK)]),
    "cumsum": (X, [call(np.cumsum, 1), call(np.cumsum, axis=1), call(np.cumsum, a="X"),
                   call(np.cumsum, axis=0, dtype=np.float64)]),
    "cumprod": (X, [call(np.cumprod, 1), call(np.cumprod, axis=1), call(np.cumprod, a="X")]),
    "max": (X, [call(np.max, 1), call(np.max, axis=1), call(np.amax, a="X", axis=0),
                call(np.max, 1, None, True), call(np.max, axis=1, keepdims=True)]),
    "max initial": (X, [call(np.max, 1, None, False, 1.0), call(np.max, axis=1, initial=1.0),
                        call(np.max, axis=0, initial=10.0)]),
    "max where": (X, [call(np.max, axis=1, initial=-5.0, where=MASK)]),
    "min": (X, [call(np.min, 0), call(np.min, axis=0), call(np.amin, a="X"),
                call(np.min, axis=1, initial=0.0, where=MASK)]),
    "sort": (X, [call(np.sort, 0), call(np.sort, axis=0), call(np.sort, a="X", axis=None),
                 call(np.sort, 1, "stable"), call(np.sort, axis=1, stable=True)]),
    "take": (X, [call(np.take, [0, 2], 1), call(np.take, indices=[0, 2], axis=1),
                 call(np.take, a="X", indices=[2, -1]),
                 call(np.take, [5, -1], 1, None, "wrap"), call(np.take, [5, -1], axis=1, mode="clip")]),
    "take_along_axis": (X, [call(np.take_along_axis, IDX, 1),
                            call(np.take_along_axis, indices=IDX, axis=1),
                            call(np.take_along_axis, arr="X", indices=IDX, axis=1)]),
    "reshape": (X, [call(np.reshape, (3, 2)), call(np.reshape, shape=(3, 2)),
                    call(np.reshape, (3, 2), "F"), call(np.reshape, shape=(3, 2), order="F"),
                    call(np.reshape, (3, 2), order="A")]),
    "ravel": (X, [call(np.ravel, "F"), call(np.ravel, order="F"), call(np.ravel, a="X"),
                  call(np.ravel, order="K")]),
    "ravel of a transposed view": (X.T, [call(np.ravel, order="K"), call(np.ravel, order="A"),
                                         call(np.reshape, (3, 2), order="A")]),
    "ravel of a strided view": (np.arange(24.0).reshape(4, 6).T[::2, 1:],
                                [call(np.ravel, order="K"), call(np.ravel, order="F")]),
    "squeeze": (X[None], [call(np.squeeze, 0), call(np.squeeze, axis=0), call(np.squeeze, a="X")]),
    "expand_dims": (X, [call(np.expand_dims, 1), call(np.expand_dims, axis=(0, 2)),
                        call(np.expand_dims, a="X", axis=-1)]),
    "atleast_2d": (VEC, [call(np.atleast_2d), call(np.atleast_3d), call(np.atleast_1d),
                         lambda x: flat(np.atleast_2d(x, 2.0, x[0] * x))]),
    "transpose": (X, [call(np.transpose, (1, 0)), call(np.transpose, axes=(1, 0)),
                      call(np.transpose, a="X")]),
    "swapaxes": (X, [call(np.swapaxes, 0, 1), call(np.swapaxes, axis1=0, axis2=1),
                     call(np.swapaxes, a="X", axis1=-1, axis2=0)]),
    "moveaxis": (X, [call(np.moveaxis, 0, 1), call(np.moveaxis, source=0, destination=1),
                     call(np.moveaxis, a="X", source=[0, 1], destination=[-1, 0])]),
    "broadcast_to": (VEC, [call(np.broadcast_to, (2, 3)), call(np.broadcast_to, shape=(2, 3)),
                           call(np.broadcast_to, array="X", shape=(2, 3), subok=False)]),
    "flip": (X, [call(np.flip, 1), call(np.flip, axis=1), call(np.flip, m="X")]),
    "roll": (X, [call(np.roll, 1, 1), call(np.roll, shift=1, axis=1),
                 call(np.roll, a="X", shift=2)]),
    "concatenate": (X, [lambda x: np.concatenate([x, 2 * x], 1),
                        lambda x: np.concatenate([x, 2 * x], axis=1),
                        lambda x: np.concatenate([x, X], axis=None),
                        lambda x: np.concatenate([x, X], axis=0, dtype=np.float64)]),
    "stack": (X, [lambda x: np.stack([x, 2 * x], 1), lambda x: np.stack([x, X], axis=-1),
                  lambda x: np.stack(arrays=[x, X], axis=1, dtype=np.float64)]),
    "split": (X, [lambda x: np.concatenate(np.split(x, 3, 1), axis=0),
                  lambda x: np.concatenate(np.split(x, indices_or_sections=3, axis=1), axis=0),
                  lambda x: np.concatenate(np.split(ary=x, indices_or_sections=[1]), axis=1),
                  lambda x: np.concatenate(np.array_split(x, 2, axis=1), axis=None)]),
    "repeat": (X, [call(np.repeat, 2), call(np.repeat, repeats=2),
                   call(np.repeat, 2, 1), call(np.repeat, repeats=[1, 2], axis=0),
                   call(np.repeat, a="X", repeats=3, axis=-1)]),
    "tile": (X, [call(np.tile, 2), call(np.tile, reps=(2, 1)), call(np.tile, A="X", reps=2)]),
    "diff": (X, [call(np.diff, 1, 0), call(np.diff, n=1, axis=0), call(np.diff, a="X", n=2),
                 call(np.diff, prepend=0.5), call(np.diff, axis=0, append=X[:1]),
                 call(np.diff, 2, -1, 1.0, [[2.0], [3.0]])]),
    "trace": (X, [call(np.trace, 1), call(np.trace, offset=1), call(np.trace, 0, 1, 0),
                  call(np.trace, axis1=1, axis2=0, dtype=np.float64), call(np.trace, a="X")]),
    "diagonal": (X, [call(np.diagonal, 1), call(np.diagonal, offset=1),
                     call(np.diagonal, 0, 1, 0), call(np.diagonal, a="X", axis1=-1, axis2=0)]),
    "diag": (X, [call(np.diag, 1), call(np.diag, k=1), call(np.diag, v="X", k=-1)]),
    "diag of a vector": (VEC, [call(np.diag, -1), call(np.diag, k=-1), call(np.diag, v="X")]),
    "tril": (X, [call(np.tril, 1), call(np.tril, k=1), call(np.tril, m="X", k=-1)]),
    "triu": (X, [call(np.triu, 1), call(np.triu, k=1), call(np.triu, m="X", k=-1)]),
    "dot": (X, [call(np.dot, M32), call(np.dot, b=M32), call(np.dot, a="X", b=M32),
                lambda x: np.dot(M32, x), lambda x: np.dot(a=M32, b=x)]),
    "inner": (X, [call(np.inner, X), lambda x: np.inner(VEC, x)]),
    "tensordot": (X, [call(np.tensordot, M32, 1), call(np.tensordot, M32, axes=1),
                      call(np.tensordot, b=M32.T, axes=([1], [1])),
                      lambda x: np.tensordot(a=M32, b=x, axes=([0], [1]))]),
    "matmul": (X, [call(np.matmul, M32), lambda x: np.matmul(M32, x),
                   call(np.matmul, M32, dtype=np.float64, casting="same_kind")]),
    "einsum": (X, [lambda x: np.einsum("ij,jk->ik", x, M32),
                   lambda x: np.einsum("ij,jk->ik", x, M32, optimize=True),
                   lambda x: np.einsum("ij,ij", x, x, optimize="greedy")]),
    "solve": (SQUARE, [call(np.linalg.solve, RHS), call(np.linalg.solve, b=RHS),
                       call(np.linalg.solve, a="X", b=RHS),
                       lambda x: np.linalg.solve(a=SQUARE, b=x[0])]),
    "inv": (SQUARE, [call(np.linalg.inv), call(np.linalg.inv, a="X")]),
    "det": (SQUARE, [call(np.linalg.det), call(np.linalg.det, a="X")]),
    "slogdet": (SQUARE, [lambda x: flat(np.linalg.slogdet(x)),
                         lambda x: flat(np.linalg.slogdet(a=x))]),
    "cholesky": (SPD, [call(np.linalg.cholesky), call(np.linalg.cholesky, upper=True)]),
    "qr": (TALL, [lambda x: flat(np.linalg.qr(x, "reduced")),
                  lambda x: flat(np.linalg.qr(a=x, mode="reduced")),
                  call(np.linalg.qr, "r"), call(np.linalg.qr, mode="r")]),
    "eigh": (SPD, [lambda x: flat(np.linalg.eigh(x, "U")),
                   lambda x: flat(np.linalg.eigh(x, UPLO="U")),
                   lambda x: flat(np.linalg.eigh(a=x, UPLO="L"))]),
    "svd": (TALL, [lambda x: flat(np.linalg.svd(x, False)),
                   lambda x: flat(np.linalg.svd(x, full_matrices=False)),
                   call(np.linalg.svd, False, False), call(np.linalg.svd, compute_uv=False),
                   call(np.linalg.svd, a="X", compute_uv=False, hermitian=False)]),
    "svdvals": (TALL, [call(np.linalg.svdvals)]),   # x is positional-only in NumPy
    "pinv": (TALL, [call(np.linalg.pinv, 1e-15), call(np.linalg.pinv, rcond=1e-15),
                    call(np.linalg.pinv, a="X", hermitian=False),
                    call(np.linalg.pinv, rtol=1e-12)]),
    # padding, rotation, splitting, spacing, cross products (dualad.table.shape_rules)
    "rot90": (X, [call(np.rot90, 3), call(np.rot90, k=3, axes=(1, 0)), call(np.rot90, m="X")]),
    "rollaxis": (X[None], [call(np.rollaxis, 2), call(np.rollaxis, axis=2, start=1),
                           call(np.rollaxis, a="X", axis=-1, start=-3)]),
    "hsplit": (X, [lambda x: flat(tuple(np.hsplit(x, 3))),
                   lambda x: flat(tuple(np.hsplit(x, [1]))),
                   lambda x: flat(tuple(np.hsplit(ary=x, indices_or_sections=3)))]),
    "vsplit": (X, [lambda x: flat(tuple(np.vsplit(x, 2))),
                   lambda x: flat(tuple(np.vsplit(ary=x, indices_or_sections=[1])))]),
    "dsplit": (X[None], [lambda x: flat(tuple(np.dsplit(x, 3))),
                         lambda x: flat(tuple(np.dsplit(ary=x, indices_or_sections=[2])))]),
    "append": (X, [call(np.append, X), call(np.append, values=X, axis=0),
                   call(np.append, X[:, :1], 1), lambda x: np.append(arr=X, values=x)]),
    "linspace": (VEC, [lambda x: np.linspace(x[0], x[1], 4),
                       lambda x: np.linspace(start=x, stop=x[2], num=3, endpoint=False, axis=1),
                       lambda x: flat(np.linspace(x, 2.0, 3, True, True))]),
    "geomspace": (np.abs(VEC) + 0.1, [lambda x: np.geomspace(x[0], x[1], 4),
                                      lambda x: np.geomspace(start=x, stop=3.0, num=3, axis=-1)]),
    "logspace": (VEC, [lambda x: np.logspace(x[0], x[1], 4),
                       lambda x: np.logspace(start=x, stop=1.0, num=3, base=2.0, axis=1)]),
    "cross": (X, [call(np.cross, X[::-1]), call(np.cross, b=X[::-1], axis=1),
                  lambda x: np.cross(a=X.T, b=x, axisa=0, axisc=0)]),
}


# issue 14 (numpy1): np.fft, signals, interpolation, fits, order statistics, eig
_FFT = np.fft
FORMS.update({
    "fft": (X, [call(_FFT.fft, 4, 0), call(_FFT.fft, n=4, axis=0),
                call(_FFT.fft, a="X", norm="ortho")]),
    "fft one axis": (X, [call(_FFT.ifft, 2, 0, "forward"), call(_FFT.rfft, axis=0),
                         call(_FFT.irfft, n=4), call(_FFT.hfft, 3, norm="ortho"),
                         call(_FFT.ihfft, a="X", n=4)]),
    "fft2": (X, [call(_FFT.fft2, (2, 4), (0, 1)), call(_FFT.fft2, s=(2, 4), axes=(0, 1)),
                 call(_FFT.ifft2, a="X", norm="ortho"), call(_FFT.rfft2, axes=(1, 0)),
                 call(_FFT.irfft2, s=(2, 4))]),
    "fftn": (X, [call(_FFT.fftn, (2, 3), (1, 0)), call(_FFT.fftn, s=(2, 3), axes=(1, 0)),
                 call(_FFT.ifftn, axes=(0,)), call(_FFT.rfftn, a="X"),
                 call(_FFT.irfftn, axes=[1])]),
    "fftshift": (X, [call(_FFT.fftshift, 1), call(_FFT.fftshift, axes=1),
                     call(_FFT.ifftshift, x="X"), call(_FFT.ifftshift, axes=(0, 1))]),
    "convolve": (VEC, [call(np.convolve, [1.0, -2.0]),
                       call(np.convolve, v=[1.0, -2.0], mode="same"),
                       lambda x: np.convolve(a=[0.5, 1.0, 2.0, -1.0], v=x),
                       call(np.correlate, [1.0, -2.0], "full"),
                       call(np.correlate, v=[1.0, 0.5], mode="valid"),
                       lambda x: np.correlate(x, x, "same")]),
    "gradient": (X, [lambda x: flat(np.gradient(x, 0.5, 2.0)),
                     lambda x: flat(np.gradient(x, axis=(1, 0))),
                     call(np.gradient, 0.5, axis=1, edge_order=2),
                     call(np.gradient, [0.0, 1.0, 3.0], axis=-1)]),
    "interp": (VEC, [lambda x: np.interp(x, [-2.0, 0.0, 1.0, 3.0], [1.0, 2.0, -1.0, 0.5]),
                     lambda x: np.interp(x=x, xp=[-2.0, 0.0, 1.0, 3.0], fp=[1.0, 2.0, -1.0, 0.5],
                                         left=0.0, right=1.0),
                     lambda x: np.interp(0.5, [-1.5, 1.0, 2.5], x),
                     lambda x: np.interp([0.2, 1.7], [0.0, 1.0, 2.5], x, period=4.0),
                     lambda x: np.interp([0.1, 0.9], np.sort(x), [1.0, 3.0, 2.0])]),
    "vander": (VEC, [call(np.vander, 4), call(np.vander, N=4, increasing=True),
                     call(np.vander, x="X")]),
    "polyfit": (VEC, [lambda x: np.polyfit(x, [1.0, 2.0, -1.0], 1),
                      lambda x: np.polyfit(x=[0.0, 1.0, 2.0], y=x, deg=1),
                      lambda x: np.polyfit([0.0, 1.0, 2.0], x, 1, w=[1.0, 2.0, 0.5]),
                      lambda x: np.polyfit(x, x ** 2, deg=2)]),
    "nan_to_num": (X, [call(np.nan_to_num), call(np.nan_to_num, nan=1.0),
                       call(np.nan_to_num, x="X", copy=True, posinf=1.0)]),
    "median": (X, [call(np.median, 1), call(np.median, axis=0),
                   call(np.median, a="X", keepdims=True), call(np.nanmedian, axis=1),
                   call(np.nanmedian, a="X")]),
    "quantile": (X, [call(np.quantile, 0.3, 1), call(np.quantile, q=[0.3, 0.8], axis=1),
                     call(np.quantile, a="X", q=0.5, method="lower"),
                     call(np.percentile, 40, 0), call(np.percentile, q=40, axis=0, method="hazen"),
                     call(np.nanquantile, 0.2, axis=1), call(np.nanpercentile, q=[20, 70])]),
    "lstsq": (TALL, [lambda x: np.linalg.lstsq(x, RHS)[0],
                     lambda x: flat(np.linalg.lstsq(a=x, b=RHS, rcond=None)[:2]),
                     lambda x: np.linalg.lstsq(SQUARE, x[:, 0])[0]]),
    "eig": (SQUARE, [lambda x: flat(np.linalg.eig(x)), lambda x: np.linalg.eig(a=x).eigenvalues,
                     call(np.linalg.eigvals), call(np.linalg.eigvals, a="X")]),
})

FORM_CASES = [(name, i) for name, (_, forms) in FORMS.items() for i in range(len(forms))]


@pytest.mark.parametrize("name, i", FORM_CASES, ids=[f"{n}-{i}" for n, i in FORM_CASES])
def test_array_function_form_matches_central_differences(name, i):
    x, forms = FORMS[name]
    f = forms[i]
    np.testing.assert_allclose(ad.jacfwd(f)(x), central(f, x), rtol=1e-6, atol=1e-8)


def array_functions_called(f, x):
    """The NumPy array functions that ``f`` hands a dual to (through dualad's dispatch)."""
    from dualad.arrays import dispatch
    called, handlers = set(), dict(dispatch._HANDLERS)

    def spy(func, handler):
        return lambda *args, **kwargs: (called.add(func), handler(*args, **kwargs))[1]
    try:
        dispatch._HANDLERS.update({func: spy(func, h) for func, h in handlers.items()})
        f(ad.DualArray(x, np.ones_like(x)))
    finally:
        dispatch._HANDLERS.update(handlers)
    return called


def test_every_array_function_of_the_table_has_its_forms_checked():
    covered = set().union(*(array_functions_called(f, x) for x, forms in FORMS.values()
                            for f in forms))
    table = {func for rule in ad.rules if rule.kind == "array" for func in rule.numpy_functions}
    missing = sorted(func.__name__ for func in table - covered)
    assert not missing, f"array functions of the table without a check of their forms: {missing}"


def test_issue_keyword_calls_match_the_positional_ones():
    a = np.arange(6.0).reshape(2, 3)
    for keyword, positional in [
            (lambda v: np.moveaxis(v, source=0, destination=1), lambda v: np.moveaxis(v, 0, 1)),
            (lambda v: np.swapaxes(v, axis1=0, axis2=1), lambda v: np.swapaxes(v, 0, 1)),
            (lambda v: np.repeat(v, repeats=2), lambda v: np.repeat(v, 2))]:
        np.testing.assert_array_equal(ad.jacfwd(keyword)(a), central(positional, a).round(6))


# --- scalar duals where NumPy takes scalars ---------------------------------------------

SCALAR_CALLS = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "cumsum": np.cumsum,
    "cumprod": np.cumprod, "max": np.max, "min initial": lambda s: np.min(s, initial=5.0),
    "reshape": lambda s: np.reshape(s, shape=(1, 1)), "ravel": np.ravel,
    "squeeze": np.squeeze, "expand_dims": lambda s: np.expand_dims(s, axis=0),
    "atleast_3d": np.atleast_3d, "transpose": np.transpose,
    "broadcast_to": lambda s: np.broadcast_to(s, shape=(3,)),
    "repeat": lambda s: np.repeat(s, repeats=3), "tile": lambda s: np.tile(s, reps=2),
    "take": lambda s: np.take(s, indices=[0, 0]), "flip": np.flip,
    "roll": lambda s: np.roll(s, shift=1), "dot": lambda s: np.dot(s, VEC),
    "dot right": lambda s: np.dot(VEC, b=s), "inner": lambda s: np.inner(s, VEC),
    "tensordot": lambda s: np.tensordot(s, VEC, axes=0),
    "einsum": lambda s: np.einsum(",i->i", s, VEC),
    "stack": lambda s: np.stack([s, 2 * s], axis=0),
    "zeros_like": lambda s: np.zeros_like(s, shape=(2,)) + s,
    "full_like": lambda s: np.full_like(s, s * s),
}


@pytest.mark.parametrize("name", SCALAR_CALLS)
def test_array_function_of_a_scalar_dual_matches_central_differences(name):
    f = SCALAR_CALLS[name]
    h = 1e-6
    expected = (np.asarray(f(0.7 + h)) - np.asarray(f(0.7 - h))) / (2 * h)
    value, tangent = ad.jvp(f, (0.7,), (1.0,))
    np.testing.assert_array_equal(value, f(0.7))
    assert np.shape(tangent) == np.shape(expected)
    np.testing.assert_allclose(tangent, expected, atol=1e-8)


# --- arguments a tangent map cannot honour are refused, naming the function -------------

@pytest.mark.parametrize("func", [np.sum, np.mean, np.prod, np.cumsum, np.max, np.min,
                                  np.take, np.trace, np.dot, np.concatenate, np.stack])
def test_out_is_refused(func):
    x = ad.DualArray(X, np.ones_like(X))
    args = {np.take: ([0],), np.dot: (M32,)}.get(func, ())
    operand = [x, x] if func in (np.concatenate, np.stack) else x
    out = np.empty_like(func(X if not isinstance(operand, list) else [X, X], *args))
    with pytest.raises(TypeError, match=rf"numpy\.{func.__name__}.*out="):
        func(operand, *args, out=out)


@pytest.mark.parametrize("call_with_dual_keyword", [
    lambda x: np.sum(x, initial=x[0, 0]),
    lambda x: np.max(x, initial=x[0, 0]),
    lambda x: np.diff(x, prepend=x[:, :1]),
    lambda x: np.linalg.pinv(x, rcond=x[0, 0] * 1e-16),
], ids=["sum initial", "max initial", "diff prepend", "pinv rcond"])
def test_a_dual_in_a_keyword_without_a_tangent_rule_is_refused(call_with_dual_keyword):
    with pytest.raises(TypeError, match="dual .*= .*no tangent rule"):
        ad.jacfwd(call_with_dual_keyword)(X)


def test_matmul_with_axes_is_refused():
    with pytest.raises(TypeError, match="matmul with axes="):
        ad.jacfwd(lambda x: np.matmul(x, M32, axes=[(-2, -1), (-2, -1), (-2, -1)]))(X)


def test_an_integer_dtype_rounds_to_a_piecewise_constant():
    # numpy.sum(x, dtype=int) truncates every entry: derivative 0, as floor's
    got = ad.jacfwd(lambda x: np.sum(x, axis=1, dtype=np.int64) * 1.0)(X)
    np.testing.assert_array_equal(got, np.zeros((2, 2, 3)))


# --- constants shaped like a dual ------------------------------------------------------

V3 = np.array([1.0, 2.0, 3.0])


def test_zeros_like_with_shape_has_that_shape():
    got = ad.jacfwd(lambda v: np.zeros_like(v, shape=(2,)) + v[0])(V3)
    np.testing.assert_array_equal(got, [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])


@pytest.mark.parametrize("func", [np.zeros_like, np.ones_like, np.empty_like])
def test_like_with_shape_and_dtype_positionally_and_by_keyword(func):
    # d/dv (c + v[1]) = e_1 on every entry of the new shape
    expected = np.zeros((2, 2, 3), dtype=complex)
    expected[..., 1] = 1.0
    for f in (lambda v: func(v, complex, "K", True, (2, 2)) * 0 + v[1],
              lambda v: func(v, shape=(2, 2), dtype=complex) * 0 + v[1]):
        got = ad.jacfwd(f)(V3)
        assert got.shape == (2, 2, 3)
        np.testing.assert_array_equal(got, expected)


def test_full_like_with_shape_keeps_a_dual_fill():
    got = ad.jacfwd(lambda v: np.full_like(v, v[2] * v[0], shape=(2,)))(V3)
    np.testing.assert_array_equal(got, [[3.0, 0.0, 1.0], [3.0, 0.0, 1.0]])   # d(v0 v2)


def test_full_like_with_an_integer_dtype_rounds_the_fill_as_numpy_does():
    got = np.full_like(ad.DualArray(V3, V3), ad.Dual(2.7, 1.0), dtype=int)
    np.testing.assert_array_equal(got, np.full_like(V3, 2.7, dtype=int))
    assert got.dtype.kind == "i"


@pytest.mark.parametrize("func", [np.zeros_like, np.ones_like, np.empty_like])
def test_like_of_a_scalar_dual_is_numpys_constant(func):
    got = func(ad.Dual(2.0, 1.0))
    assert type(got) is np.ndarray and got.shape == () and got.dtype == np.float64
    if func is not np.empty_like:
        assert got == func(2.0)


def test_like_of_a_scalar_dual_with_a_shape_takes_assignments():
    y = np.zeros_like(ad.Dual(2.0, 1.0), shape=(2,))
    y[1] = ad.Dual(5.0, 3.0)
    np.testing.assert_array_equal(y.value, [0.0, 5.0])
    np.testing.assert_array_equal(y.tangent, [0.0, 3.0])


def test_like_with_shape_at_second_order():
    def f(v):
        y = np.zeros_like(v, shape=(2,))
        y[0] = v[0] * v[1]
        y[1] = v[2] ** 2
        return np.sum(y * y)
    # f = v0^2 v1^2 + v2^4: by hand
    v0, v1, v2 = V3
    expected = [[2 * v1 ** 2, 4 * v0 * v1, 0], [4 * v0 * v1, 2 * v0 ** 2, 0], [0, 0, 12 * v2 ** 2]]
    np.testing.assert_allclose(ad.hessian(f)(V3), expected)


# --- histograms: the edges move with the samples ------------------------------------------

SAMPLES = np.array([1.0, 2.2, 3.0, 2.7])


def test_histogram_edges_move_with_min_and_max():
    # edges_k = min + (max - min) k / bins: d/dmin = 1 - k/bins, d/dmax = k/bins
    k = np.arange(11) / 10
    expected = np.zeros((11, 3))
    expected[:, 0], expected[:, 2] = 1 - k, k
    got = ad.jacfwd(lambda v: np.histogram(v)[1])(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got, expected, atol=1e-15)


def test_histogram_primal_is_numpys():
    got_hist, got_edges = np.histogram(ad.DualArray(SAMPLES, np.ones(4)), bins=3, density=True)
    hist, edges = np.histogram(SAMPLES, bins=3, density=True)
    np.testing.assert_array_equal(got_hist.value, hist)
    np.testing.assert_array_equal(got_edges.value, edges)


HISTOGRAMS = {
    "edges": lambda v: np.histogram(v, bins=3)[1],
    "counts": lambda v: np.histogram(v, bins=3)[0] * 1.0,
    "density": lambda v: np.histogram(v, bins=3, density=True)[0],
    "range edges": lambda v: np.histogram(v, 3, (0.0, 5.0))[1],
    "auto bins": lambda v: np.histogram(v, bins="auto")[1],
    "bin_edges": lambda v: np.histogram_bin_edges(v, bins=4),
    "bin_edges range": lambda v: np.histogram_bin_edges(v, range=(0.5, 4.0)),
    "weighted": lambda w: np.histogram(SAMPLES, bins=3, weights=w)[0],
    "weighted density": lambda w: np.histogram(SAMPLES, bins=3, weights=w, density=True)[0],
}


@pytest.mark.parametrize("name", HISTOGRAMS)
def test_histogram_jacobian_matches_central_differences(name):
    f = HISTOGRAMS[name]
    x = np.array([0.5, 2.0, 1.0, 1.5]) if name.startswith("weighted") else SAMPLES
    np.testing.assert_allclose(ad.jacfwd(f)(x), central(f, x), rtol=1e-6, atol=1e-8)


def test_histogram_density_at_second_order():
    def g(v):
        return np.sum(np.histogram(v, bins=3, density=True)[0] ** 2)
    np.testing.assert_allclose(ad.hessian(g)(SAMPLES), central_hessian(g, SAMPLES),
                               rtol=1e-5, atol=1e-5)


# --- functions composed of ruled ones take NumPy's forms too ------------------------------

COMPOSED = {
    "var positional": lambda v: np.var(v, 0, None, None, 1),
    "var keywords": lambda v: np.var(v, axis=1, ddof=1, keepdims=True),
    "var where": lambda v: np.var(v, where=MASK),
    "var axis where": lambda v: np.var(v, axis=1, where=MASK),
    "var mean": lambda v: np.var(v, axis=0, mean=np.mean(v, axis=0, keepdims=True)),
    "std correction": lambda v: np.std(v, 1, correction=1),
    "std where keepdims": lambda v: np.std(v, axis=0, where=MASK, keepdims=True),
    "hstack": lambda v: np.hstack(tup=[v, v]),
    "vstack dtype": lambda v: np.vstack((v, v), dtype=np.float64),
    "average": lambda v: np.average(v, 1, [1.0, 2.0, 3.0]),
    "average keywords": lambda v: np.average(v, axis=1, weights=[1.0, 2.0, 3.0], keepdims=True),
    "clip min max": lambda v: np.clip(v, min=0.0, max=1.0),
    "norm": lambda v: np.linalg.norm(v, 2, 1),
    "norm keywords": lambda v: np.linalg.norm(x=v, ord="fro"),
    "trapezoid": lambda v: np.trapezoid(v, dx=0.5, axis=0),
    "outer": lambda v: np.outer(a=v, b=v),
    "multi_dot": lambda v: np.linalg.multi_dot(arrays=[v, v.T]),
}


@pytest.mark.parametrize("name", COMPOSED)
def test_composed_function_form_matches_central_differences(name):
    f = COMPOSED[name]
    np.testing.assert_allclose(ad.jacfwd(f)(X), central(f, X), rtol=1e-6, atol=1e-8)


def test_composed_function_refuses_out():
    with pytest.raises(TypeError, match=r"numpy\.outer\(\.\.\., out="):
        ad.jacfwd(lambda v: np.outer(v, v, out=np.zeros((6, 6))))(X)


def test_composed_function_refuses_an_argument_it_cannot_honour():
    with pytest.raises(TypeError, match="numpy.copy with order='F'"):
        ad.jacfwd(lambda v: np.copy(v, order="F"))(X)
