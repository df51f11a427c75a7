"""Operations, grouped by kind. Importing this package attaches them to `Tensor` as methods."""
from . import elementwise, linalg, reductions, shape  # noqa: F401
