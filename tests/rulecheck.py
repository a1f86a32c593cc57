"""One checker for every rule of the table, against mpmath.

For a rule and a point it compares dualad's derivatives with ``mpmath.diff`` applied to
the rule's *mpmath primal* (never to its partial expressions), at ``DPS`` digits:

* every first partial, and every second partial (pure and mixed), with mpmath values;
* the first partials with Python floats, against the mpmath value rounded to double;
* the mpmath primal against the stdlib/float primal, so a wrong mapping is caught too.

Rules are discovered from the table, so a new rule is checked without new test code.
"""
from __future__ import annotations

import math

import mpmath

from dualad import Dual
from dualad.stdlib.differentiable import GENERIC_FUNCTIONS

DPS = 40                 # working precision of the reference
AGREE = 10.0 ** -30      # required relative agreement at that precision (>= 30 digits)
FLOAT_ULPS = 16          # float path: allowed error in units of 2**-52 (relative)


def mp_args(point, complex_=False):
    out = []
    for a in point:
        if isinstance(a, int) and not isinstance(a, bool):
            out.append(a)              # integer arguments (ldexp's i, polygamma's n) stay ints
        elif complex_ or isinstance(a, complex):
            out.append(mpmath.mpc(a))
        else:
            out.append(mpmath.mpf(a))
    return out


def differentiable_args(rule, point):
    if rule.variadic:
        return list(range(len(point)))
    return [i for i, p in enumerate(rule.partials or ()) if p is not None] if rule.partials \
        else list(range(len(point)))


def reference(rule, args, complex_=False):
    """The rule's primal in mpmath: the function mpmath.diff differentiates."""
    fn = rule.impl["mpc" if complex_ else "mpf"]
    return fn(*args)


def ours(rule, args, seeds):
    """Call the rule's generic function with duals seeded at ``seeds`` (index -> tangent).

    One index: a dual; two indices: hyper-dual seeding (inner level for the first,
    outer for the second) so that .tangent.tangent is the second partial.
    """
    fn = GENERIC_FUNCTIONS[rule.name]
    args = list(args)
    if len(seeds) == 1:
        (i, t), = seeds.items()
        args[i] = Dual(args[i], t)
        return fn(*args).tangent
    (i, ti), (j, tj) = seeds.items()
    if i == j:
        args[i] = Dual(Dual(args[i], ti), tj)
    else:
        zero = args[i] * 0
        args[i] = Dual(Dual(args[i], ti), zero)
        args[j] = Dual(Dual(args[j], zero), tj)
    return _inner_tangent(fn(*args).tangent)


def diff_reference(rule, args, orders, complex_=False, direction=1):
    """mpmath.diff of the primal w.r.t. the arguments in ``orders`` (index -> order),
    along ``direction`` (1 or 1j) for complex points."""
    idx = list(orders)

    def g(*s):
        a = list(args)
        for k, i in enumerate(idx):
            a[i] = args[i] + direction * s[k]
        return reference(rule, a, complex_)
    return mpmath.diff(g, [0] * len(idx), [orders[i] for i in idx])


def assert_agree(got, expected, tol=AGREE, what=""):
    if isinstance(expected, mpmath.mpc) and abs(expected.imag) > tol * max(1, abs(expected)) \
            and not isinstance(got, (mpmath.mpc, complex)):
        # no real derivative exists there: the rule must say nan, not a wrong number
        assert mpmath.isnan(got), f"{what}: expected nan (complex reference), got {got}"
        return
    scale = max(abs(expected), mpmath.mpf(1) if abs(expected) < 1 else abs(expected))
    err = abs(got - expected)
    assert err <= tol * scale, f"{what}: dualad {got} vs mpmath {expected} (error {err})"


def check_rule_at(rule, point, complex_=False):
    """All first and second partials of ``rule`` at ``point`` against mpmath."""
    with mpmath.workdps(DPS):
        args = mp_args(point, complex_)
        indices = differentiable_args(rule, point)
        directions = (1, 1j) if complex_ else (1,)
        for direction in directions:
            for i in indices:
                expected = diff_reference(rule, args, {i: 1}, complex_, direction)
                got = ours(rule, args, {i: mpmath.mpmathify(direction)})
                assert_agree(got, expected, what=f"d{rule.name}/d{_name(rule, i)} at {point}")
        if rule.kind != "smooth":
            return
        for a in indices:
            for b in indices:
                if b < a:
                    continue
                orders = {a: 2} if a == b else {a: 1, b: 1}
                expected = diff_reference(rule, args, orders, complex_)
                one = mpmath.mpf(1)
                got = _second_pure(rule, args, a) if a == b else ours(rule, args, {a: one, b: one})
                assert_agree(got, expected, tol=AGREE * 1e3,
                             what=f"d2{rule.name}/d{_name(rule, a)}d{_name(rule, b)} at {point}")


def _second_pure(rule, args, i):
    fn = GENERIC_FUNCTIONS[rule.name]
    a = list(args)
    one = mpmath.mpf(1)
    a[i] = Dual(Dual(args[i], one), one)
    return _inner_tangent(fn(*a).tangent)


def check_float_path(rule, point):
    """First partials with Python floats, within FLOAT_ULPS of the correctly rounded value."""
    fn = GENERIC_FUNCTIONS[rule.name]
    for i in differentiable_args(rule, point):
        args = [float(a) if isinstance(a, float) else a for a in point]
        args[i] = Dual(args[i], 1.0)
        got = fn(*args).tangent
        with mpmath.workdps(DPS):
            expected = diff_reference(rule, mp_args(point), {i: 1})
        if isinstance(expected, mpmath.mpc) and not isinstance(got, complex):
            assert math.isnan(got), f"float d{rule.name}: expected nan (complex reference)"
            continue
        expected = complex(expected) if isinstance(got, complex) else float(expected)
        assert abs(got - expected) <= FLOAT_ULPS * 2.0 ** -52 * max(abs(expected), 1e-300), \
            f"float d{rule.name}/d{_name(rule, i)} at {point}: {got!r} vs {expected!r}"


def check_primal_mapping(rule, point, complex_=False):
    """The mpmath primal agrees with the float/complex one (a mapping check)."""
    with mpmath.workdps(DPS):
        mp_value = reference(rule, mp_args(point, complex_), complex_)
    plain = rule.impl["complex" if complex_ else "float"](*point)
    assert abs(complex(mp_value) - complex(plain)) <= 1e-14 * max(1.0, abs(complex(plain))), \
        f"{rule.name}{point}: mpmath {mp_value} vs float {plain}"


def _inner_tangent(t):
    """The tangent of a first-level tangent: 0 when it is a constant."""
    return t.tangent if isinstance(t, Dual) else mpmath.mpf(0)


def _name(rule, i):
    if rule.variadic:
        return f"{rule.params[0][1:]}{i}"
    return rule.params[i]
