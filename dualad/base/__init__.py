"""The foundation every layer may use: the carrier registry, differentiation tags,
refusals, NumPy's floating-point errors inside a pass, and large-array evaluation
(recycled buffers, threads). Nothing here imports another layer of dualad."""
