"""executor=: the chunked passes as tasks of a process pool and of a Dask cluster.

Every Jacobian must equal the in-process one with the same chunk_size bit for bit (the
same arithmetic on the same columns); the in-process ones are themselves checked
against central differences and hand formulas in the other test files, and here once
against a hand formula.
"""
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import dualad as ad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def chained_rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def field(x):
    return np.sin(x) * x[0] + np.cumsum(x ** 2)


@pytest.fixture(scope="module")
def pool():
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as executor:
        yield executor


X = np.linspace(-1.0, 1.2, 11)


def test_jacfwd_on_a_process_pool_is_the_in_process_one_bit_for_bit(pool):
    got = ad.jacfwd(field, executor=pool, chunk_size=4)(X)
    assert np.array_equal(got, ad.jacfwd(field, chunk_size=4)(X))
    want = np.diag(np.cos(X) * X[0])   # by hand: d/dx_j of sin(x_i) x_0 + sum_{k<=i} x_k²
    want[:, 0] += np.sin(X)
    want += np.tril(np.ones((11, 11))) * 2 * X
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def test_a_lambda_with_a_closure_travels(pool):
    scale = np.arange(11.0)
    f = lambda v: scale * np.tanh(v)   # noqa: E731 - pickled by value
    got = ad.jacobian(f, X, executor=pool, chunk_size=3)
    assert np.array_equal(got, ad.jacobian(f, X, chunk_size=3))


def test_gradient_hessian_and_the_sparse_ones(pool):
    assert np.array_equal(ad.gradient(chained_rosenbrock, X, executor=pool, chunk_size=4),
                          ad.gradient(chained_rosenbrock, X, chunk_size=4))
    g, aux = ad.gradient(lambda v: (chained_rosenbrock(v), np.max(v)), X, has_aux=True,
                         executor=pool, chunk_size=4)
    assert aux == X.max()
    assert np.array_equal(ad.hessian(chained_rosenbrock, executor=pool, chunk_size=5)(X),
                          ad.hessian(chained_rosenbrock, chunk_size=5)(X))
    sparse = ad.hessian(chained_rosenbrock, sparsity="auto", executor=pool)(X)
    assert np.array_equal(sparse.toarray(),
                          ad.hessian(chained_rosenbrock, sparsity="auto")(X).toarray())
    banded = ad.jacfwd(lambda u: u[1:] * u[:-1], sparsity="auto", executor=pool)(X)
    assert np.array_equal(banded.toarray(),
                          ad.jacfwd(lambda u: u[1:] * u[:-1], sparsity="auto")(X).toarray())


def test_solve_ivp_sensitivities_on_the_pool(pool):
    from dualad.scipy.integrate import solve_ivp

    def y_end(k):   # y' = -k y: y(1) = exp(-k) y0, each rate its own state
        return solve_ivp(lambda t, y: -k * y, (0.0, 1.0), np.ones(4), rtol=1e-10,
                         atol=1e-12).y[:, -1]
    k = np.array([0.5, 1.0, 1.5, 2.0])
    got = ad.jacfwd(y_end, executor=pool, chunk_size=2)(k)
    assert np.array_equal(got, ad.jacfwd(y_end, chunk_size=2)(k))
    np.testing.assert_allclose(got, np.diag(-np.exp(-k)), rtol=1e-8, atol=1e-12)


def test_a_failing_pass_raises_its_own_error_with_the_chunk_named(pool):
    def f(v):
        if np.any(v.value > 1.0):
            raise FloatingPointError("out of range")
        return v
    with pytest.raises(FloatingPointError, match="out of range") as info:
        ad.jacfwd(f, executor=pool, chunk_size=4)(X)
    assert any("input directions 0..3 (chunk 1 of 3)" in note for note in info.value.__notes__)


def test_refusals_name_the_argument():
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor"):
        ad.jacfwd(np.sin, executor="dask")(X)
    with ThreadPoolExecutor(1) as threads:   # inside a running differentiation
        with pytest.raises(ValueError, match="outermost transformation only"):
            ad.derivative(lambda s: ad.jacfwd(lambda v: v * s, executor=threads)(X).sum(), 1.0)


def test_what_cloudpickle_cannot_ship_is_refused_by_name():
    import threading
    lock = threading.Lock()
    with ThreadPoolExecutor(1) as threads:
        with pytest.raises(TypeError, match="cloudpickle cannot pickle"):
            ad.jacfwd(lambda v: v if lock else v, executor=threads)(X)


def test_a_dask_local_cluster_gives_the_same_jacobian_bit_for_bit():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        executor = client.get_executor()
        got = ad.jacfwd(field, executor=executor)(X)   # one task per worker by default
        assert np.array_equal(got, ad.jacfwd(field, chunk_size=6)(X))
        hess = ad.hessian(chained_rosenbrock, executor=executor, chunk_size=4)(X)
        assert np.array_equal(hess, ad.hessian(chained_rosenbrock, chunk_size=4)(X))


def test_grad_and_value_and_grad_take_an_executor(pool):
    g = ad.grad(chained_rosenbrock, executor=pool, chunk_size=4)(X)
    assert np.array_equal(g, ad.grad(chained_rosenbrock, chunk_size=4)(X))
    value, g2 = ad.value_and_grad(chained_rosenbrock, executor=pool, chunk_size=4)(X)
    assert value == chained_rosenbrock(X) and np.array_equal(g2, g)


def test_another_thread_differentiating_does_not_refuse_the_executor():
    import threading
    started, release = threading.Event(), threading.Event()

    def waits(v):   # a differentiation running in another thread meanwhile
        started.set()
        release.wait(10)
        return np.sum(v ** 2)
    other = threading.Thread(target=lambda: ad.grad(waits)(X))
    other.start()
    try:
        assert started.wait(10)
        with ThreadPoolExecutor(2) as threads:
            got = ad.grad(lambda v: np.sum(v ** 3), executor=threads, chunk_size=4)(X)
        np.testing.assert_allclose(got, 3 * X ** 2, rtol=1e-15)   # by hand
    finally:
        release.set()
        other.join()


def test_hand_built_duals_in_f_are_refused_by_what_they_are():
    c = ad.Dual(2.0, 1.0)   # its tangent would have to come back from the worker
    with ThreadPoolExecutor(1) as threads:
        with pytest.raises(TypeError, match="duals of another differentiation"):
            ad.grad(lambda v: np.sum(v ** 2) * c, executor=threads)(X)


def test_object_outputs_are_refused_by_what_they_are():
    mpmath = pytest.importorskip("mpmath")
    m = [mpmath.mpf(1) / 3, mpmath.mpf(2)]
    with ThreadPoolExecutor(1) as threads:
        with pytest.raises(TypeError, match="object array"):
            ad.jacfwd(lambda v: [v[0] * v[1], v[1] ** 2], executor=threads)(m)


def test_an_executor_during_the_import_of_f_s_module_refuses_rather_than_hangs(tmp_path):
    # a thread pool's worker would import the module to unpickle f, and wait on the
    # import lock that this import holds: a hang, before the check
    (tmp_path / "defines_f.py").write_text(
        "import numpy as np\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "import dualad as ad\n"
        "def f(x):\n"
        "    return np.sin(x) * x\n"
        "with ThreadPoolExecutor(2) as pool:\n"
        "    ad.jacfwd(f, executor=pool, chunk_size=1)(np.arange(3.0))\n")
    ran = subprocess.run([sys.executable, "-c", "import defines_f"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                             [str(tmp_path), str(ROOT)])))
    assert ran.returncode != 0
    assert "RuntimeError" in ran.stderr and "'defines_f' is being imported" in ran.stderr
    assert "if __name__ == '__main__'" in ran.stderr
