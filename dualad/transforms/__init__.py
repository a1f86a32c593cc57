"""Transformations: functions that take a function and return derivatives."""
from dualad.transforms.univariate import derivative
from dualad.transforms.grads import grad, gradient, value_and_grad
from dualad.transforms.hessians import hessian, hvp
from dualad.transforms.jacobians import jacfwd, jacobian
from dualad.transforms.directional import jvp
from dualad.transforms.series import derivatives, taylor

__all__ = ["derivative", "derivatives", "grad", "gradient", "hessian", "hvp", "jacfwd",
           "jacobian", "jvp", "taylor", "value_and_grad"]
