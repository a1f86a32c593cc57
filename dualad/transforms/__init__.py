"""Transformations: functions that take a function and return derivatives."""
from dualad.transforms.derivative import derivative
from dualad.transforms.gradient import gradient
from dualad.transforms.hessian import hessian, hvp
from dualad.transforms.jacfwd import jacfwd, jacobian
from dualad.transforms.jvp import jvp
from dualad.transforms.taylor import derivatives, taylor

__all__ = ["derivative", "derivatives", "gradient", "hessian", "hvp", "jacfwd", "jacobian",
           "jvp", "taylor"]
