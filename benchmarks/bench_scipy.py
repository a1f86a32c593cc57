"""solve_ivp sensitivities: a 10-state, 5-parameter reaction chain, every SciPy method.

    y_0' = k1 (1 - y_0) - v(y_0) - k2 y_0²,      v(y) = vm y / (km + y)  (Michaelis-Menten)
    y_i' = v(y_{i-1}) - v(y_i) - k2 y_i²         (i = 1..8)
    y_9' = v(y_8) - d y_9 - k2 y_9²

written with ordinary NumPy. For each method, measured in this run: one primal solve
(plain SciPy), the sensitivity solve (``ad.jacfwd`` of y(T) in the 5 parameters through
``dualad.scipy.integrate.solve_ivp``: one augmented solve of 10 + 50 states) and forward
differences (6 plain solves), as ratios to the primal; and the digits to which each
Jacobian agrees with a reference (the sensitivity solve with DOP853 at rtol=1e-13, itself
checked against central differences of plain solves at rtol=1e-12). Target (issue 14):
sensitivities <= 4x one primal solve. Also printed, what bounds the ratio: the
right-hand side calls of the primal and of the sensitivity solve (whose error control
sees the tangents, so it takes more steps) and the time per call (solve time / calls,
SciPy's own work per step included; one call on duals costs the per-operation overhead
of DualArray on 10-element arrays). The column "by hand" is the floor for any AD: the
same augmented system with its tangent right-hand side derived and written by hand in
NumPy (``chain_with_tangents``, 3.1x the cost of ``chain``), solved by SciPy with the same
error control over the tangents; the gap between "AD sens." and "by hand" is the cost of
eager dual evaluation, one NumPy call per operation and direction block.

Run:  python benchmarks/bench_scipy.py
"""
from __future__ import annotations

import timeit

import numpy as np
import scipy.integrate as si

import dualad as ad
from dualad.scipy import integrate as di

P = np.array([0.8, 0.05, 1.5, 0.4, 0.3])
Y0 = np.linspace(0.1, 0.5, 10)
T_SPAN = (0.0, 20.0)
TOL = dict(rtol=1e-6, atol=1e-9)
METHODS = ["RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA"]


def chain(t, y, p):
    k1, k2, vm, km, d = p
    flux = vm * y[:-1] / (km + y[:-1])
    inflow = np.concatenate(([k1 * (1.0 - y[0])], flux))
    outflow = np.concatenate((flux, [d * y[-1]]))
    return inflow - outflow - k2 * y * y


def chain_with_tangents(t, z, p):
    """The augmented system [f, f_y S + f_p] of ``chain`` (S = dy/dp, shape (10, 5)),
    derived by hand: the floor that AD's sensitivity solve is measured against."""
    k1, k2, vm, km, d = p
    n, K = Y0.size, P.size
    y, S = z[:n], z[n:].reshape(K, n).T
    a = y[:-1]
    c = km + a
    r = a / c
    flux = vm * r
    d_flux = (vm * km / (c * c))[:, None] * S[:-1]   # d flux / dy, then / dvm, / dkm
    d_flux[:, 2] += r
    d_flux[:, 3] -= flux / c
    dF = np.empty((n, K))
    dF[0] = -k1 * S[0]
    dF[0, 0] += 1.0 - y[0]                            # d/dk1 of k1 (1 - y0)
    dF[1:] = d_flux
    dF[:-1] -= d_flux
    dF[-1] -= d * S[-1]
    dF[-1, 4] -= y[-1]                                # d/dd of -d y9
    dF -= (2.0 * k2) * y[:, None] * S
    dF[:, 1] -= y * y                                 # d/dk2 of -k2 y²
    f = (np.concatenate(([k1 * (1.0 - y[0])], flux)) - np.concatenate((flux, [d * y[-1]]))
         - k2 * y * y)
    return np.concatenate([f, dF.T.reshape(-1)])


def by_hand(method, **tol):
    z0 = np.concatenate([Y0, np.zeros(Y0.size * P.size)])
    z = si.solve_ivp(chain_with_tangents, T_SPAN, z0, method=method, args=(P,),
                     **(tol or TOL)).y[:, -1]
    return z[Y0.size:].reshape(P.size, Y0.size).T


def final_state(p, method, solver=si.solve_ivp, **tol):
    return solver(chain, T_SPAN, Y0, method=method, args=(p,), **(tol or TOL)).y[:, -1]


def forward_differences(method, **tol):
    base = final_state(P, method, **tol)
    h = 1e-7 * np.maximum(1.0, np.abs(P))   # about the square root of the tolerance scale
    return np.stack([(final_state(P + h[j] * e, method, **tol) - base) / h[j]
                     for j, e in enumerate(np.eye(P.size))], axis=1)


def sensitivities(method, **tol):
    return ad.jacfwd(lambda p: final_state(p, method, di.solve_ivp, **tol))(P)


def best(fn, repeat=5):
    t = timeit.timeit(fn, number=1)
    number = max(1, int(0.3 / max(t, 1e-9)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def digits(J, reference):
    err = np.abs(J - reference).max() / np.abs(reference).max()
    return -np.log10(max(err, 1e-16))


def main():
    reference = sensitivities("DOP853", rtol=1e-13, atol=1e-15)
    h = 1e-5
    central = np.stack([(final_state(P + h * e, "DOP853", rtol=1e-12, atol=1e-14)
                         - final_state(P - h * e, "DOP853", rtol=1e-12, atol=1e-14)) / (2 * h)
                        for e in np.eye(P.size)], axis=1)
    print(f"reference vs central differences at rtol=1e-12: {digits(central, reference):.1f} "
          "digits")
    hand = digits(by_hand("DOP853", rtol=1e-13, atol=1e-15), reference)
    print(f"hand-written tangents vs the reference: {hand:.1f} digits")
    print(f"{'method':8s} {'primal':>10s} {'AD sens.':>10s} {'by hand':>10s} {'FD (6)':>10s} "
          f"{'AD digits':>10s} {'FD digits':>10s} {'RHS calls':>14s} {'us per call':>14s}")
    for method in METHODS:
        t_primal = best(lambda: final_state(P, method))
        t_ad = best(lambda: sensitivities(method))
        t_hand = best(lambda: by_hand(method))
        t_fd = best(lambda: forward_differences(method))
        calls = (si.solve_ivp(chain, T_SPAN, Y0, method=method, args=(P,), **TOL).nfev,
                 di.solve_ivp(chain, T_SPAN, Y0, method=method, args=(ad.DualArray(
                     P, np.eye(P.size)),), **TOL).nfev)
        print(f"{method:8s} {t_primal * 1e3:8.2f}ms {t_ad / t_primal:9.2f}x {t_hand / t_primal:9.2f}x"
              f" {t_fd / t_primal:9.2f}x"
              f" {digits(sensitivities(method), reference):10.1f}"
              f" {digits(forward_differences(method), reference):10.1f}"
              f" {calls[0]:>6d} {calls[1]:>6d}"
              f" {t_primal / calls[0] * 1e6:6.1f} {t_ad / calls[1] * 1e6:6.1f}")


if __name__ == "__main__":
    main()
