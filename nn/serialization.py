"""`nn.save` / `nn.load`: state dicts and checkpoints as `.npz` or `.safetensors`, never pickled code.

The format and its guarantees (atomic writes, one error type for bad files, PyTorch's
safetensors files read and written) live in `autograd/serialization.py`, which also serves
`autograd.save` / `autograd.load` (PyTorch's `torch.save` / `torch.load` names).
"""
from autograd.serialization import SerializationError, load, save

__all__ = ["save", "load", "SerializationError"]
