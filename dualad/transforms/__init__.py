"""Transformations: functions that take a function and return derivatives."""
from dualad.transforms.univariate import derivative
from dualad.transforms.gradients import gradient
from dualad.transforms.hessians import hessian, hvp
from dualad.transforms.jacobians import jacfwd, jacobian
from dualad.transforms.directional import jvp
from dualad.transforms.series import derivatives, taylor

__all__ = ["derivative", "derivatives", "gradient", "hessian", "hvp", "jacfwd", "jacobian",
           "jvp", "taylor"]
