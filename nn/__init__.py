"""nn: PyTorch-style neural network modules on top of the autograd engine.

`Module` and `Parameter` (module.py, parameter.py), containers (container.py), layers
by family (layers/), stateless functions (functional/), initialisers (init.py),
`summary`, `save`/`load`, optimisers (optim/), utilities (utils/, including `rnn` for packed sequences),
module hooks (hooks.py) and data loading (data/).
"""
from . import data, functional, init, optim, parallel, utils
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers import *  # noqa: F403
from .layers.loss import *  # noqa: F403
from .module import Module
from .parallel import DataParallel
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .serialization import SerializationError, load, save
from .summary import summary

import types as _types

__all__ = [name for name, value in globals().items()
           if not name.startswith("_") and (not isinstance(value, _types.ModuleType) or name in ("functional", "init",
                                                                                                  "optim", "utils", "data",
                                                                                                  "parallel"))]
