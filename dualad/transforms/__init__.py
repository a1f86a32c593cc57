"""Transformations: functions that take a function and return derivatives."""
from .derivative import derivative
from .gradient import gradient
from .hessian import hessian
from .jvp import jvp

__all__ = ["derivative", "gradient", "hessian", "jvp"]
