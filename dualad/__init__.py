"""dualad: forward-mode automatic differentiation with dual numbers.

>>> import dualad as ad
>>> ad.derivative(lambda x: x * ad.math.sin(x), 0.5)
0.9182168195493894
"""
from dualad.core.number import Dual
from dualad.arrays.array import DualArray
# the modules that put the operators, gathered tangents and NumPy's protocols on DualArray
from dualad.arrays import gathered, elementwise, dispatch  # noqa: F401,E402
from dualad.arrays import functions as array_functions  # noqa: F401  (NumPy compositions)
from dualad.arrays import shapes as _shapes  # noqa: F401  (np.pad's and np.select's handlers)
from dualad.arrays import sparse_matrices as _sparse_matrices  # noqa: F401  (scipy.sparse @ duals)
from dualad.taylor import apply as _taylor  # noqa: F401  (installs the rules on Jet; registers it)
from dualad.table.rules import table as rules
from dualad.stdlib import differentiable as functions
from dualad import math, cmath
from dualad.stdlib.user_rules import defjvp, primitive
from dualad.stdlib.differentiable import sigmoid, logistic, softplus, relu, digamma, polygamma
from dualad.transforms import (
    derivative, derivatives, grad, gradient, hessian, hvp, jacfwd, jacobian, jvp, taylor,
    value_and_grad)
from dualad.sparse.detection import jacobian_sparsity
from dualad.sparse.colouring import color_columns, star_color
from dualad.teach.trace import trace
from dualad.teach.accuracy import check, error_vs_step
from dualad.base.buffers import set_num_threads, get_num_threads

__all__ = [
    "Dual", "DualArray", "rules", "math", "cmath", "functions",
    "derivative", "derivatives", "taylor", "jvp", "jacfwd", "jacobian", "grad", "value_and_grad",
    "gradient", "hessian", "hvp",
    "jacobian_sparsity", "color_columns", "star_color", "trace", "check", "error_vs_step",
    "defjvp", "primitive", "set_num_threads", "get_num_threads",
    "sigmoid", "logistic", "softplus", "relu", "digamma", "polygamma",
]
from dualad._version import __version__  # noqa: E402

# a first call about as fast as the later ones: the commonest paths run once, on tiny inputs
from dualad.transforms import warmup as _warmup  # noqa: E402
_warmup.run()
