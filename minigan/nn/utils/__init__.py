"""Training utilities: gradient clipping and spectral normalisation."""

from minigan.nn.utils.clip_grad import clip_grad_norm_
from minigan.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm

__all__ = ["clip_grad_norm_", "remove_spectral_norm", "spectral_norm"]
