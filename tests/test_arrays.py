"""Array duals and jacfwd: ufunc rules against mpmath, array functions against central
differences and the scalar path, Jacobian shapes, identities, chunking, errors."""
import math

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad import DualArray

import rulecheck

RNG = np.random.default_rng(20261121)


def central(f, x, h=1e-6):
    """Central-difference Jacobian of f at x: shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=float)
    y0 = np.asarray(f(x))
    jac = np.zeros(y0.shape + x.shape, dtype=np.result_type(y0, float))
    for idx in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[idx]))
        xp, xm = x.copy(), x.copy()
        xp[idx] += step
        xm[idx] -= step
        jac[(...,) + idx] = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2 * step)
    return jac


def assert_matches_central(f, x, rtol=1e-6, atol=1e-7):
    np.testing.assert_allclose(ad.jacfwd(f)(x), central(f, x), rtol=rtol, atol=atol)


# --- every ufunc rule against mpmath -------------------------------------------------

UFUNC_CASES = [(r, p) for r in ad.rules if r.numpy_names and r.kind == "smooth"
               and r.at and r.arity is not None for p in r.at]


@pytest.mark.parametrize("case", UFUNC_CASES, ids=[f"{r.name}{p}" for r, p in UFUNC_CASES])
def test_ufunc_rule_on_arrays_matches_mpmath(case):
    rule, point = case
    ufunc = getattr(np, rule.numpy_names[0])
    for i in rulecheck.differentiable_args(rule, point):
        args = [np.array([float(a)]) if isinstance(a, float) else a for a in point]

        def f(x, i=i):
            a = list(args)
            a[i] = x
            return ufunc(*a)
        got = ad.jacfwd(f)(np.array([float(point[i])]))[0, 0]
        with mpmath.workdps(rulecheck.DPS):
            expected = rulecheck.diff_reference(rule, rulecheck.mp_args(point), {i: 1})
        if isinstance(expected, mpmath.mpc):
            assert math.isnan(got)
            continue
        assert got == pytest.approx(float(expected), rel=32 * 2.0 ** -52, abs=1e-300), \
            f"{rule.name} d/d{rule.params[i]} at {point}"


def test_every_ufunc_with_a_rule_accepts_dual_arrays():
    x = DualArray(np.array([0.3, 0.6]), np.array([1.0, 1.0]))
    for rule in ad.rules:
        for name in rule.numpy_names:
            ufunc = getattr(np, name)
            if not isinstance(ufunc, np.ufunc):
                continue
            args = [x if j == 0 else np.array([0.5, 0.7]) for j in range(ufunc.nin)]
            if name in ("ldexp",):
                args[1] = np.array([2, 3])
            with np.errstate(all="ignore"):   # acosh etc. outside their domain: nan
                out = ufunc(*args)
            assert isinstance(out, (DualArray, ad.Dual)), name


# --- the SPEC's awkward points --------------------------------------------------------

def test_sqrt_at_zero_gives_inf_only_in_the_moving_lane():
    jac = ad.jacfwd(np.sqrt)(np.array([0.0, 1.0]))
    assert jac.tolist() == [[math.inf, 0.0], [0.0, 0.5]]


def test_maximum_tie_splits_the_tangent():
    jac = ad.jacfwd(lambda v: np.maximum(v[0], v[1]))(np.array([2.0, 2.0]))
    assert jac.tolist() == [0.5, 0.5]
    jac = ad.jacfwd(lambda v: np.minimum(v, 1.0))(np.array([0.5, 1.0, 2.0]))
    np.testing.assert_array_equal(np.diag(jac), [1.0, 0.5, 0.0])


def test_max_reduction_ties_share_the_tangent():
    assert ad.jacfwd(np.max)(np.array([1.0, 3.0, 3.0])).tolist() == [0.0, 0.5, 0.5]


def test_prod_with_zeros_is_exact():
    # d/dx_i prod(x) = prod of the others; with one zero only its own entry is non-zero
    assert ad.jacfwd(np.prod)(np.array([2.0, 0.0, 3.0])).tolist() == [0.0, 6.0, 0.0]
    assert ad.jacfwd(np.prod)(np.array([0.0, 0.0, 3.0])).tolist() == [0.0, 0.0, 0.0]


# --- array functions against central differences --------------------------------------

A = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
SPD = A @ A.T + np.eye(3)
B = RNG.normal(size=(4, 3))

ARRAY_PROGRAMS = {
    "sum/mean/axis": (lambda x: np.sum(x.reshape(2, 3), axis=0) * np.mean(x), 6),
    "prod/cumsum/cumprod": (lambda x: np.concatenate([np.cumsum(x), np.cumprod(x),
                                                      [np.prod(x)]]), 4),
    "max/min/amax": (lambda x: np.stack([np.max(x), np.min(x), np.amax(x ** 2)]), 5),
    "dot/matmul/@": (lambda x: np.dot(A, x) + A @ x + x @ A + np.matmul(x, x), 3),
    "einsum/tensordot": (lambda x: np.einsum("ij,j,k->ik", A, x, x).ravel()
                         + np.tensordot(np.outer(x, x), A, axes=2), 3),
    "outer/inner/trace/diag": (lambda x: np.concatenate([np.outer(x, x).ravel(),
                                                         [np.inner(x, x), np.trace(np.diag(x))],
                                                         np.diag(np.outer(x, x))]), 3),
    "stack/hstack/vstack": (lambda x: np.vstack([np.hstack([x, x ** 2]),
                                                 np.stack([x, x, x], axis=1).ravel()[:6]]), 3),
    "reshape/transpose/moveaxis": (lambda x: np.moveaxis(x.reshape(2, 3, 1), 0, -1).T.ravel()
                                   * np.squeeze(np.expand_dims(x, 0)), 6),
    "broadcast_to/where/clip": (lambda x: np.where(x > 0, np.clip(x, -0.5, 0.5), x ** 3)
                                + np.broadcast_to(x[0], (4,)).sum(), 4),
    "diff/take/sort/indexing": (lambda x: np.concatenate([np.diff(x, 2), np.take(x, [2, 0]),
                                                          np.sort(x), x[::-1], x[[1, 1]],
                                                          x[x > 0]]), 5),
    "flip/roll/repeat/tile": (lambda x: np.flip(x) * np.roll(x, 1) + np.repeat(x, 2)[::2]
                              + np.tile(x, 2)[:x.shape[0]], 4),
    "var/std/norms": (lambda x: np.stack([np.var(x), np.std(x), np.linalg.norm(x),
                                          np.linalg.norm(x, 1), np.linalg.norm(x, np.inf),
                                          np.linalg.norm(x.reshape(2, 2), "fro"),
                                          np.linalg.norm(x.reshape(2, 2), 2),
                                          np.linalg.norm(x.reshape(2, 2), "nuc")]), 4),
    "elementwise mix": (lambda x: np.exp(np.sin(x)) / (1 + x ** 2) + np.arctan2(x, 2.0)
                        + np.hypot(x, 1.5) + np.log1p(x ** 2) + np.tanh(x) ** 2, 5),
}


@pytest.mark.parametrize("name", list(ARRAY_PROGRAMS))
def test_array_programs_match_central_differences(name):
    f, n = ARRAY_PROGRAMS[name]
    x = RNG.uniform(-1.5, 1.5, size=n)
    x[np.abs(x) < 0.1] += 0.3   # away from the kinks of abs/where/clip
    assert_matches_central(f, x)


def test_array_path_equals_scalar_path():
    x = RNG.uniform(0.2, 1.5, size=5)

    def scalar_program(v):
        m = ad.math
        return [m.exp(m.sin(t)) / (1 + t * t) + m.atan2(t, 2.0) * m.sqrt(t) for t in v]

    def array_program(v):
        return np.exp(np.sin(v)) / (1 + v * v) + np.arctan2(v, 2.0) * np.sqrt(v)
    np.testing.assert_allclose(ad.jacfwd(array_program)(x), ad.jacfwd(scalar_program)(list(x)),
                               rtol=4e-16, atol=0)


LINALG_PROGRAMS = {
    "solve vector": lambda x: np.linalg.solve(A + np.diag(x), x ** 2),
    "solve matrix": lambda x: np.linalg.solve(x.reshape(3, 3) + 3 * np.eye(3), B.T).ravel(),
    "inv": lambda x: np.linalg.inv(x.reshape(3, 3) + 3 * np.eye(3)).ravel(),
    "det": lambda x: np.linalg.det(x.reshape(3, 3) + np.eye(3)),
    "slogdet": lambda x: np.linalg.slogdet(x.reshape(3, 3) + 3 * np.eye(3))[1],
    "cholesky": lambda x: np.linalg.cholesky(SPD + np.outer(x[:3], x[:3])).ravel(),
    "qr": lambda x: np.concatenate([q.ravel() for q in np.linalg.qr(B + x.reshape(4, 3))]),
    "eigh values": lambda x: np.linalg.eigh(SPD + np.diag(x[:3]))[0],
    "eigh vectors": lambda x: np.abs(np.linalg.eigh(SPD + np.diag(x[:3]))[1]).ravel(),
    "svd values": lambda x: np.linalg.svd(B + x.reshape(4, 3), compute_uv=False),
    "svd vectors": lambda x: np.abs(np.concatenate([
        m.ravel() for m in np.linalg.svd(B + x.reshape(4, 3), full_matrices=False)])),
    "pinv": lambda x: np.linalg.pinv(B + x.reshape(4, 3)).ravel(),
    "lstsq": lambda x: np.linalg.lstsq(B + x.reshape(4, 3), np.arange(4.0), rcond=None)[0],
}
LINALG_SIZES = {"solve vector": 3, "eigh values": 3, "eigh vectors": 3}


@pytest.mark.parametrize("name", list(LINALG_PROGRAMS))
def test_linalg_matches_central_differences(name):
    n = LINALG_SIZES.get(name, 12 if "qr" in name or "svd" in name or name in (
        "pinv", "lstsq") else 9)
    x = RNG.normal(scale=0.3, size=n)
    assert_matches_central(LINALG_PROGRAMS[name], x, rtol=1e-5, atol=1e-6)


def test_inverse_jacobian_identity():
    # d vec(X^-1) / d vec(X) = -kron(X^-1, X^-T) for row-major vec
    x = A + np.eye(3)
    jac = ad.jacfwd(np.linalg.inv)(x).reshape(9, 9)
    xi = np.linalg.inv(x)
    np.testing.assert_allclose(jac, -np.kron(xi, xi.T), rtol=1e-13, atol=1e-14)


def test_solve_rule_by_hand():
    # x = A^{-1} b: dx/db = A^{-1}
    b = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(ad.jacfwd(lambda v: np.linalg.solve(A, v))(b), np.linalg.inv(A),
                               rtol=1e-13)


def test_svd_singular_values_rule_by_hand():
    # dS_i = u_i^T dW v_i
    w = B.copy()
    u, s, vt = np.linalg.svd(w, full_matrices=False)
    jac = ad.jacfwd(lambda m: np.linalg.svd(m, compute_uv=False))(w)
    for i in range(3):
        np.testing.assert_allclose(jac[i], np.outer(u[:, i], vt[i]), rtol=1e-12, atol=1e-14)


# --- jacfwd: shapes, pytrees, argnums, chunks ---------------------------------------

def test_jacobian_shape_is_out_shape_plus_in_shape():
    x = RNG.normal(size=(2, 3))
    assert ad.jacfwd(lambda m: m @ m.T)(x).shape == (2, 2, 2, 3)
    assert ad.jacfwd(lambda m: np.sum(m))(x).shape == (2, 3)
    assert ad.jacfwd(lambda t: np.array([1.0, 2.0]) * t)(1.5).shape == (2,)
    assert np.ndim(ad.jacfwd(lambda t: t * t)(1.5)) == 0


def test_argnums_tuple_and_pytrees():
    def f(params, x):
        w, b = params["w"], params["b"]
        return {"y": np.tanh(w @ x + b), "s": np.sum(x)}
    params = {"w": RNG.normal(size=(2, 3)), "b": RNG.normal(size=2)}
    x = RNG.normal(size=3)
    jac = ad.jacfwd(f, argnums=(0, 1))(params, x)   # JAX's tree product
    assert set(jac) == {"y", "s"}
    (jy_params, jy_x), (js_params, js_x) = jac["y"], jac["s"]
    assert jy_params["w"].shape == (2, 2, 3) and jy_params["b"].shape == (2, 2)
    assert js_params["w"].shape == (2, 3) and jy_x.shape == (2, 3) and js_x.shape == (3,)
    jx_alone = ad.jacfwd(f, argnums=1)(params, x)
    np.testing.assert_array_equal(jx_alone["y"], jy_x)
    z = params["w"] @ x + params["b"]
    np.testing.assert_allclose(jy_x, (1 - np.tanh(z) ** 2)[:, None] * params["w"])


def test_tuple_input_and_output():
    f = lambda t: (t[0] * t[1], np.sin(t[1]))  # noqa: E731
    out = ad.jacfwd(f)((np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    assert isinstance(out, tuple) and isinstance(out[0], tuple)
    np.testing.assert_array_equal(out[0][0], np.diag([3.0, 4.0]))
    np.testing.assert_allclose(out[1][1], np.diag(np.cos([3.0, 4.0])))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 50])
def test_chunked_equals_unchunked(chunk):
    def f(x):
        up = np.concatenate(([0.0], x, [0.0]))
        return (up[:-2] - 2 * up[1:-1] + up[2:]) + np.exp(x) * np.sin(x[::-1]) + np.sum(x ** 2)
    x = RNG.normal(size=13)
    np.testing.assert_array_equal(ad.jacfwd(f, chunk_size=chunk)(x), ad.jacfwd(f)(x))


def test_has_aux():
    jac, aux = ad.jacfwd(lambda x: (x ** 2, np.sum(x)), has_aux=True)(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(jac, np.diag([2.0, 4.0]))
    assert aux == 3.0


def test_jacobian_helper_and_jvp_on_arrays():
    x = np.array([0.5, 1.5])
    np.testing.assert_array_equal(ad.jacobian(np.sin, x), np.diag(np.cos(x)))
    y, t = ad.jvp(np.sin, (x,), (np.array([1.0, 2.0]),))
    np.testing.assert_array_equal(t, np.cos(x) * [1.0, 2.0])


def test_gradient_hessian_hvp_on_arrays():
    def rosen(x):
        return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    x = np.array([1.2, -0.7, 0.3, 2.0])
    g = ad.gradient(rosen, x)
    np.testing.assert_allclose(g, central(rosen, x), rtol=1e-7)
    from test_transforms import rosenbrock_hessian
    h = ad.hessian(rosen)(x)
    np.testing.assert_allclose(h, rosenbrock_hessian(x), rtol=1e-14)
    v = np.array([0.3, -1.0, 2.0, 0.5])
    np.testing.assert_allclose(ad.hvp(rosen, x, v), rosenbrock_hessian(x) @ v, rtol=1e-14)


# --- nesting -------------------------------------------------------------------------

def test_jacobian_of_gradient_of_bilinear_form_is_the_matrix():
    # the Jacobian in x of the gradient in y of y . (A x) is A
    a = RNG.normal(size=(4, 3))
    jac = ad.jacfwd(lambda x: ad.gradient(lambda y: y @ (a @ x), np.ones(4)))(np.ones(3))
    np.testing.assert_allclose(jac, a, rtol=1e-15)


def test_gradient_inside_derivative():
    # d/dt grad(v -> t v0 v1)(1, 2) = (2, 1)
    out = ad.derivative(lambda t: ad.gradient(lambda v: t * v[0] * v[1], [1.0, 2.0])[0], 5.0)
    assert out == 2.0


def test_nested_jacfwd_of_jacfwd():
    x = np.array([0.3, -0.4])
    second = ad.jacfwd(ad.jacfwd(lambda v: np.sin(v) * v[::-1]))(x)
    expected = central(lambda z: ad.jacfwd(lambda v: np.sin(v) * v[::-1])(z), x)
    np.testing.assert_allclose(second, expected, rtol=1e-6, atol=1e-8)


# --- indexing and assignment ------------------------------------------------------

def test_setitem_into_a_dual_result():
    def f(x):
        y = np.zeros_like(x)
        y[0] = x[1] * 2
        y[1:] = x[:-1] ** 2
        y[x > 2] += 1.0
        return y
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ad.jacfwd(f)(x), [[0, 2, 0], [2, 0, 0], [0, 4, 0]])


def test_setitem_does_not_leak_into_other_arrays():
    def f(x):
        y = x + 0.0
        z = y            # the same object: assignment is visible through both names
        w = np.exp(y)    # an independent result
        y[0] = 0.0
        return w + z
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(ad.jacfwd(f)(x), np.diag(np.exp(x)) + np.diag([0.0, 1.0]))


def test_fancy_and_boolean_indexing_and_ellipsis():
    x = RNG.normal(size=(2, 3))
    f = lambda m: np.concatenate([m[..., 1], m[m > 0], m[[1, 0], [2, 2]], m[:, None, 0].ravel()])  # noqa: E731
    assert_matches_central(f, x)


# --- errors: no object arrays, no dropped tangents -----------------------------------

def test_numpy_function_without_a_rule_names_it():
    with pytest.raises(TypeError, match=r"numpy\.linalg\.cond"):   # np.fft.fft has one now
        ad.jacfwd(np.linalg.cond)(np.eye(2))
    with pytest.raises(TypeError, match="bitwise_and"):
        ad.jacfwd(lambda x: np.bitwise_and(x, x))(np.ones(2))


def test_a_dual_stored_into_a_plain_array_refuses():
    # arrays built from duals are object arrays of duals (tests/test_object_arrays.py);
    # a plain float array cannot hold one
    out = np.zeros(2)
    with pytest.raises(TypeError):
        ad.jacfwd(lambda x: out.__setitem__(0, x[0]))(np.ones(2))


def test_bad_shapes_are_clear_errors():
    with pytest.raises(ValueError, match="same shape"):
        ad.jvp(np.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError, match="tangent shape"):
        DualArray(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="argnums"):
        ad.jacfwd(np.sin, argnums=2)(np.ones(2))
    with pytest.raises(TypeError, match="argnums"):
        ad.jacfwd(np.sin, argnums=1.0)
    with pytest.raises(TypeError, match="numeric"):
        DualArray(np.array(["a"]))


def test_jacfwd_runs_f_once_for_every_output_structure():
    # d/dx of (x0*x1, sin x0) by hand: [[x1, x0], [cos x0, 0]]; f must run exactly once.
    calls = []

    def f(x):
        calls.append(1)
        return {"p": x[0] * x[1], "s": np.sin(x[0])}

    x = np.array([0.5, 2.0])
    jac = ad.jacfwd(f)(x)
    assert len(calls) == 1
    np.testing.assert_array_equal(jac["p"], [2.0, 0.5])
    np.testing.assert_array_equal(jac["s"], [math.cos(0.5), 0.0])


# --- math.remainder on arrays (IEEE remainder: NumPy has no ufunc for it) -------------

def test_remainder_of_an_array_dual_matches_math_remainder_and_central_differences():
    import dualad.math as dm
    x, h = np.array([5.3, -5.3, 0.4]), 1e-6
    primal, tangent = ad.jvp(lambda v: dm.remainder(v, 1.7), (x,), (np.ones(3),))
    np.testing.assert_array_equal(primal, [math.remainder(v, 1.7) for v in x])
    want = [(math.remainder(v + h, 1.7) - math.remainder(v - h, 1.7)) / (2 * h) for v in x]
    np.testing.assert_allclose(tangent, want, rtol=1e-8)
    # along y: d/dy (x - n y) = -n, n = round(x/y) = 3, -3, 0
    _, dy = ad.jvp(lambda y: dm.remainder(x, y), (np.full(3, 1.7),), (np.ones(3),))
    want = [(math.remainder(v, 1.7 + h) - math.remainder(v, 1.7 - h)) / (2 * h) for v in x]
    np.testing.assert_allclose(dy, want, rtol=1e-8)


def test_remainder_array_kernel_is_exact_as_math_remainder():
    from dualad.table.primals import np_remainder
    big, tiny = 1.7976931348623157e308, 5e-324
    x = np.array([5.3, -5.3, 2.5, 3.5, -2.5, 4.0, 0.0, -0.0, 1.0, 1e308, big, -big,
                  7 * tiny, 9 * tiny, 1e300, -3.4])
    y = np.array([1.7, 1.7, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, np.inf, -np.inf, big, 1e308,
                  2 * tiny, -2 * tiny, 3e-300, 1.7])
    got = np_remainder(x, y)
    want = np.array([math.remainder(a, b) for a, b in zip(x, y)])   # ties go to even n
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))   # zeros keep the sign of x


def test_a_rule_without_an_array_implementation_names_itself_on_array_duals():
    import dualad.math as dm
    x = np.array([5.3, -5.3])
    with pytest.raises(TypeError, match=r"ulp\(\) has no array implementation"):
        ad.jvp(dm.ulp, (x,), (np.ones(2),))
    with pytest.raises(TypeError, match=r"ulp\(\) has no array implementation"):
        ad.jacobian_sparsity(dm.ulp, x)
