"""Training utilities: gradient clipping, spectral normalisation, parameters as one vector."""

from minigan.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from minigan.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from minigan.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "remove_spectral_norm",
           "spectral_norm", "vector_to_parameters"]
