"""Fit an ODE model's parameters with exact sensitivities from dualad.scipy.integrate.

An SIR epidemic model, S' = -β S I, I' = β S I - γ I, R' = γ I, observed (noisily) in I at
20 times. Levenberg-Marquardt (``scipy.optimize.least_squares``) on the residuals
r(θ) = I(t_i; θ) - data_i, θ = log(β, γ, I0): the Jacobian of the residuals comes from
``ad.jacfwd`` through ``solve_ivp``: SciPy
integrates the model together with its forward sensitivities, one dual evaluation of the
ordinary NumPy right-hand side per step. The Jacobian is then checked against central
differences of repeated plain SciPy solves, and the fit recovers the true parameters.

Run:  python examples/ode_parameter_sensitivity.py
"""
from __future__ import annotations

import numpy as np
import scipy.integrate
import scipy.optimize

import dualad as ad
from dualad.scipy.integrate import solve_ivp

TIMES = np.linspace(1.0, 20.0, 20)
TRUE = np.array([0.5, 0.2, 0.01])   # beta, gamma, initial infected fraction


def sir(t, y, beta, gamma):
    s, i, _ = y
    return np.array([-beta * s * i, beta * s * i - gamma * i, gamma * i])


def infected(theta, solver=solve_ivp):
    """I(t_i) for parameters theta = log(beta, gamma, I0) (logs keep them positive)."""
    beta, gamma, i0 = np.exp(theta)
    y0 = np.stack([1.0 - i0, i0, 0.0 * i0])
    sol = solver(sir, (0.0, TIMES[-1]), y0, t_eval=TIMES, args=(beta, gamma),
                 rtol=1e-9, atol=1e-11)
    return sol.y[1]


def main():
    rng = np.random.default_rng(1)
    data = infected(np.log(TRUE), scipy.integrate.solve_ivp) * (
        1 + 0.01 * rng.normal(size=TIMES.size))

    theta = np.log([0.4, 0.25, 0.02])
    J = ad.jacfwd(infected)(theta)
    h = np.full(3, 1e-6)
    central = np.stack([(infected(theta + h[j] * e, scipy.integrate.solve_ivp)
                         - infected(theta - h[j] * e, scipy.integrate.solve_ivp)) / (2 * h[j])
                        for j, e in enumerate(np.eye(3))], axis=1)
    print(f"sensitivities dI(t_i)/dlog(beta, gamma, I0): largest difference from central "
          f"differences {np.abs(J - central).max():.1e} (largest entry {np.abs(J).max():.2f})")

    def residual(theta):
        return infected(theta, scipy.integrate.solve_ivp) - data

    fit = scipy.optimize.least_squares(residual, theta, jac=ad.jacfwd(infected), method="lm")
    beta, gamma, i0 = np.exp(fit.x)
    print(f"fit ({fit.nfev} residuals, {fit.njev} sensitivity solves): beta={beta:.4f} "
          f"gamma={gamma:.4f} I0={i0:.5f}")
    print(f"true:   beta={TRUE[0]:.4f} gamma={TRUE[1]:.4f} I0={TRUE[2]:.5f}")
    assert np.allclose(np.exp(fit.x), TRUE, rtol=0.05), np.exp(fit.x)
    return np.exp(fit.x)


if __name__ == "__main__":
    main()
