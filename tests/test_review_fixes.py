"""Fixes from a review: real dtype= on complex input, histograms of complex samples, the
2-norm at tiny and huge entries, complex log1p near 0, the accuracy lab on complex input,
and the ndarray methods a DualArray has.

Every expected value comes from outside dualad: central differences of the plain NumPy
function, mpmath at 50 digits, or a derivation written beside the test.
"""
import re
import warnings

import mpmath
import numpy as np
import pytest

import dualad as ad

Z = np.array([1 + 2j, 3 - 1j, 0.5 + 0.5j])
DZ = np.array([1 + 1j, 2 - 1j, 1j])


def central(f, x, dx, h=1e-6):
    """(f(x + h dx) - f(x - h dx)) / 2h of a plain NumPy function, NumPy's warnings off."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (np.asarray(f(x + h * dx)) - np.asarray(f(x - h * dx))) / (2 * h)


# --- 1. a real dtype= casts complex input: the tangent is that of NumPy's real result ----

REAL_DTYPE = {
    "sum": lambda z: np.sum(z, dtype=float),
    "prod": lambda z: np.prod(z, dtype=float),
    "mean": lambda z: np.mean(z, dtype=float),
    "cumsum": lambda z: np.cumsum(z, dtype=float),
    "cumprod": lambda z: np.cumprod(z, dtype=float),
    "var": lambda z: np.var(z, dtype=float),
    "std": lambda z: np.std(z, dtype=float),
    "trace": lambda z: np.trace(np.diag(z), dtype=float),
    "einsum": lambda z: np.einsum("i->", z, dtype=float, casting="unsafe"),
    "concatenate": lambda z: np.concatenate([z, 2 * z], dtype=float, casting="unsafe"),
    "add.reduce": lambda z: np.add.reduce(z, dtype=float),
    "multiply.reduce": lambda z: np.multiply.reduce(z, dtype=float),
    "add.accumulate": lambda z: np.add.accumulate(z, dtype=float),
    "method sum": lambda z: z.sum(dtype=float),
    "method cumsum": lambda z: z.cumsum(dtype=float),
}


@pytest.mark.parametrize("name", sorted(REAL_DTYPE))
def test_real_dtype_of_complex_input_differentiates_numpys_real_result(name):
    f = REAL_DTYPE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        value, tangent = ad.jvp(f, (Z,), (DZ,))
        plain = f(Z)
    np.testing.assert_array_equal(value, plain)
    assert not np.iscomplexobj(tangent)
    np.testing.assert_allclose(tangent, central(f, Z, DZ), rtol=1e-8, atol=1e-9)


def test_ufunc_reduce_keywords_are_honoured_or_refused():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    dx = np.array([[1.0, -1.0], [0.5, 2.0]])
    for f in (lambda x: np.add.reduce(x, axis=None, initial=5.0, where=x > 1.5),
              lambda x: np.maximum.reduce(x, axis=0, initial=2.5),
              lambda x: np.add.reduce(x, 1, None, None, True),
              lambda x: np.multiply.accumulate(x, axis=1)):
        value, tangent = ad.jvp(f, (x,), (dx,))
        np.testing.assert_array_equal(value, f(x))   # the keywords were dropped before
        np.testing.assert_allclose(tangent, central(f, x, dx), rtol=1e-8)
    with pytest.raises(TypeError, match="maximum.reduce with dtype="):
        ad.jvp(lambda x: np.maximum.reduce(x, dtype=float), (x,), (dx,))


def test_real_dtype_keeps_numpys_complex_warning():
    with pytest.warns(np.exceptions.ComplexWarning):
        ad.jvp(lambda z: np.cumsum(z, dtype=float), (Z,), (DZ,))


def test_real_dtype_of_complex_input_at_second_order():
    # prod(Re z) with z = x + i x^2: prod(x), whose Hessian is (hand) [[0, x3, x2], ...]
    x = np.array([1.5, -2.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        hess = ad.hessian(lambda x: np.prod(x + 1j * x ** 2, dtype=float))(x)
    a, b, c = x
    np.testing.assert_allclose(hess, [[0, c, b], [c, 0, a], [b, a, 0]], rtol=1e-15)


# --- 2. histograms of complex samples: NumPy's counts and complex edges ----------------

# NumPy orders complex numbers by real part, then imaginary part: the edges run from
# min to max so ordered (complex), and an equal-bins histogram places a sample by the real
# part of (z - first) n/(last - first), corrected by one bin at most: 0.9 goes to bin 1,
# not bin 3 as the order of the edges would say.
ZS = np.array([0.9 + 0j, 0.05, 1 + 10j, 0.3 + 0.2j, 0.45 + 6j])
DZS = np.array([1 + 1j, 2 - 1j, 1j, 0.5, -1])
WEIGHTS = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
DWEIGHTS = np.array([1.0, -1.0, 0.5, 2.0, 3.0])

COMPLEX_HISTOGRAMS = {
    "edges": lambda z: np.histogram(z, bins=4)[1],
    "bin_edges": lambda z: np.histogram_bin_edges(z, bins=3),
    "density": lambda z: np.histogram(z, bins=4, density=True)[0],
    "weighted density": lambda z: np.histogram(z, bins=4, weights=WEIGHTS, density=True)[0],
}


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("name", sorted(COMPLEX_HISTOGRAMS))
def test_histogram_of_complex_samples_is_numpys_with_its_derivative(name):
    f = COMPLEX_HISTOGRAMS[name]
    value, tangent = ad.jvp(f, (ZS,), (DZS,))
    np.testing.assert_array_equal(value, f(ZS))   # complex edges, as NumPy's
    assert np.iscomplexobj(tangent) == np.iscomplexobj(f(ZS))
    np.testing.assert_allclose(tangent, central(f, ZS, DZS, h=1e-7), rtol=1e-6, atol=1e-7)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
def test_histogram_counts_of_complex_samples_are_numpys_and_constant():
    counts, edges = ad.jvp(lambda z: np.histogram(z, bins=4), (ZS,), (DZS,))[0]
    want_counts, want_edges = np.histogram(ZS, bins=4)
    np.testing.assert_array_equal(counts, want_counts)
    np.testing.assert_array_equal(edges, want_edges)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("density", [False, True])
def test_weighted_histogram_of_complex_samples_places_them_as_numpy_does(density):
    def f(w):
        return np.histogram(ZS, bins=4, weights=w, density=density)[0]
    value, tangent = ad.jvp(f, (WEIGHTS,), (DWEIGHTS,))
    np.testing.assert_array_equal(value, f(WEIGHTS))
    np.testing.assert_allclose(tangent, central(f, WEIGHTS, DWEIGHTS), rtol=1e-8, atol=1e-9)


# --- 3. the 2-norm's tangents where the squares of the entries underflow or overflow ----

@mpmath.workdps(50)
def mp_norm_gradient(x):
    """d||x||/dx = x/||x||, at 50 digits."""
    xs = [mpmath.mpf(v) for v in x]
    length = mpmath.sqrt(sum(v * v for v in xs))
    return np.array([float(v / length) for v in xs])


@mpmath.workdps(50)
def mp_norm_hessian(x):
    """(I - x x^T/||x||^2)/||x||, at 50 digits."""
    xs = [mpmath.mpf(v) for v in x]
    length = mpmath.sqrt(sum(v * v for v in xs))
    n = len(xs)
    return np.array([[float(((i == j) - xs[i] * xs[j] / length ** 2) / length)
                      for j in range(n)] for i in range(n)])


EXTREME = [[1e-170, 0.0], [1e-170, 1e-170], [3e-200, -4e-200], [1e200, 1e200],
           [-3e300, 4e300, 1e299], [5e-324, 0.0], [1.5, -2.5, 0.5]]


@pytest.mark.filterwarnings("ignore:overflow encountered in norm")   # NumPy's primal: inf
@pytest.mark.parametrize("x", EXTREME, ids=str)
def test_gradient_of_the_two_norm_at_tiny_and_huge_entries_is_mpmaths(x):
    x = np.array(x)
    np.testing.assert_allclose(ad.jacfwd(np.linalg.norm)(x), mp_norm_gradient(x), rtol=4e-16)


# at 5e-324 the Hessian's 1/a overflows: not a case of a finite Hessian
@pytest.mark.filterwarnings("ignore:overflow encountered in norm")
@pytest.mark.parametrize("x", [v for v in EXTREME if 5e-324 not in v], ids=str)
def test_hessian_of_the_two_norm_at_tiny_and_huge_entries_is_mpmaths(x):
    x = np.array(x)
    want = mp_norm_hessian(x)
    got = ad.hessian(np.linalg.norm)(x)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14 * np.max(np.abs(want)))


def test_hessian_of_the_two_norm_at_a_tiny_axis_point_is_the_hand_derived_one():
    # ||x|| at (a, 0), a > 0: d2/dx1^2 = 0, d2/dx2^2 = 1/a (the curvature of the circle)
    a = 1e-170
    np.testing.assert_array_equal(ad.hessian(np.linalg.norm)(np.array([a, 0.0])),
                                  [[0.0, 0.0], [0.0, 1 / a]])


def test_two_norm_primal_is_numpys_own_at_tiny_and_huge_entries():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x in map(np.array, EXTREME):
            value, _ = ad.jvp(np.linalg.norm, (x,), (np.ones_like(x),))
            assert value == np.linalg.norm(x)   # 0.0 where NumPy's squares underflow, inf


def test_two_norm_overflow_of_the_primal_warns_as_numpy_does():
    x = np.array([1e200, 1e200])
    with pytest.warns(RuntimeWarning, match="overflow"):
        np.linalg.norm(x)
    with pytest.warns(RuntimeWarning, match="overflow"):
        ad.jacfwd(np.linalg.norm)(x)


@pytest.mark.filterwarnings("ignore:overflow encountered in norm")
def test_two_norm_of_tiny_complex_entries_and_along_an_axis():
    z = np.array([[3e-200 + 4e-200j, -1e-200j], [2e250, 1e250 - 2e250j]])
    dz = np.array([[1.0 + 0.5j, 2j], [-1.0, 0.5 + 1j]])
    _, tangent = ad.jvp(lambda z: np.linalg.norm(z, axis=1), (z,), (dz,))
    want = []
    with mpmath.workdps(50):
        for row, drow in zip(z, dz):   # Re sum(conj(z) dz)/||z||
            zs = [mpmath.mpc(v) for v in row]
            length = mpmath.sqrt(sum(abs(v) ** 2 for v in zs))
            want.append(float(sum(mpmath.re(mpmath.conj(v) * mpmath.mpc(d))
                                  for v, d in zip(zs, drow)) / length))
    np.testing.assert_allclose(tangent, want, rtol=4e-16)


def test_p_norm_gradient_at_tiny_entries_is_mpmaths():
    x = np.array([1e-170, -2e-170, 3e-171])
    p = 3
    with mpmath.workdps(50):   # d||x||_p/dx = sign(x) (|x|/||x||_p)^(p-1)
        xs = [mpmath.mpf(v) for v in x]
        length = sum(abs(v) ** p for v in xs) ** (mpmath.mpf(1) / p)
        want = [float(mpmath.sign(v) * (abs(v) / length) ** (p - 1)) for v in xs]
    np.testing.assert_allclose(ad.jacfwd(lambda x: np.linalg.norm(x, p))(x), want, rtol=1e-15)


# --- 4. complex log1p to a few ulp near 0 -----------------------------------------------

SMALL_Z = [1e-10 + 1e-10j, 1e-5 - 3e-6j, -1e-8 + 1e-12j, -2e-10 + 1e-5j, -5e-9 + 1e-4j,
           1e-20j, -1e-300 + 1e-300j, 1e-320 - 1e-320j, 0.3 + 0.2j,
           # on the circle |1 + z| = 1, where Re log1p z = log|1 + z| cancels to ~0
           complex(np.cos(0.7) * (1 + 1e-12) - 1, np.sin(0.7) * (1 + 1e-12))]


def mp_log1p(z):
    """log1p(z) and 1/(1 + z) from mpmath, with digits to spare for the cancellation in
    |1 + z| (at 50 digits |z|^2 = 1e-40 of z = 1e-20j would be lost)."""
    with mpmath.workdps(700):
        w = mpmath.mpc(z.real, z.imag)
        return complex(mpmath.log1p(w)), complex(1 / (1 + w))


def assert_ulps(got, want, ulps):
    for part in ("real", "imag"):
        g, w = getattr(got, part), getattr(want, part)
        assert abs(g - w) <= ulps * np.spacing(abs(w)), f"{part}: {g!r} vs {w!r}"


@pytest.mark.parametrize("z", SMALL_Z, ids=str)
def test_complex_log1p_of_a_scalar_dual_is_mpmaths_to_a_few_ulp(z):
    want, slope = mp_log1p(z)
    value, tangent = ad.jvp(np.log1p, (z,), (1 + 0j,))
    assert_ulps(value, want, 2)
    assert_ulps(tangent, slope, 2)


@pytest.mark.parametrize("z", SMALL_Z, ids=str)
def test_complex_log1p_of_a_dual_array_is_mpmaths_to_a_few_ulp(z):
    want, slope = mp_log1p(z)
    values, tangents = ad.jvp(np.log1p, (np.array([z, 2 * z]),), (np.array([1, 0.5 + 0j]),))
    assert_ulps(values[0], want, 2)
    assert_ulps(tangents[0], slope, 2)
    assert_ulps(values[1], mp_log1p(2 * z)[0], 2)


def test_complex_log1p_keeps_numpys_special_values_and_real_log1p():
    special = np.array([-1 + 0j, complex(np.inf, 1), complex(-np.inf, 1), complex(1, np.inf),
                        complex(np.nan, 1), complex(np.inf, np.nan), complex(-np.inf, np.inf)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values, _ = ad.jvp(np.log1p, (special,), (np.ones_like(special),))
        np.testing.assert_array_equal(values, np.log1p(special))
    x = np.linspace(-0.9, 3.0, 7)
    np.testing.assert_array_equal(ad.jvp(np.log1p, (x,), (np.ones(7),))[0], np.log1p(x))


def test_complex_log1p_at_minus_one_warns_as_numpy_does():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        ad.jvp(np.log1p, (np.array([-1 + 0j]),), (np.array([1 + 0j]),))


# --- 5. the accuracy lab at a complex x: the complex derivative of a holomorphic f ------

def test_check_at_a_complex_scalar_compares_the_complex_derivative():
    z = 1 + 1j
    report = ad.check(np.sin, z)
    with mpmath.workdps(50):
        want = complex(mpmath.cos(mpmath.mpc(z.real, z.imag)))   # d sin z/dz = cos z
    assert abs(report.reference - want) <= 1e-15 * abs(want)
    assert report.errors["AD (dualad)"][1] < 1e-15
    assert report.errors["Richardson (central, 4 levels)"][1] < 1e-12
    assert "complex step" in report.notes and "complex step" not in report.values


def test_check_at_a_complex_array_compares_the_complex_jacobian():
    z = np.array([1 + 1j, 0.5 - 2j])
    report = ad.check(lambda z: np.sin(z) * z[::-1], z)
    # hand derivation: d(sin z_i z_{1-i}) = cos z_i z_{1-i} dz_i + sin z_i dz_{1-i}
    a, b = z
    want = np.array([[np.cos(a) * b, np.sin(a)], [np.sin(b), np.cos(b) * a]])
    np.testing.assert_allclose(report.reference, want, rtol=1e-15)
    assert report.errors["AD (dualad)"][1] < 1e-15


@pytest.mark.parametrize("f, x, where", [
    (np.conj, 1 + 1j, "in x is"),
    (lambda z: np.real(z) * z, np.array([1 + 1j, 2j]), "in x[0] is"),
    (lambda z: [z[0] * z[1].conjugate()], [1 + 1j, 2j], "in x[1] is"),
])
def test_check_refuses_a_complex_x_of_a_non_holomorphic_f(f, x, where):
    with pytest.raises(ValueError, match=f"not holomorphic at x = .*{re.escape(where)}"):
        ad.check(f, x)


@pytest.mark.parametrize("x, named", [
    ("a", "x must be a real or complex number"),
    ([1.0, "a"], re.escape("x[1] must be a real or complex")),
    (np.array(["a"]), "array of real or complex numbers"),
])
def test_check_refuses_a_non_number_naming_it(x, named):
    with pytest.raises(TypeError, match=named):
        ad.check(np.sin, x)


def test_error_vs_step_refuses_a_complex_x_naming_it():
    with pytest.raises(TypeError, match="x must be a real number, got complex"):
        ad.error_vs_step(np.sin, 1 + 1j)


# --- 6. the ndarray methods: NumPy's functions of the array -----------------------------

# ndarray attributes a DualArray does not have, and why. Every other name of dir(ndarray)
# must be there: a differentiable method NumPy arrays have and DualArray lacks fails here.
NOT_FOR_DUALS = {
    # bitwise and shift operators: integers and booleans only; a DualArray holds floats
    **dict.fromkeys(["__and__", "__rand__", "__iand__", "__or__", "__ror__", "__ior__",
                     "__xor__", "__rxor__", "__ixor__", "__invert__", "__lshift__",
                     "__rlshift__", "__ilshift__", "__rshift__", "__rrshift__",
                     "__irshift__"], "integer/boolean only"),
    # the memory of the primal buffer: a dual has two (or a lazy tangent), no one layout
    **dict.fromkeys(["__array_interface__", "__array_struct__", "__dlpack__",
                     "__dlpack_device__", "ctypes", "data", "flags", "strides", "itemsize",
                     "nbytes", "byteswap", "view", "getfield", "setfield", "setflags",
                     "base"],
                    "memory layout"),
    # serialisation of the primal's bytes would drop the tangent
    **dict.fromkeys(["dump", "dumps", "tobytes", "tofile", "__setstate__"], "bytes"),
    # subclassing and array-API hooks of ndarray itself; DualArray is no ndarray subclass
    # and no array-API namespace
    **dict.fromkeys(["__array_finalize__", "__array_wrap__", "__class_getitem__",
                     "__array_namespace__", "device", "to_device"], "ndarray protocol"),
    "__delitem__": "ndarray refuses it too (cannot delete array elements)",
    "choose": "the array is the index array (integers); a DualArray holds floats",
}


def test_a_dual_array_has_every_differentiable_ndarray_method():
    missing = sorted(name for name in dir(np.ndarray)
                     if name not in NOT_FOR_DUALS and not hasattr(ad.DualArray, name))
    assert missing == []


X = np.array([[3.21, -1.13, 2.62], [0.37, 4.08, 1.76]])   # no ties, no rounding jumps near
DX = np.array([[1.0, -2.0, 0.5], [0.25, 1.0, -1.5]])

# (method, args, kwargs): called on the DualArray and on the plain ndarray
METHODS = [
    ("std", (), {}), ("std", (0,), {"ddof": 1}), ("var", (), {"axis": 1, "keepdims": True}),
    ("round", (1,), {}), ("round", (), {}), ("sum", (), {"axis": 0, "dtype": float}),
    ("sum", (1, None, None, True), {}), ("mean", (), {"where": X > 0}),
    ("prod", (), {"axis": 1}), ("cumsum", (None,), {}), ("cumprod", (1,), {}),
    ("max", (), {"axis": 0}), ("min", (), {"initial": 0.0}), ("clip", (0.0, 3.0), {}),
    ("clip", (), {"min": 1.0}), ("trace", (), {}), ("trace", (1,), {}),
    ("diagonal", (), {"offset": 1}), ("dot", (X.T,), {}), ("take", ([0, 4],), {}),
    ("take", ([2, 0],), {"axis": 1}), ("repeat", (2,), {"axis": 0}),
    ("compress", ([True, False, True],), {"axis": 1}), ("squeeze", (), {}),
    ("swapaxes", (0, 1), {}), ("ravel", (), {}), ("flatten", (), {}), ("conj", (), {}),
    ("transpose", (1, 0), {}), ("reshape", (3, 2), {}), ("item", (4,), {}),
    ("item", (1, 2), {}),
]

# value-level methods: integers and booleans, NumPy's own on the primal
INDEX_METHODS = [
    ("argmax", (), {"axis": 1}), ("argmin", (), {}), ("argsort", (), {"axis": 0}),
    ("argpartition", (1,), {}), ("nonzero", (), {}), ("all", (), {"axis": 0}),
    ("any", (), {}), ("searchsorted", (2.0,), {}),
]


@pytest.mark.parametrize("name, args, kwargs", METHODS, ids=[m[0] for m in METHODS])
def test_a_dual_array_method_is_the_ndarray_method_with_its_derivative(name, args, kwargs):
    f = lambda x: getattr(x, name)(*args, **kwargs)
    value, tangent = ad.jvp(f, (X,), (DX,))
    np.testing.assert_array_equal(value, f(X))
    # round is piecewise constant: its central difference is 0 away from the jumps
    np.testing.assert_allclose(tangent, central(f, X, DX), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("name, args, kwargs", INDEX_METHODS, ids=[m[0] for m in INDEX_METHODS])
def test_a_value_level_method_is_the_ndarray_method_of_the_primal(name, args, kwargs):
    plain = np.sort(X[0]) if name == "searchsorted" else X
    got = getattr(ad.DualArray(plain, np.ones_like(plain)), name)(*args, **kwargs)
    want = getattr(plain, name)(*args, **kwargs)
    assert type(got) is type(want)
    np.testing.assert_array_equal(got, want)


def _in_place(name, *args, **kwargs):
    def f(x):
        y = x.copy()
        getattr(y, name)(*args, **kwargs)
        return y
    return f


IN_PLACE = {
    "sort": _in_place("sort"),
    "sort axis 0": _in_place("sort", axis=0),
    "partition": _in_place("partition", 1),
    "fill": _in_place("fill", 2.0),
    "put": _in_place("put", [0, 5, 7], [9.0, 8.0], mode="wrap"),
    "resize larger": _in_place("resize", (3, 3), refcheck=False),
    "resize smaller": _in_place("resize", 4, refcheck=False),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_an_in_place_method_changes_the_dual_array_as_numpy_changes_an_ndarray(name):
    f = IN_PLACE[name]
    value, tangent = ad.jvp(f, (X,), (DX,))
    np.testing.assert_array_equal(value, f(X))
    np.testing.assert_allclose(tangent, central(f, X, DX), rtol=1e-8, atol=1e-8)


def _augmented(op):
    def f(x):
        y = x * x + 1.0   # positive: a real power of it is real
        alias = y   # NumPy changes the array itself: the alias sees it
        exec(f"y {op} w", {}, {"y": y, "w": x[::-1] + 2.3})
        return alias
    return f


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "**=", "//=", "%="])
def test_augmented_assignment_changes_the_dual_array_in_place(op):
    f = _augmented(op)
    value, tangent = ad.jvp(f, (X,), (DX,))
    np.testing.assert_array_equal(value, f(X))
    np.testing.assert_allclose(tangent, central(f, X, DX), rtol=1e-7, atol=1e-7)


def test_matmul_assignment_changes_the_dual_array_in_place():
    def f(x):
        y = x[:, :2].copy()
        alias = y
        y @= x[:, 1:]
        return alias
    value, tangent = ad.jvp(f, (X,), (DX,))
    np.testing.assert_array_equal(value, f(X))
    np.testing.assert_allclose(tangent, central(f, X, DX), rtol=1e-8)


def test_augmented_assignment_that_would_grow_the_dual_array_is_refused_as_by_numpy():
    with pytest.raises(ValueError):   # NumPy: non-broadcastable output operand
        y = X[0].copy()
        y += X
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*shape \(3,\)"):
        def f(x):
            y = x[0] * 1.0
            y += x
            return y
        ad.jvp(f, (X,), (DX,))


def test_augmented_assignment_of_complex_into_a_real_dual_array_is_refused_as_by_numpy():
    with pytest.raises(TypeError):   # NumPy: cannot cast ufunc 'add' output to float64
        y = X.copy()
        y += 1j
    with pytest.raises(TypeError, match="complex128.*float64"):
        ad.jvp(_augmented_complex, (X,), (DX,))


def _augmented_complex(x):
    y = x * 1.0
    y += 1j * x
    return y


def test_flat_iterates_reads_and_writes_the_entries_in_c_order():
    def f(x):
        y = x.copy()
        y.flat[[1, 4]] = y.flat[0] * 3.0
        return np.stack(list(y.flat))
    value, tangent = ad.jvp(f, (X,), (DX,))
    np.testing.assert_array_equal(value, f(X))
    np.testing.assert_allclose(tangent, central(f, X, DX), rtol=1e-8)


def test_tolist_divmod_contains_and_mT_follow_the_ndarray():
    d = ad.DualArray(X, DX)
    rows = d.tolist()
    assert [[e.value for e in row] for row in rows] == X.tolist()
    assert [[e.tangent for e in row] for row in rows] == DX.tolist()
    q, r = divmod(d, 0.75)
    np.testing.assert_array_equal(q.value, divmod(X, 0.75)[0])
    np.testing.assert_array_equal(r.value, divmod(X, 0.75)[1])
    np.testing.assert_array_equal(r.tangent, DX)   # x mod c = x - c floor(x/c): slope 1
    assert (4.08 in d) and (4.0 not in d)
    np.testing.assert_array_equal(d.mT.value, X.mT)
    np.testing.assert_array_equal(round(d).value, np.round(X))
