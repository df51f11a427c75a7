"""`nn.functional`: stateless functions with PyTorch's names and signatures.

One submodule per family (activation, linear, dropout, normalization, embedding,
loss, ...); adding a family means adding a file and one import line here.
"""
import types as _types

from .activation import *  # noqa: F403
from .activation_variants import *  # noqa: F403
from .attention import *  # noqa: F403
from .categorical import *  # noqa: F403
from .conv import *  # noqa: F403
from .ctc import *  # noqa: F403
from .distance import *  # noqa: F403
from .dropout import *  # noqa: F403
from .embedding import *  # noqa: F403
from .embedding_bag import *  # noqa: F403
from .fold import *  # noqa: F403
from .grid_sampling import *  # noqa: F403
from .likelihood_loss import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .margin_loss import *  # noqa: F403
from .max_lp_pooling import *  # noqa: F403
from .normalization import *  # noqa: F403
from .normalization_extra import *  # noqa: F403
from .padding import *  # noqa: F403
from .pooling import *  # noqa: F403
from .sampling import *  # noqa: F403

__all__ = [name for name, value in globals().items() if not name.startswith("_") and not isinstance(value, _types.ModuleType)]
