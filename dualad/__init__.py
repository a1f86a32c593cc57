"""dualad: forward-mode automatic differentiation with dual numbers.

>>> import dualad as ad
>>> ad.derivative(lambda x: x * ad.math.sin(x), 0.5)
0.9182168195493894
"""
from .number import Dual
from .array import DualArray
from . import array_functions  # noqa: F401  (NumPy functions composed of ruled operations)
from . import jet
from .rules import table as rules
from . import functions
from . import math, cmath
from .custom import defjvp, primitive
from .functions import sigmoid, logistic, softplus, relu, digamma, polygamma
from .transforms import (derivative, derivatives, gradient, hessian, hvp, jacfwd, jacobian,
                         jvp, taylor)
from .sparsity import jacobian_sparsity, color_columns, star_color
from .trace import trace
from .accuracy import check, error_vs_step
from ._buffers import set_num_threads, get_num_threads

__all__ = [
    "Dual", "DualArray", "rules", "math", "cmath", "functions",
    "derivative", "derivatives", "taylor", "jvp", "jacfwd", "jacobian", "gradient", "hessian", "hvp",
    "jacobian_sparsity", "color_columns", "star_color", "trace", "check", "error_vs_step",
    "defjvp", "primitive", "set_num_threads", "get_num_threads",
    "sigmoid", "logistic", "softplus", "relu", "digamma", "polygamma",
]
__version__ = "0.1.0"
