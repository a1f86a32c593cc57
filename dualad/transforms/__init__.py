"""Transformations: functions that take a function and return derivatives."""
from .derivative import derivative
from .gradient import gradient
from .hessian import hessian, hvp
from .jacfwd import jacfwd, jacobian
from .jvp import jvp

__all__ = ["derivative", "gradient", "hessian", "hvp", "jacfwd", "jacobian", "jvp"]
