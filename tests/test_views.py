"""NumPy's view semantics on dual arrays (dualad.arrays.views): a write into an array is
seen through its views, a write through a view is seen in the array, at every level of a
Hessian, in dense, chunked, gathered and sparse passes.

Every program below is plain NumPy. The expected values come from outside dualad: the
program's own value on ndarrays, and central differences of it (first and second order).
"""
import numpy as np
import pytest

import dualad as ad
from differences import central_hessian, central_jacobian

X = np.linspace(0.3, 1.3, 6)


def through_a_slice(x):
    u = x.copy()
    inner = u[1:-1]
    inner[:] = inner * x[:-2]        # NumPy: u[1:-1] changes
    return u


def in_place_on_a_view(x):
    u = x * 1.0
    inner = u[1:-1]
    inner += x[2:] ** 2
    inner *= x[:-2]
    return u


def view_of_a_result_then_write(x):
    z = x * 2.0                      # a result: its first write copies its buffers
    w = z[::2]
    z[0] = x[1] * x[2]               # NumPy: w[0] is now x1 x2
    z[4] = np.sin(x[5])
    return w * x[::2]


def view_of_zeros_then_write(x):
    z = np.zeros_like(x)
    w = z[1::2]
    z[1] = x[0] ** 3
    z[3:] = x[:3] * x[3:]
    return w + x[::2]


def reshape_then_write(x):
    u = np.zeros_like(x)
    grid = u.reshape(2, 3)
    grid[0, :] = x[:3] ** 2
    grid[1] += x[3:] * x[0]
    return u ** 2


def transpose_then_write(x):
    m = x.reshape(2, 3) * 1.0
    mt = m.T
    mt[0, 1] = x[5] ** 3             # m[1, 0]
    mt[2] *= x[0]                     # m[:, 2]
    return m


def view_of_a_view(x):
    u = x + 0.0
    a = u[1:]
    b = a[::2]                        # u[1], u[3], u[5]
    b[0] = x[0] * x[5]
    b[1:] = b[1:] * x[2]
    return u


def split_then_write(x):
    a, b = np.split(x * 1.0, 2)
    whole = np.concatenate([a, b])    # a copy, before the writes
    a[0] = b[1] * b[2]
    b[2] = np.exp(a[1])
    return np.concatenate([a, b, whole])


def ravel_is_a_view_flatten_a_copy(x):
    u = np.outer(x[:2], x[2:5])       # 2 x 3
    r = u.ravel()
    c = u.flatten()
    r[0] = x[5] ** 2                  # u[0, 0]
    c[1] = 100.0 * x[0]               # not u
    return np.concatenate([u.ravel(), c])


def advanced_index_is_a_copy(x):
    u = x * 1.0
    c = u[[0, 2, 4]]
    c[0] = x[5] * 7.0                 # not u
    m = u[u > 0.8]
    m[:] = 0.0                        # not u
    return np.concatenate([u, c])


def write_into_the_root_seen_in_a_row(x):
    a = np.outer(x, x[:3])            # 6 x 3
    row = a[2]
    col = a[:, 1]
    a[2, 1] = np.log(x[4])            # both views see it
    a *= 2.0                          # x *= on the root: its views see it
    return np.concatenate([row, col])


def out_into_a_view(x):
    u = x * 1.0
    np.multiply(x[:3], x[3:], out=u[:3])
    return u


def entry_read_before_a_write_keeps_its_value(x):
    u = x * 1.0
    v = u[2:]
    t = v[0]                          # u[2], read before the write
    v[0] = x[1] * 10.0
    kept = v + 0.0                    # a new array: later writes leave it
    v[1] = x[0] ** 2
    return np.stack([t, v[0], kept[1], v[1]])


def flipped_then_write(x):
    u = x * 1.0
    f = np.flip(u)
    f[0] = x[0] * x[1]                # u[5]
    return u


def gauss_seidel_through_views(x):
    u = x * 1.0
    inner, left, right = u[1:-1], u[:-2], u[2:]
    for _ in range(3):
        for i in range(len(inner)):
            inner[i] = 0.5 * (left[i] + right[i]) + 0.1 * x[i] ** 2
    return u


PROGRAMS = [through_a_slice, in_place_on_a_view, view_of_a_result_then_write,
            view_of_zeros_then_write, reshape_then_write, transpose_then_write,
            view_of_a_view, split_then_write, ravel_is_a_view_flatten_a_copy,
            advanced_index_is_a_copy, write_into_the_root_seen_in_a_row, out_into_a_view,
            entry_read_before_a_write_keeps_its_value, flipped_then_write,
            gauss_seidel_through_views]


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_values_follow_numpy(f):
    want = f(X)                                   # plain NumPy
    got = ad.jvp(f, (X,), (np.ones_like(X),))[0]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("chunk_size", [None, 2])
def test_jacobian_against_central_differences(f, chunk_size):
    want = central_jacobian(f, X)
    got = np.reshape(ad.jacfwd(f, chunk_size=chunk_size)(X), want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_hessian_against_central_differences(f):
    weights = np.linspace(0.5, 1.5, np.size(f(X)))

    def scalar(x):
        return np.sum(weights * np.ravel(f(x)) ** 2)
    want = central_hessian(scalar, X)
    np.testing.assert_allclose(ad.hessian(scalar)(X), want, rtol=1e-5,
                               atol=1e-6 * np.abs(want).max())
    want = central_jacobian(scalar, X)[0]
    np.testing.assert_allclose(ad.grad(scalar)(X), want, rtol=1e-7,
                               atol=1e-9 * np.abs(want).max())


@pytest.mark.parametrize("f", [through_a_slice, view_of_a_result_then_write,
                               reshape_then_write, gauss_seidel_through_views],
                         ids=lambda f: f.__name__)
def test_sparse_hessian_and_jacobian(f):
    def scalar(x):
        return np.sum(np.ravel(f(x)) ** 3)
    np.testing.assert_allclose(ad.hessian(scalar, sparsity="auto")(X).toarray(),
                               ad.hessian(scalar)(X), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(np.reshape(ad.jacfwd(f, sparsity="auto")(X).toarray(),
                                          (-1, X.size)),
                               central_jacobian(f, X), rtol=1e-7, atol=1e-8)


def test_a_read_only_view_refuses_a_write_as_numpy():
    def f(x):
        b = np.broadcast_to(x[:3], (2, 3))
        b[0, 0] = 1.0
        return b
    with pytest.raises(ValueError, match="read-only"):
        f(X)                                      # NumPy refuses
    with pytest.raises(ValueError, match="read-only"):
        ad.jacfwd(f)(X)


def test_views_of_an_input_leave_the_input_alone():
    x = X.copy()

    def f(v):
        w = v[1:]
        w[0] = v[0] ** 2                          # the dual input is written (through w)
        return v
    J = ad.jacfwd(f)(x)
    np.testing.assert_array_equal(x, X)           # the caller's array is untouched
    want = np.eye(6)
    want[1] = 0.0
    want[1, 0] = 2 * X[0]
    np.testing.assert_allclose(J, want, rtol=1e-15)


def test_a_diagonal_is_read_only_as_numpy():
    def f(x):
        d = np.diagonal(np.outer(x, x))
        d[0] = 1.0
        return d
    with pytest.raises(ValueError, match="read-only"):
        f(X)
    with pytest.raises(ValueError, match="read-only"):
        ad.jacfwd(f)(X)


def test_a_pickled_view_is_an_array_of_its_own():
    import pickle
    x = ad.DualArray(X, np.eye(6))
    v = pickle.loads(pickle.dumps(x[1:3]))
    v[0] = x[5]
    np.testing.assert_array_equal(x.value, X)     # the original is untouched
    np.testing.assert_array_equal(v.tangent, np.eye(6)[[5, 2]])


def test_resize_refuses_a_view_and_an_array_with_views_as_numpy():
    def resized_view(x):
        u = x * 1.0
        u[1:].resize(3, refcheck=False)
    def resized_with_a_view(x):
        u = x * 1.0
        v = u[1:]
        u.resize(3)
        return v
    for f in (resized_view, resized_with_a_view):
        with pytest.raises(ValueError, match="resize"):
            f(X.copy())                           # NumPy refuses
        with pytest.raises(ValueError, match="resize"):
            ad.jacfwd(f)(X)


def fortran_reshape_sees_a_write(x):
    u = x * 1.0
    f = u.reshape(2, 3, order="F")    # NumPy: a view (a vector is both C and F contiguous)
    u[1] = x[0] * x[5]                # f[1, 0]
    u[4] = np.cos(x[2])               # f[0, 2]
    return f


def test_a_fortran_order_view_sees_writes_into_its_array():
    f = fortran_reshape_sees_a_write
    np.testing.assert_array_equal(ad.jvp(f, (X,), (np.ones(6),))[0], f(X))
    np.testing.assert_allclose(np.reshape(ad.jacfwd(f)(X), (6, 6)),
                               central_jacobian(f, X), rtol=1e-7, atol=1e-8)


def test_a_write_through_a_fortran_order_view_refuses():
    def f(x):
        u = x * 1.0
        u.reshape(2, 3, order="F")[1, 0] = x[0] ** 2
        return u
    assert f(X)[1] == X[0] ** 2                   # NumPy writes through
    with pytest.raises(NotImplementedError, match="Fortran"):
        ad.jacfwd(f)(X)


def test_views_taken_in_threads_all_see_the_first_write():
    import sys
    import threading
    root = ad.DualArray(np.zeros(400), np.zeros((400, 2)))   # not owned: its first write copies
    taken = [[] for _ in range(6)]
    start = threading.Barrier(len(taken))

    def take(mine):
        start.wait()
        for i in range(2000):
            mine.append(root[i % 399:])
            if i % 7 == 0:
                root[i % 399:][:1] * 2.0   # short-lived views: references to sweep
    threads = [threading.Thread(target=take, args=(mine,)) for mine in taken]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)   # threads interleave as often as they can
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    root[398] = ad.DualArray(np.ones(1), np.ones((1, 2)))[0]
    assert all(v.value[-2] == 1.0 and (v.tangent[-2] == 1.0).all() for mine in taken
               for v in mine)


def test_threads_writing_through_views_of_one_array():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    def f(x):
        u = x * 0.0                          # not owned: a first write copies its buffers
        parts = [u[i::4] for i in range(4)]  # disjoint views
        barrier = threading.Barrier(4)

        def fill(i):
            barrier.wait()
            for j in range(len(parts[i])):
                parts[i][j] = x[i + 4 * j] ** 2 + x[(i + 4 * j + 1) % x.size]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(fill, range(4)))
        return u
    x = np.linspace(0.5, 1.5, 40)
    want_value = x ** 2 + np.roll(x, -1)
    want = np.diag(2 * x) + np.roll(np.eye(40), 1, axis=1)   # by hand
    for _ in range(5):
        value, jac = ad.jvp(f, (x,), (np.ones(40),))[0], ad.jacfwd(f)(x)
        np.testing.assert_allclose(value, want_value, rtol=1e-15)
        np.testing.assert_allclose(jac, want, rtol=1e-15)
