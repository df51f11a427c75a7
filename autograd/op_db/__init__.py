"""The list of every built-in differentiable operation, with sample inputs: one table the checks read.

Each `OpInfo` names an operation, says how to call it (`op(*tensors, **kwargs)`) and how to
draw inputs for it (`sample(rng) -> Sample`): shapes (same, broadcastable, matmul-compatible,
fixed rank, 0-d and size-0 where the op allows them), values from the op's domain (positive
for log, away from kinks for relu/abs/clamp, without ties for max) and keyword variants (dim as
int/tuple/negative/None, keepdim, ...). `tests/autograd/test_ops.py` and
`python -m autograd.check` run gradcheck and gradgradcheck over all of them, and a test fails
when an op's `Op` class is reached by no entry, so adding an op means adding an entry here.

Finite differences are meaningless at a kink, a zero of a root, a tie or a bound, where
PyTorch's results are a convention; `edges(rng)` samples those points on purpose, and
`tests/autograd/test_op_db_against_torch.py` compares values, first and second derivatives
there (and at the ordinary samples) with PyTorch's.

- `info.py`: OpInfo, Sample, make_tensors
- `draw.py`: shapes, values, dims, and the generic sample builders
- `samples.py`: the sample generators of particular ops
- `edges.py`: the convention points (zeros, kinks, ties, bounds, empty and 0-d inputs)
- `table.py`: the entries
- `torch_api.py`: the entries of the functions added for PyTorch's API

Samples use a numpy Generator passed in, never autograd's global one, so running the checks
does not change a user's random stream.
"""
from .info import OpInfo, Sample, make_tensors
from .table import op_db

__all__ = ["OpInfo", "Sample", "op_db", "make_tensors"]
