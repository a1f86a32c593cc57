"""Every rule of the table against mpmath: discovered from the table, no per-rule code."""

import pytest

import dualad as ad
from dualad import Dual
from dualad.stdlib.differentiable import GENERIC_FUNCTIONS

import rulecheck

DIFFERENTIABLE = [r for r in ad.rules if r.kind in ("smooth", "reduction") and r.name in GENERIC_FUNCTIONS]
REAL_CASES = [(r, p) for r in DIFFERENTIABLE for p in r.at]
COMPLEX_CASES = [(r, p) for r in DIFFERENTIABLE for p in r.at_complex]
CONSTANT_CASES = [(r, p) for r in ad.rules if r.kind == "constant" for p in r.at]


def _id(case):
    rule, point = case
    return f"{rule.name}{point}"


def test_table_is_nonempty_and_documented():
    assert len(ad.rules) > 60
    for rule in ad.rules:
        assert rule.name and isinstance(rule.params, tuple)
        if rule.kind == "smooth":
            assert rule.partials is not None or rule.jvp is not None, rule.name


def test_every_differentiable_rule_has_sample_points():
    missing = [r.name for r in DIFFERENTIABLE if not (r.at or r.at_complex)]
    assert missing == []


@pytest.mark.parametrize("case", REAL_CASES, ids=[_id(c) for c in REAL_CASES])
def test_rule_matches_mpmath_real(case):
    rule, point = case
    rulecheck.check_rule_at(rule, point)


@pytest.mark.parametrize("case", REAL_CASES, ids=[_id(c) for c in REAL_CASES])
def test_rule_float_path_within_ulps(case):
    rule, point = case
    rulecheck.check_float_path(rule, point)


@pytest.mark.parametrize("case", [c for c in REAL_CASES if "float" in c[0].impl],
                         ids=[_id(c) for c in REAL_CASES if "float" in c[0].impl])
def test_rule_mpmath_primal_matches_float_primal(case):
    rule, point = case
    rulecheck.check_primal_mapping(rule, point)


@pytest.mark.parametrize("case", COMPLEX_CASES, ids=[_id(c) for c in COMPLEX_CASES])
def test_rule_matches_mpmath_complex(case):
    rule, point = case
    rulecheck.check_rule_at(rule, point, complex_=True)


@pytest.mark.parametrize("case", CONSTANT_CASES, ids=[_id(c) for c in CONSTANT_CASES])
def test_piecewise_constant_rules_have_zero_derivative(case):
    rule, point = case
    fn = GENERIC_FUNCTIONS[rule.name]
    args = list(point)
    args[0] = Dual(args[0], 1.0)
    out = fn(*args)
    assert isinstance(out, Dual)
    assert out.tangent == 0.0
    assert out.value == rule.impl["float"](*point)
