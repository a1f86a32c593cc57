"""The JAX-shaped transformations: grad, value_and_grad, jacfwd, hessian, hvp, jvp, derivative.

Output structures follow JAX's rules (the gradient has the input's tree; a Jacobian is
the tree product, the output's tree outside and the input's inside; tuple argnums give
tuples). The expected structures are written out by hand below, not taken from JAX.
Values against hand-derived derivatives and central differences of the plain function.
"""
import collections

import mpmath
import numpy as np
import pytest

import dualad as ad

Point = collections.namedtuple("Point", "w b")


class L:
    """An expected leaf: a number or an array of this shape."""

    def __init__(self, *shape):
        self.shape = shape

    def __eq__(self, other):
        return isinstance(other, L) and other.shape == self.shape

    def __repr__(self):
        return f"L{self.shape}"


def structure(tree):
    """The result as nested containers with L(shape) leaves."""
    if isinstance(tree, dict):
        return {k: structure(v) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(structure(v) for v in tree))
    if isinstance(tree, (tuple, list)):
        return type(tree)(structure(v) for v in tree)
    assert isinstance(tree, (float, complex, np.ndarray, np.generic)), type(tree)
    return L(*np.shape(tree))


x3, y2 = np.array([0.5, -1.0, 2.0]), np.array([0.3, 1.5])


def s(v):        # a scalar of any leaf
    return np.sum(v)


CASES = {
    # grad: the input's tree, a tuple of them for tuple argnums
    "grad array": (lambda: ad.grad(lambda x: s(x ** 2))(x3), L(3)),
    "grad scalar": (lambda: ad.grad(lambda x: x ** 2)(1.5), L()),
    "grad argnums tuple": (lambda: ad.grad(lambda x, y: s(x) * s(y), argnums=(0, 1))(x3, y2),
                           (L(3), L(2))),
    "grad one-tuple": (lambda: ad.grad(lambda x, y: s(x) * s(y), argnums=(1,))(x3, y2),
                       (L(2),)),
    "grad negative argnums": (lambda: ad.grad(lambda x, y: s(x) * s(y), argnums=-1)(x3, y2),
                              L(2)),
    "grad dict": (lambda: ad.grad(lambda p: s(p["a"]) * p["b"])({"a": x3, "b": 2.0}),
                  {"a": L(3), "b": L()}),
    "grad nested": (lambda: ad.grad(lambda c, p: c * s(p["w"][0]) * s(p["w"][1]), argnums=1)(
        2.0, {"w": [y2, np.eye(2)]}), {"w": [L(2), L(2, 2)]}),
    "grad namedtuple": (lambda: ad.grad(lambda p: s(p.w) * p.b)(Point(y2, 3.0)),
                        Point(L(2), L())),
    "grad tuple of trees": (lambda: ad.grad(lambda p, q: s(p[0]) * q["k"][1], argnums=(0, 1))(
        (x3, 1.0), {"k": (y2, 2.0)}), ((L(3), L()), {"k": (L(2), L())})),
    "grad vector leaf": (lambda: ad.grad(lambda v: v[0] * v[1])([1.0, 2.0]), L(2)),
    # value_and_grad: (value, grad); ((value, aux), grad)
    "value_and_grad": (lambda: ad.value_and_grad(lambda x: s(x ** 2))(x3), (L(), L(3))),
    "value_and_grad aux": (lambda: ad.value_and_grad(lambda x: (s(x), {"m": x}), has_aux=True)(
        x3), ((L(), {"m": L(3)}), L(3))),
    "value_and_grad tuple": (lambda: ad.value_and_grad(lambda x, y: s(x) * s(y),
                                                       argnums=(0, 1))(x3, y2),
                             (L(), (L(3), L(2)))),
    # jacfwd: out.shape + in.shape; the output's tree outside, the input's inside
    "jacfwd array": (lambda: ad.jacfwd(lambda x: x[:2] * x[2])(x3), L(2, 3)),
    "jacfwd dict out": (lambda: ad.jacfwd(lambda x: {"u": x[:2], "v": s(x)})(x3),
                        {"u": L(2, 3), "v": L(3)}),
    "jacfwd argnums tuple": (lambda: ad.jacfwd(lambda x, y: x[:2] * y, argnums=(0, 1))(x3, y2),
                             (L(2, 3), L(2, 2))),
    "jacfwd dict in": (lambda: ad.jacfwd(lambda p: p["a"][:2] * p["b"])({"a": x3, "b": 2.0}),
                       {"a": L(2, 3), "b": L(2)}),
    "jacfwd tree product": (lambda: ad.jacfwd(lambda x, y: (x[:2] * y, s(x)), argnums=(0, 1))(
        x3, y2), ((L(2, 3), L(2, 2)), (L(3), L(2)))),
    "jacfwd aux": (lambda: ad.jacfwd(lambda x: (x * 2, "note"), has_aux=True)(y2),
                   (L(2, 2), "note")),
    # hessian: in.shape + in.shape; tuple argnums give nested tuples of blocks
    "hessian array": (lambda: ad.hessian(lambda x: s(x ** 3))(x3), L(3, 3)),
    "hessian scalar": (lambda: ad.hessian(lambda x: x ** 3)(2.0), L()),
    "hessian argnums tuple": (lambda: ad.hessian(lambda x, y: s(x) * s(y) ** 2,
                                                 argnums=(0, 1))(x3, y2),
                              ((L(3, 3), L(3, 2)), (L(2, 3), L(2, 2)))),
    "hessian scalar args": (lambda: ad.hessian(lambda x, y: x * x * y, argnums=(0, 1))(1.0, 3.0),
                            ((L(), L()), (L(), L()))),
    "hessian dict": (lambda: ad.hessian(lambda p: s(p["a"] ** 2) * p["b"])({"a": x3, "b": 2.0}),
                     {"a": {"a": L(3, 3), "b": L(3)}, "b": {"a": L(3), "b": L()}}),
    "hessian aux": (lambda: ad.hessian(lambda x: (s(x ** 3), [x]), has_aux=True)(y2),
                    (L(2, 2), [L(2)])),
    # hvp, jvp, derivative: the input's (jvp, derivative: the output's) tree
    "hvp dict": (lambda: ad.hvp(lambda p: s(p["a"] ** 2) * p["b"], {"a": x3, "b": 2.0},
                                {"a": x3, "b": 1.0}), {"a": L(3), "b": L()}),
    "jvp tree": (lambda: ad.jvp(lambda p: {"y": p["a"] * p["b"], "z": s(p["a"])},
                                ({"a": x3, "b": 2.0},), ({"a": x3, "b": 1.0},)),
                 ({"y": L(3), "z": L()}, {"y": L(3), "z": L()})),
    "derivative tree": (lambda: ad.derivative(lambda t: {"a": t * y2, "b": (t, t * t)}, 1.0),
                        {"a": L(2), "b": (L(), L())}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_output_structure_follows_jax(name):
    compute, expected = CASES[name]
    assert structure_or_value(compute()) == expected


def structure_or_value(tree):
    if isinstance(tree, tuple) and len(tree) == 2 and isinstance(tree[1], str):
        return (structure(tree[0]), tree[1])   # (result, a string aux)
    return structure(tree)


# --- values, against hand-derived derivatives -----------------------------------------

def f_xy(x, y):   # (x.x) y0 + x0 y1^2
    return np.dot(x, x) * y[0] + x[0] * y[1] ** 2


def test_grad_values_in_two_arguments():
    gx, gy = ad.grad(f_xy, argnums=(0, 1))(x3, y2)
    np.testing.assert_allclose(gx, 2 * x3 * y2[0] + np.array([y2[1] ** 2, 0, 0]), rtol=1e-15)
    np.testing.assert_allclose(gy, [x3 @ x3, 2 * x3[0] * y2[1]], rtol=1e-15)


def test_hessian_blocks_in_two_arguments():
    (hxx, hxy), (hyx, hyy) = ad.hessian(f_xy, argnums=(0, 1))(x3, y2)
    e0 = np.array([1.0, 0, 0])
    np.testing.assert_allclose(hxx, 2 * y2[0] * np.eye(3), rtol=1e-15)
    np.testing.assert_allclose(hxy, np.column_stack([2 * x3, 2 * y2[1] * e0]), rtol=1e-15)
    np.testing.assert_allclose(hyx, np.vstack([2 * x3, 2 * y2[1] * e0]), rtol=1e-15)
    np.testing.assert_allclose(hyy, [[0, 0], [0, 2 * x3[0]]], atol=0)


def test_hessian_and_hvp_of_a_dict():
    f = lambda p: np.sum(p["a"] ** 2) * p["b"]   # noqa: E731
    p = {"a": x3, "b": 2.0}
    h = ad.hessian(f)(p)
    np.testing.assert_allclose(h["a"]["a"], 4.0 * np.eye(3), rtol=1e-15)
    np.testing.assert_allclose(h["a"]["b"], 2 * x3, rtol=1e-15)
    np.testing.assert_allclose(h["b"]["a"], 2 * x3, rtol=1e-15)
    assert h["b"]["b"] == 0.0
    v = {"a": np.array([1.0, 0.0, -1.0]), "b": 0.5}
    hv = ad.hvp(f, p, v)
    np.testing.assert_allclose(hv["a"], 4.0 * v["a"] + 2 * x3 * 0.5, rtol=1e-15)
    assert hv["b"] == pytest.approx(2 * x3 @ v["a"], rel=1e-15)


def test_grad_of_a_tree_against_central_differences():
    def f(p):
        return np.sum(np.sin(p["w"]) * p["b"][0]) + np.exp(p["b"][1]) * p["w"][1]
    p = {"w": np.array([0.3, -0.7, 1.1]), "b": (0.9, -0.4)}
    g = ad.grad(f)(p)
    h = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = h
        central = (f({"w": p["w"] + e, "b": p["b"]}) - f({"w": p["w"] - e, "b": p["b"]})) / (2 * h)
        assert g["w"][i] == pytest.approx(central, rel=1e-8)
    for j in range(2):
        up, down = list(p["b"]), list(p["b"])
        up[j] += h
        down[j] -= h
        central = (f({"w": p["w"], "b": tuple(up)}) - f({"w": p["w"], "b": tuple(down)})) / (2 * h)
        assert g["b"][j] == pytest.approx(central, rel=1e-8)


def test_value_and_grad_value_is_the_plain_primal_and_aux_is_plain():
    f = lambda x: (np.sum(np.sin(x)), {"x2": x * x, "label": "ok"})   # noqa: E731
    (value, aux), g = ad.value_and_grad(f, has_aux=True)(x3)
    assert value == np.sum(np.sin(x3))
    assert type(aux["x2"]) is np.ndarray and aux["label"] == "ok"
    np.testing.assert_array_equal(aux["x2"], x3 * x3)
    np.testing.assert_allclose(g, np.cos(x3), rtol=1e-15)
    g2, aux2 = ad.grad(f, has_aux=True)(x3)
    np.testing.assert_array_equal(g2, g)
    assert aux2["label"] == "ok"


def test_grad_passes_keyword_arguments_to_f():
    g = ad.grad(lambda x, scale=1.0: scale * np.sum(x ** 2))(y2, scale=3.0)
    np.testing.assert_allclose(g, 6 * y2, rtol=1e-15)


@pytest.mark.parametrize("x", [1.5, [1.0, 2.0], np.array([0.5, 1.0, 2.0]),
                               {"a": np.array([1.0, 2.0]), "b": 0.5}])
def test_gradient_is_grad_of_f_at_x(x):
    def f(v):
        leaves = [v] if not isinstance(v, dict) else [v["a"], v["b"]]
        return sum(np.sum(np.asarray(leaf) ** 3 if not isinstance(leaf, list)
                          else sum(e ** 3 for e in leaf)) for leaf in leaves)
    now, later = ad.gradient(f, x), ad.grad(f)(x)
    assert structure(now) == structure(later)
    for a, b in zip(np.atleast_1d(now) if not isinstance(now, dict) else now.values(),
                    np.atleast_1d(later) if not isinstance(later, dict) else later.values()):
        np.testing.assert_array_equal(a, b)


def test_complex_inputs_follow_jax_grad():
    ga, gb = ad.grad(lambda a, b: abs(a) ** 2 + b ** 2, argnums=(0, 1))(3 + 4j, 2.0)
    assert ga == 6 - 8j and gb == 4.0          # 2 conj(z), and 2b
    g = ad.grad(lambda p: abs(p["z"]) ** 2 + p["r"] ** 2)({"z": 1 - 2j, "r": 0.5})
    assert g == {"z": 2 + 4j, "r": 1.0}
    assert ad.grad(lambda z: z ** 2, holomorphic=True)(1 + 1j) == 2 + 2j


def test_mpmath_leaves_keep_mpmath():
    with mpmath.workdps(30):
        p = (mpmath.mpf(2) / 3, {"a": mpmath.mpf(3)})
        g = ad.grad(lambda q: ad.math.sin(q[0]) * q[1]["a"] ** 2)(p)
        assert isinstance(g[0], mpmath.mpf) and isinstance(g[1]["a"], mpmath.mpf)
        assert abs(g[0] - 9 * mpmath.cos(p[0])) < mpmath.mpf(10) ** -28
        # (sin of the constant q[0] is math.sin's double, as ad.math on a plain number)
        assert abs(g[1]["a"] - 6 * mpmath.sin(p[0])) < 1e-15


def test_derivative_has_aux():
    d, aux = ad.derivative(lambda t: (t ** 3, {"t2": t * t, "tag": "x"}), 2.0, has_aux=True)
    assert d == 12.0 and aux == {"t2": 4.0, "tag": "x"} and type(aux["t2"]) is float
    d2, aux2 = ad.derivative(lambda t: (t ** 3, t * t), 2.0, n=2, has_aux=True)
    assert d2 == 12.0 and aux2 == 4.0


def test_jvp_aux_is_stripped_inside_containers():
    y, t, aux = ad.jvp(lambda x: (x * x, ("label", x)), (2.0,), (1.0,), has_aux=True)
    assert (y, t) == (4.0, 4.0) and aux == ("label", 2.0) and type(aux[1]) is float


# --- dtypes: float32 and float16 in, the same out, as JAX -----------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_narrow_floats_keep_their_dtype(dtype):
    x = np.array([0.5, 1.0, 1.5], dtype=dtype)
    f = lambda v: np.sum(np.sin(v) * v)   # noqa: E731
    results = {
        "grad": ad.grad(f)(x), "gradient": ad.gradient(f, x),
        "value_and_grad": ad.value_and_grad(f)(x)[1], "jacfwd": ad.jacfwd(np.sin)(x),
        "hessian": ad.hessian(f)(x), "hvp": ad.hvp(f, x, np.ones(3, dtype)),
        "jvp": ad.jvp(np.sin, (x,), (np.ones(3, dtype),))[1],
        "grad scalar": ad.grad(lambda t: t * t)(dtype(1.5)),
        "derivative": ad.derivative(lambda t: t * t, dtype(1.5)),
    }
    for name, r in results.items():
        assert r.dtype == dtype, name
    rtol = 1e-6 if dtype is np.float32 else 1e-3
    np.testing.assert_allclose(results["grad"], np.sin(x) + x * np.cos(x), rtol=rtol)
    np.testing.assert_allclose(results["hessian"].astype(float),
                               np.diag(2 * np.cos(x) - x * np.sin(x)), rtol=rtol, atol=rtol)


def test_mixed_dtypes_per_argument():
    # each gradient in its argument's dtype (as jax.grad), whatever f's output dtype
    f = lambda x, y: np.sum(x.astype(np.float64)) ** 2 * np.sum(y)   # noqa: E731
    gx, gy = ad.grad(f, argnums=(0, 1))(np.ones(2, np.float32), np.ones(3))
    assert gx.dtype == np.float32 and gy.dtype == np.float64
    np.testing.assert_array_equal(gx, [12.0, 12.0])
    (hxx, hxy), (hyx, hyy) = ad.hessian(f, argnums=(0, 1))(np.ones(2, np.float32), np.ones(3))
    assert hxx.dtype == hxy.dtype == np.float32 and hyx.dtype == hyy.dtype == np.float64
    assert ad.grad(lambda z: z * z, holomorphic=True)(np.complex64(1 + 1j)).dtype == np.complex64


def test_double_precision_and_python_numbers_stay_as_they_were():
    assert type(ad.grad(lambda t: t * t)(1.5)) is float
    assert ad.grad(lambda x: np.sum(x * x))(x3).dtype == np.float64


# --- errors that teach -------------------------------------------------------------------

@pytest.mark.parametrize("transform", [ad.grad, ad.value_and_grad, ad.jacfwd, ad.hessian])
def test_a_point_where_a_function_is_expected_gets_the_hint(transform):
    name = transform.__name__
    for point in (np.ones(2), 1.5, (1.0, 2.0), [1.0]):
        with pytest.raises(TypeError, match=rf"did you mean {name}\(f\)\(x\)\?"):
            transform(np.sum, point)


@pytest.mark.parametrize("who, call", [
    ("hessian", lambda: ad.hessian(lambda x: x)(np.ones(2))),
    ("hessian", lambda: ad.hessian(lambda x: x * 1j)(1.0)),
    ("hessian", lambda: ad.hessian(lambda x: x, has_aux=True)(1.0)),
    ("hvp", lambda: ad.hvp(lambda x: x, np.ones(2), np.ones(2))),
    ("grad", lambda: ad.grad(lambda x: x)(np.ones(2))),
    ("value_and_grad", lambda: ad.value_and_grad(lambda x: x)(np.ones(2))),
])
def test_every_transform_names_itself(who, call):
    with pytest.raises(TypeError) as info:
        call()
    message = str(info.value)
    assert message.startswith(who) and "gradient" not in message.split(":")[0]
    assert "gradient:" not in message


def test_non_scalar_output_says_what_it_got():
    with pytest.raises(TypeError, match=r"grad: f must return a scalar, got .* of shape \(2,\); "
                                        "use jacfwd"):
        ad.grad(lambda x: x * 2)(np.ones(2))
    with pytest.raises(TypeError, match="grad requires a real-valued f"):
        ad.grad(lambda x: x * 1j)(1.0)


@pytest.mark.parametrize("make", [
    lambda c: ad.grad(np.sum, chunk_size=c), lambda c: ad.hessian(np.sum, chunk_size=c),
    lambda c: ad.jacfwd(np.sin, chunk_size=c), lambda c: ad.value_and_grad(np.sum, chunk_size=c),
])
def test_bad_chunk_size_is_one_sentence(make):
    with pytest.raises(ValueError, match=r"^\w+: chunk_size must be a positive int or None, "
                                         "got 0$"):
        make(0)
    with pytest.raises(TypeError, match=r"chunk_size must be a positive int or None, got "
                                        "float 1.5$"):
        make(1.5)


@pytest.mark.parametrize("transform", [ad.grad, ad.jacfwd, ad.hessian, ad.value_and_grad])
def test_duplicate_argnums(transform):
    with pytest.raises(ValueError, match=r"argnums=\(0, 1, 0\) names argument 0 more than "
                                         "once; each argument may be differentiated only once"):
        transform(np.sum, argnums=(0, 1, 0))


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match=r"grad: argnums=\(0, 2\) but f was called with 2 "
                                         r"positional argument\(s\)"):
        ad.grad(lambda a, b: a * b, argnums=(0, 2))(1.0, 2.0)


def test_outputs_that_change_between_passes_are_refused():
    calls = []

    def ragged(x):   # a shorter output from the second pass on
        calls.append(1)
        return x if len(calls) == 1 else x[:2]
    with pytest.raises(ValueError, match=r"jacfwd: f returned outputs of different structures "
                                         r"or shapes in two passes"):
        ad.jacfwd(ragged, chunk_size=1)(x3)


def test_mismatched_tangents_say_which_structure_differs():
    with pytest.raises(ValueError, match=r"jvp: tangents\[0\] must have the structure of "
                                         r"primals\[0\], got a dict with keys \['b'\] for a "
                                         r"dict with keys \['a'\]"):
        ad.jvp(lambda p: p["a"], ({"a": 1.0},), ({"b": 1.0},))
    with pytest.raises(ValueError, match=r"jvp: primals\[0\] has shape \(3,\) but tangents\[0\] "
                                         r"has shape \(2,\)"):
        ad.jvp(np.sin, (x3,), (y2,))
    with pytest.raises(ValueError, match=r"hvp: v must have the structure of x"):
        ad.hvp(lambda p: p["a"] ** 2, {"a": 1.0}, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"hvp: x has shape \(3,\) but v has shape \(2,\)"):
        ad.hvp(lambda x: np.sum(x ** 2), x3, y2)


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match=r"grad: with has_aux=True, f must return a pair "
                                        r"\(output, aux\), got float"):
        ad.grad(lambda x: x * 2, has_aux=True)(1.0)


def test_sparsity_takes_one_argnum():
    with pytest.raises(TypeError, match="hessian: with sparsity, argnums must be a single int"):
        ad.hessian(np.sum, argnums=(0, 1), sparsity="auto")


def test_hessian_and_hvp_at_mpmath_points_keep_mpmath():
    with mpmath.workdps(30):
        third = mpmath.mpf(1) / 3
        h = ad.hessian(lambda v: v[0] ** 2 * v[1])([third, mpmath.mpf(3)])
        assert all(isinstance(e, mpmath.mpf) for e in h.ravel())
        assert h[0, 1] == 2 * third and h[0, 0] == 6
        hv = ad.hvp(lambda v: v[0] ** 2 * v[1], [third, mpmath.mpf(3)], [1, 0])
        assert hv == [6, 2 * third] and isinstance(hv[1], mpmath.mpf)


def test_holomorphic_hessian_keeps_complex64():
    z = np.array([1 + 1j, 2 + 0j], dtype=np.complex64)
    h = ad.hessian(lambda w: w[0] ** 3 * w[1], holomorphic=True)(z)
    assert h.dtype == np.complex64
    expected = [[6 * z[0] * z[1], 3 * z[0] ** 2], [3 * z[0] ** 2, 0]]   # by hand
    np.testing.assert_allclose(h, expected, rtol=1e-6)


def test_jvp_tangent_takes_the_primals_dtype():
    x = np.array([0.5, 1.0], dtype=np.float32)
    y, t = ad.jvp(np.sin, (x,), (np.ones(2),))
    assert y.dtype == t.dtype == np.float32
    np.testing.assert_allclose(t, np.cos(x), rtol=1e-6)
    _, t = ad.jvp(np.sin, (x,), (np.ones(2) * 1j,))   # a complex direction stays complex
    assert t.dtype == np.complex64
    np.testing.assert_allclose(t, 1j * np.cos(x), rtol=1e-6)


def test_a_bad_leaf_is_named_by_its_path():
    with pytest.raises(TypeError, match=r"grad: argument 0\['b'\] must be a number, .* got str"):
        ad.grad(lambda p: p["a"])({"a": 1.0, "b": "x"})
    with pytest.raises(TypeError, match=r"jacfwd: argument 1\[1\]\['k'\] must be a number"):
        ad.jacfwd(lambda a, b: a, argnums=(0, 1))(1.0, [np.ones(2), {"k": "z"}])


@pytest.mark.parametrize("transform", [ad.hessian, ad.grad, ad.value_and_grad, ad.jacfwd])
def test_a_flag_given_something_else_by_position_refuses(transform):
    # hessian(f, 0, False, "auto") is not sparsity="auto": holomorphic would be "auto"
    name = transform.__name__
    with pytest.raises(TypeError, match=rf"{name}: (holomorphic|has_aux) must be True or "
                                        r"False, got str 'auto'; pass the arguments after "
                                        r"argnums by keyword"):
        transform(lambda x: (x ** 2).sum(), 0, "auto")
    with pytest.raises(TypeError, match=rf"{name}: holomorphic must be True or False"):
        transform(lambda x: (x ** 2).sum(), holomorphic=None)
