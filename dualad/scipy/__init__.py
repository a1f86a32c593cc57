"""SciPy on duals: drop-ins for the SciPy functions people differentiate through.

``from dualad.scipy import integrate, optimize, special, linalg, interpolate``: each
function has SciPy's signature and returns SciPy's primal result; where an argument (or
the closure of a callable argument) carries duals, the result carries their tangents.
SciPy itself computes every primal; dualad adds the tangents (sensitivity equations,
the implicit function theorem, Leibniz's rule, the tangent maps of the rule table).

SciPy is optional (the ``scipy`` extra): importing a submodule without it raises
ImportError that says to install SciPy.
"""
