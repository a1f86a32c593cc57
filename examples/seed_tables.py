"""The lecture seeds' evaluation traces, reproduced from ordinary code.

1. Griewank & Walther's f(x1, x2) = [sin(x1/x2) + x1/x2 - exp(x2)] [x1/x2 - exp(x2)] at
   (1.5, 0.5), computed as by hand with 4 decimals (y = 2.0167, ẏ = 3.0118).
2. ln x1 + x1 x2 - sin x2 at (2, 5): forward 5.5; reverse 5.5 and 1.716.
3. L(w1, w2) = w2 log w1 + sqrt(w2 log w1), forward and reverse.
4. The single-layer perceptron y = sigma(w1 x1 + w2 x2 + w3 x3), forward (d/dw3) and
   reverse (all three weights at once).

Run:  python examples/seed_tables.py
"""
import numpy as np

import dualad as ad
from dualad import math


def griewank_walther(x1, x2):
    return (math.sin(x1 / x2) + (x1 / x2 - math.exp(x2))) * (x1 / x2 - math.exp(x2))


def log_example(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


def loss(w1, w2):
    return w2 * math.log(w1) + math.sqrt(w2 * math.log(w1))


X = np.array([0.5, -1.0, 2.0])


def perceptron(w):
    return ad.sigmoid(np.sum(w * X))


def main():
    print("1. Griewank & Walther at (1.5, 0.5), 4 decimals as by hand\n")
    print(ad.trace(griewank_walther, 1.5, 0.5, rounded=True))
    print("\n2. ln x1 + x1 x2 - sin x2 at (2, 5)\n")
    print(ad.trace(log_example, 2.0, 5.0).to_text(reverse=True))
    print("\n3. L = w2 log w1 + sqrt(w2 log w1) at (2, 3)\n")
    print(ad.trace(loss, 2.0, 3.0).to_text(reverse=True))
    print(f"\n4. perceptron, x = {X.tolist()}, w = (0.1, 0.4, -0.3), tangent for w3\n")
    print(ad.trace(perceptron, np.array([0.1, 0.4, -0.3]), wrt=2).to_text(reverse=True))


if __name__ == "__main__":
    main()
