"""The warm-up workload run at ``import dualad`` (dualad/transforms/warmup.py) changes no
result and leaves nothing a user can observe: the same numbers bit for bit, the same tags,
the same floating-point settings, no pattern detected or cached, no module imported, no
thread started, nothing printed or warned, as with the warm-up disabled. (That it makes
the first call faster is measured by benchmarks/bench_scale.py, not tested.)"""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

from dualad.base import tags
from dualad.transforms import warmup

ROOT = Path(__file__).resolve().parent.parent

#: run before ``import dualad``: the warm-up module replaced by one whose run does nothing
DISABLE = """
import sys, types
stub = types.ModuleType("dualad.transforms.warmup")
stub.ran = False
def _run():
    stub.ran = True
stub.run = _run
sys.modules["dualad.transforms.warmup"] = stub
"""

#: what a user could see after ``import dualad``, printed as JSON (arrays as hex bytes)
OBSERVE = """
import gc, json, sys, threading
import numpy as np
import dualad as ad
from dualad.transforms import sparse as _sparse

state = {"modules": sorted(sys.modules), "threads": threading.active_count(),
         "errors": np.geterr(), "errcall": repr(np.geterrcall()),
         "shared patterns": len(_sparse._SHARED)}
gc.collect()
state["live duals"] = sum(isinstance(o, (ad.Dual, ad.DualArray)) for o in gc.get_objects())

counts = {"jacobian": 0, "hessian": 0}
def counting(fn, key):
    def counted(*args, **kwargs):
        counts[key] += 1
        return fn(*args, **kwargs)
    return counted
_sparse.detect = counting(_sparse.detect, "jacobian")
_sparse.detect_hessian = counting(_sparse.detect_hessian, "hessian")

def bratu(u, lam=1.0):
    h = 1.0 / (u.size + 1)
    padded = np.concatenate(([0.0], u, [0.0]))
    return (padded[:-2] - 2.0 * padded[1:-1] + padded[2:]) / h ** 2 + lam * np.exp(u)

def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

u = np.linspace(0.1, 0.9, 40)
results = {
    "jacfwd": ad.jacfwd(bratu)(u),
    "jacfwd chunked": ad.jacfwd(bratu, chunk_size=7)(u),
    "jacfwd float32": ad.jacfwd(bratu)(u.astype(np.float32)),
    "jacfwd sparse": ad.jacfwd(bratu, sparsity="auto")(u).toarray(),
    "grad": ad.grad(rosen)(u),
    "hessian": ad.hessian(rosen)(u),
    "hessian sparse": ad.hessian(rosen, sparsity="auto")(u).toarray(),
    "layer": ad.jacfwd(lambda v: np.tanh(np.outer(v, v[:3]).T @ v) * v[:3])(u),
    "derivative": np.array(ad.derivative(lambda x: ad.math.sin(x) * ad.math.exp(-x), 0.3)),
}
state.update({k: (str(v.dtype), v.shape, v.tobytes().hex()) for k, v in results.items()})
state["detections"] = counts
leak = []
ad.derivative(lambda x: leak.append(x) or x * x, 1.0)
try:   # the message names the escaped dual's tag
    ad.derivative(lambda y: y * leak[0], 2.0)
except TypeError as e:
    state["escaped"] = str(e)
state["warm-up ran"] = getattr(sys.modules["dualad.transforms.warmup"], "ran", None)
print(json.dumps(state))
"""


def _observed(prelude=""):
    out = subprocess.run([sys.executable, "-W", "error", "-c", prelude + OBSERVE],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    return json.loads(out.stdout)


def test_a_fresh_interpreter_sees_the_same_as_without_the_warm_up():
    warmed, cold = _observed(), _observed(DISABLE)
    assert cold.pop("warm-up ran") is True and warmed.pop("warm-up ran") is None
    assert warmed.keys() == cold.keys()
    for key in warmed:
        assert warmed[key] == cold[key], key
    assert warmed["detections"] == {"jacobian": 1, "hessian": 1}
    assert warmed["shared patterns"] == 0 and warmed["live duals"] == 0


def test_the_workload_raises_and_warns_nothing():
    # run() hides a failure (the import must go on): here it would show
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        warmup.workload()


def test_its_own_functions_are_detected_afresh():
    """A sparse Hessian of the warm-up's own objective still detects: no pattern of the
    workload was cached."""
    import dualad as ad
    from dualad.transforms import sparse
    calls = []
    original = sparse.detect_hessian
    sparse.detect_hessian = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        x = np.linspace(0.25, 0.75, 5)
        h = ad.hessian(warmup._objective, sparsity="auto")(x)
    finally:
        sparse.detect_hessian = original
    assert calls == [1]
    assert np.array_equal(h.toarray(), ad.hessian(warmup._objective)(x))


def test_run_puts_the_tag_counter_back():
    before = tags.new_tag()
    warmup.run()
    assert tags.new_tag() == before + 1


def test_run_keeps_the_callers_floating_point_settings():
    def handler(kind, flag):
        pass
    with np.errstate(over="raise", divide="print", under="warn", invalid="call",
                     call=handler):
        before = np.geterr(), np.geterrcall()
        warmup.run()
        assert (np.geterr(), np.geterrcall()) == before


def test_a_failing_workload_leaves_the_import_going(monkeypatch):
    def broken():
        tags.new_tag()
        np.seterr(all="ignore")
        raise RuntimeError("a step of the workload failed")
    monkeypatch.setattr(warmup, "workload", broken)
    errors, before = np.geterr(), tags.new_tag()
    warmup.run()
    assert tags.new_tag() == before + 1 and np.geterr() == errors
