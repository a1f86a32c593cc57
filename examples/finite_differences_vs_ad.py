"""Finite differences lose half their digits, and can get the sign wrong; AD does not.

1. The seeds' example: f(x) = sum x_i^2 at x_i = i, n = 1000. The exact derivative in
   x_1 is 2. A forward difference (f(x + h e_1) - f(x)) / h around h = sqrt(eps) has a
   rounding error of order n^3 eps / (3h), larger than the derivative itself: for
   h <= 1.8e-8 the difference is exactly 0, the sign is lost, and elsewhere the error
   is up to 40%. (It never comes out negative: floating-point addition is monotone,
   so f(x + h e_1) >= f(x) for this sum whatever the rounding.) AD gives exactly 2,
   and 2 i for every component. dualad.check on t -> f(t, 2, ..., n), summed in the same
   order, shows the same 0 beside central differences, Richardson, the complex step and
   an mpmath reference. The rounding belongs to the program, not to the formula: summed
   as t*t + (4 + 9 + ... + n^2), f rounds once near 3.3e8, where one ulp is 2^-24 and the
   change 2h + h^2 at h = 2^-26 is just over half of it, so that forward difference is
   one ulp over h = 4, not 0.
2. The classic error-vs-step V for a smooth function, saved as error_vs_step.png
   (needs matplotlib; otherwise a text chart is printed).

Run:  python examples/finite_differences_vs_ad.py
"""
import math
import sys

import numpy as np

import dualad as ad

N = 1000


def sum_of_squares(v):
    return sum(t * t for t in v)


def main(plot_path="error_vs_step.png"):
    x = [float(i) for i in range(1, N + 1)]
    gradient = ad.gradient(sum_of_squares, x)
    print(f"f = sum x_i^2 at x_i = i, n = {N}")
    print(f"AD: df/dx_1 = {float(gradient[0])!r}; all 1000 components equal 2 i exactly: "
          f"{bool(np.all(gradient == 2 * np.arange(1, N + 1)))}")

    f0 = sum_of_squares(x)
    print("\nforward difference in x_1, for steps around sqrt(eps) = 1.5e-8:")
    sign_lost = []
    for h in np.logspace(-9, -6, 13):
        moved = [x[0] + h] + x[1:]
        step = moved[0] - x[0]               # the step that was actually taken
        fd = (sum_of_squares(moved) - f0) / step
        flag = "   <- sign lost" if fd <= 0 else ""
        if fd <= 0:
            sign_lost.append(h)
        print(f"  h = {h:8.2e}: {fd:12.6f}   error {abs(fd - 2.0):9.2e}{flag}")
    rounding = N ** 3 / 3 * sys.float_info.epsilon / math.sqrt(sys.float_info.epsilon)
    print(f"rounding error estimate n^3 eps / (3 sqrt(eps)) = {rounding:.2f} > 2; the sign "
          f"is lost at {len(sign_lost)} of 13 steps (the difference is exactly 0)")

    print("\nthe same comparison by dualad.check on the slice t -> f(t, 2, ..., n), "
          "summed in the same order:")
    report = ad.check(lambda t: sum_of_squares([t] + x[1:]), 1.0)
    print(report)
    h = report.steps["forward difference"]
    rest = sum(t * t for t in x[1:])
    other_order = ((1.0 + h) * (1.0 + h) + rest - (1.0 + rest)) / h
    print(f"(the same difference with f summed as t*t + (4 + 9 + ... + n^2): {other_order!r}; "
          "the rounding is the program's)")

    sweep = ad.error_vs_step(lambda t: ad.math.exp(ad.math.sin(t)) / (1 + t * t), 0.3)
    try:
        sweep.plot(plot_path)
        print(f"\nerror against step for exp(sin x)/(1 + x^2) at 0.3: saved to {plot_path}")
    except ImportError as exc:
        print(f"\n{exc}\n{sweep.text_chart()}")
    return gradient, sign_lost, report


if __name__ == "__main__":
    main()
