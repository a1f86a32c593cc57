"""Transformations: functions that take a function and return derivatives."""
from .derivative import derivative
from .gradient import gradient
from .hessian import hessian, hvp
from .jacfwd import jacfwd, jacobian
from .jvp import jvp
from .taylor import derivatives, taylor

__all__ = ["derivative", "derivatives", "gradient", "hessian", "hvp", "jacfwd", "jacobian",
           "jvp", "taylor"]
