"""Optimisers (`SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`) and learning-rate schedulers (`optim.lr_scheduler`)."""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]
