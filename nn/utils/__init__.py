"""Training utilities: gradient clipping, parameter/vector conversion, variable-length sequences (`rnn`),
weight and spectral normalisation, and the gradient-flow plot."""
from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .grad_flow import plot_grad_flow
from .weight_normalization import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "plot_grad_flow",
           "rnn", "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]
