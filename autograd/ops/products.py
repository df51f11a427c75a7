"""Products with PyTorch's strict shapes, and the ones built on matmul: mm, bmm, mv (exact ranks, equal
dtypes, no broadcasting, PyTorch's errors), addmm, addmv, addbmm, baddbmm, addr (β·input + α·product),
tensordot, kron, inner, vdot, cross.

All are compositions of matmul and shape ops, so their derivatives are matmul's. With β = 0 the
input is ignored (NaN in it does not propagate), as PyTorch documents.
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._util import check_broadcast, normalize_dim, tensor_method
from .linalg import matmul


def _same_dtype(op: str, *tensors) -> None:
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise RuntimeError(f"{op}: expected all tensors to have the same dtype, but got "
                           f"{', '.join(str(t.dtype) for t in tensors)}; convert with .to(dtype)")


def _tensor(op: str, value, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
    return value


@tensor_method
def mm(input, mat2):
    """Matrix product of two 2-D tensors (no broadcasting, as torch.mm)."""
    _tensor("mm", input, "input"), _tensor("mm", mat2, "mat2")
    if input.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got shape {input.shape}")
    if mat2.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got shape {mat2.shape}")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype("mm", input, mat2)
    return matmul(input, mat2)


@tensor_method
def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors with equal batch sizes (no broadcasting, as torch.bmm)."""
    _tensor("bmm", input, "input"), _tensor("bmm", mat2, "mat2")
    if input.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor, got shape {input.shape}")
    if mat2.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor, got shape {mat2.shape}")
    b, _, k = input.shape
    if mat2.shape[:2] != (b, k):
        raise RuntimeError(f"bmm: expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}]")
    _same_dtype("bmm", input, mat2)
    return matmul(input, mat2)


@tensor_method
def mv(input, vec):
    """Matrix (2-D) times vector (1-D)."""
    _tensor("mv", input, "input"), _tensor("mv", vec, "vec")
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: vector + matrix @ vector expected, got matrix shape {input.shape} and vector shape "
                           f"{vec.shape}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got mat ({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    _same_dtype("mv", input, vec)
    return matmul(input, vec)


def _scaled_sum(op: str, input, product: Tensor, beta, alpha) -> Tensor:
    """β·input + α·product, with input broadcast to the product's shape; β = 0 ignores input's values (nan and
    inf too) but keeps it connected, with a zero gradient, as PyTorch."""
    input = _tensor(op, input, "input")
    if check_broadcast(op, input.shape, product.shape) != product.shape:
        raise RuntimeError(f"{op}: input of shape {input.shape} cannot be broadcast to the product's shape "
                           f"{product.shape}")
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        from .activation import where
        return scaled + where(Tensor._wrap(np.zeros((), dtype=bool)), input, 0.0)
    return (input if beta == 1 else input * beta) + scaled


@tensor_method
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """β·input + α·(mat1 @ mat2), mat1 and mat2 2-D."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


@tensor_method
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """β·input + α·(mat @ vec)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


@tensor_method
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """β·input + α·bmm(batch1, batch2)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


@tensor_method
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """β·input + α·Σ_b batch1[b] @ batch2[b]."""
    return _scaled_sum("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


@tensor_method
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """β·input + α·outer(vec1, vec2)."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if _tensor("addr", v, name).ndim != 1:
            raise RuntimeError(f"addr: {name} must be a 1-D tensor, got shape {v.shape}")
    return _scaled_sum("addr", input, vec1.unsqueeze(1) * vec2.unsqueeze(0), beta, alpha)


def tensordot(a, b, dims=2):
    """Sum of products over dimensions: the last `dims` of a with the first `dims` of b, or the listed pairs
    (`dims=([1, 2], [1, 0])`), as torch.tensordot."""
    _tensor("tensordot", a, "a"), _tensor("tensordot", b, "b")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot: dims ({dims}) exceeds the dimensions of a ({a.ndim}) or b ({b.ndim})")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError(f"tensordot: both dimension lists should have the same length, got {dims_a} and {dims_b}")
    dims_a = [normalize_dim(d, a.ndim, "tensordot") for d in dims_a]
    dims_b = [normalize_dim(d, b.ndim, "tensordot") for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size {a.shape[da]} in "
                               f"dim {da} and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = math.prod(a.shape[d] for d in dims_a)
    left = a.permute(free_a + dims_a).reshape(math.prod(a.shape[d] for d in free_a), k)
    right = b.permute(dims_b + free_b).reshape(k, math.prod(b.shape[d] for d in free_b))
    return matmul(left, right).reshape(tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


@tensor_method
def kron(input, other):
    """The Kronecker product: every element of input times all of other, laid out block by block."""
    _tensor("kron", input, "input"), _tensor("kron", other, "other")
    n = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + input.shape)
    b = other.reshape((1,) * (n - other.ndim) + other.shape)
    spread_a = a.reshape(tuple(s for size in a.shape for s in (size, 1)))
    spread_b = b.reshape(tuple(s for size in b.shape for s in (1, size)))
    return (spread_a * spread_b).reshape(tuple(x * y for x, y in zip(a.shape, b.shape)))


@tensor_method
def inner(input, other):
    """Sum of products over the last dimension of each (a product for a 0-d operand)."""
    _tensor("inner", input, "input"), _tensor("inner", other, "other")
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dimensions must match, got shapes {input.shape} and {other.shape}")
    return tensordot(input, other, dims=([-1], [-1]))


@tensor_method
def vdot(input, other):
    """Dot product of two 1-D tensors (the conjugate of the first, which for real tensors is itself)."""
    from .linalg import dot

    return dot(input, other)


@tensor_method
def cross(input, other, dim=None):
    """The cross product of 3-vectors along `dim` (without dim: the first dimension of size 3, as
    torch.cross); the operands broadcast."""
    from .shape import stack

    _tensor("cross", input, "input"), _tensor("cross", other, "other")
    shape = check_broadcast("cross", input.shape, other.shape)
    if dim is None:
        sizes = [d for d, s in enumerate(shape) if s == 3]
        if not sizes:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shape {tuple(shape)})")
        dim = sizes[0]
    dim = normalize_dim(dim, len(shape), "cross")
    if input.ndim != other.ndim or input.shape[dim] != 3 or other.shape[dim] != 3:
        if input.ndim == other.ndim:
            raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and "
                               f"{other.shape[dim]}")
        raise RuntimeError(f"cross: inputs must have the same number of dimensions, got {input.ndim} and {other.ndim}")
    a = [input.select(dim, i) for i in range(3)]
    b = [other.select(dim, i) for i in range(3)]
    return stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], dim)
