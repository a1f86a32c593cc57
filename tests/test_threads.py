"""Ufuncs on large arrays split across threads (dualad.base.buffers.call): the same bits as
NumPy's own single call, NumPy's broadcasting and overlap rules, the caller's floating-point
error handling, and a working pool after fork."""
import multiprocessing
import os
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import dualad as ad
from dualad.base import buffers as _buffers

N = 2 * _buffers.SPLIT_MIN + 3   # odd, so the parts differ in length


@pytest.fixture
def two_threads():
    """Two threads, and floating-point errors ignored (as inside dualad's transformations):
    large calls are split."""
    before = ad.get_num_threads()
    ad.set_num_threads(2)
    with np.errstate(all="ignore"):
        yield
    ad.set_num_threads(before)


@pytest.fixture
def one_thread():
    before = ad.get_num_threads()
    ad.set_num_threads(1)
    yield
    ad.set_num_threads(before)


def test_split_ufunc_matches_numpy_bit_for_bit(two_threads, monkeypatch):
    splits = []
    run = _buffers._run
    monkeypatch.setattr(_buffers, "_run", lambda *a: (splits.append(1), run(*a)))
    x = np.linspace(-3.0, 7.0, N)
    y = np.cos(x)
    for ufunc, operands in [(np.sin, (x,)), (np.multiply, (x, y)), (np.add, (2.5, x)),
                            (np.arctan2, (y, x)), (np.power, (y, 3.0))]:
        out = np.empty(N)
        assert _buffers.call(ufunc, operands, out) is out
        assert np.array_equal(out, ufunc(*operands), equal_nan=True), ufunc.__name__
    assert len(splits) == 5


def test_split_broadcasts_as_numpy(two_threads):
    rows, k = N // 4, 4
    tangent = np.arange(rows * k, dtype=float).reshape(rows, k)
    value = np.linspace(1.0, 2.0, rows)[:, None]    # a value against its k-tangent
    row = np.array([1.0, -2.0, 3.0, 0.5])           # spans the last axis only
    for operands in [(tangent, value), (value, tangent), (tangent, row), (row, tangent)]:
        out = np.empty((rows, k))
        _buffers.call(np.multiply, operands, out)
        assert np.array_equal(out, np.multiply(*operands))


def test_overlapping_operand_is_not_split(two_threads):
    x = np.arange(N + 1, dtype=float)
    expected = x[1:] + x[:-1]
    out = x[:-1]
    _buffers.call(np.add, (x[1:], x[:-1]), out)   # NumPy buffers overlapping operands
    assert np.array_equal(out, expected)


def test_in_place_on_the_operand_itself(two_threads):
    x = np.linspace(0.0, 1.0, N)
    expected = np.exp(x)
    _buffers.call(np.exp, (x,), x)
    assert np.array_equal(x, expected)


def test_errors_come_as_from_one_numpy_call(two_threads):
    """A caller that does not ignore floating-point errors gets one NumPy call (warnings,
    errors and np.seterrcall exactly as NumPy gives them); inside dualad's
    transformations errors are ignored and the call is split."""
    x = np.ones(N)
    x[0] = x[-1] = 0.0    # a zero in each part
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError, match="divide by zero encountered in log"):
            _buffers.call(np.log, (x,), np.empty(N))
    calls = []
    with np.errstate(divide="call", call=lambda kind, flag: calls.append(kind)):
        out = _buffers.call(np.log, (x,), np.empty(N))
    assert calls == ["divide by zero"] and out[-1] == -np.inf
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(divide="warn"):
            _buffers.call(np.log, (x,), np.empty(N))
    assert len(caught) == 1
    with np.errstate(all="ignore"):
        out = _buffers.call(np.log, (x,), np.empty(N))
    assert out[0] == out[-1] == -np.inf and out[1] == 0.0


def test_busy_workers_are_not_waited_for(two_threads):
    """Calls find the worker busy (another caller's, or their own thread is the worker):
    they run in one piece instead of queueing behind it."""
    x = np.linspace(0.0, 1.0, N)
    _buffers.call(np.sqrt, (x,), np.empty(N))   # the worker exists
    worker = _buffers._workers[0]
    assert worker.busy.acquire(blocking=False)
    try:
        with np.errstate(all="ignore"):
            out = _buffers.call(np.sqrt, (x,), np.empty(N))
    finally:
        worker.busy.release()
    assert np.array_equal(out, np.sqrt(x))


def test_concurrent_callers_get_their_own_results(two_threads):
    points = [np.linspace(-2.0, 2.0 + i, N) for i in range(6)]
    expected = []
    for x in points:
        expected.append(ad.jvp(elementwise, (x,), (np.cos(x),)))
    with ThreadPoolExecutor(3) as pool:
        got = list(pool.map(lambda x: ad.jvp(elementwise, (x,), (np.cos(x),)), points))
    for (v1, t1), (v2, t2) in zip(expected, got):
        assert np.array_equal(v1, v2) and np.array_equal(t1, t2)


def elementwise(x):
    return np.tanh(x) * np.exp(-x * x) + np.sin(3.0 * x) / (1.0 + x * x)


def test_jvp_is_the_same_on_one_or_two_threads():
    x = np.linspace(-2.0, 2.0, N)
    v = np.cos(x)
    before = ad.get_num_threads()
    try:
        ad.set_num_threads(1)
        one = ad.jvp(elementwise, (x,), (v,))
        ad.set_num_threads(2)
        two = ad.jvp(elementwise, (x,), (v,))
    finally:
        ad.set_num_threads(before)
    assert np.array_equal(one[0], elementwise(x))
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    # hand derivative at a few points
    i = np.array([0, N // 3, N - 1])
    xi = x[i]
    d = ((1 - np.tanh(xi) ** 2) * np.exp(-xi * xi) - 2 * xi * np.tanh(xi) * np.exp(-xi * xi)
         + 3 * np.cos(3 * xi) / (1 + xi * xi) - np.sin(3 * xi) * 2 * xi / (1 + xi * xi) ** 2)
    assert np.allclose(two[1][i], d * v[i], rtol=1e-13, atol=1e-15)


def test_set_num_threads_checks_its_argument(one_thread):
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(ValueError, match="set_num_threads: n must be a positive int"):
            ad.set_num_threads(bad)
    assert ad.get_num_threads() == 1


def test_environment_variable():
    code = "import dualad; print(dualad.get_num_threads())"
    env = dict(os.environ, DUALAD_NUM_THREADS="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "3"
    env["DUALAD_NUM_THREADS"] = "many"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "DUALAD_NUM_THREADS must be a positive integer" in out.stderr
    assert int(out.stdout) >= 1   # the default


def _child_sum(queue):
    x = np.ones(N)
    out = _buffers.call(np.multiply, (x, 2.0), np.empty(N))
    queue.put(float(out.sum()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")   # Python >= 3.12
def test_pool_works_in_a_forked_child(two_threads):
    _buffers.call(np.sqrt, (np.ones(N),), np.empty(N))   # the parent's pool exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_sum, args=(queue,))
    child.start()
    child.join(60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0
    assert queue.get(timeout=5) == 2.0 * N
