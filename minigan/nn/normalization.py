"""InstanceNorm1d/2d, GroupNorm and LayerNorm: normalisation within each sample, not across the
batch (their ops, built on batch norm's, are at the end of minigan/ops/norm.py).

    InstanceNorm2d(C)      each sample's each channel over its H x W positions (CycleGAN, pix2pix);
                           affine=False and track_running_stats=False by default, as in PyTorch
    GroupNorm(G, C)        each sample's each group of C / G channels; affine by default
    LayerNorm(shape)       each sample over its last dimensions (`shape`); elementwise affine by
                           default

InstanceNorm shares BatchNorm's parameters (weight 1, bias 0), buffers (running_mean 0,
running_var 1, num_batches_tracked 0, when track_running_stats) and repr, as PyTorch's
_InstanceNorm shares _NormBase with _BatchNorm. While training (or without running statistics)
it uses each instance's statistics; in evaluation mode with running statistics, those. Unlike
BatchNorm it never counts num_batches_tracked, and momentum=None means 0 (PyTorch's rules).
"""

from __future__ import annotations

import warnings

from minigan import functional as F
from minigan.autograd import Tensor
from minigan.nn import init
from minigan.nn.batchnorm import _BatchNorm
from minigan.nn.module import Module
from minigan.nn.parameter import empty_parameter


class _InstanceNorm(_BatchNorm):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None, dtype=None,
                 *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    _unbatched_ndim = 0  # the number of dimensions of an input without its batch dimension

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        channel_dim = input.ndim - self._unbatched_ndim
        if input.shape[channel_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={channel_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[channel_dim]}.")
            warnings.warn(f"input's size at dim={channel_dim} does not match num_features. You can "
                          "silence this warning by not passing in num_features, which is not used "
                          "because affine=False", stacklevel=2)
        if input.ndim == self._unbatched_ndim:  # (C, *spatial): a batch of one
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)

    def _normalize(self, input: Tensor) -> Tensor:
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               0.0 if self.momentum is None else self.momentum, self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or (C, L) inputs: each sample's each channel over its L
    positions."""

    _unbatched_ndim = 2

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or (C, H, W) inputs: each sample's each channel over H x W."""

    _unbatched_ndim = 3

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (3, 4):
            raise ValueError(f"expected 3D or 4D input (got {input.ndim}D input)")


def _affine_parameters(module: Module, shape: tuple, weight: bool, bias: bool, device,
                       dtype) -> None:
    """Register module.weight (ones) and module.bias (zeros) of `shape`, or None for each left
    out."""
    for name, wanted, fill in (("weight", weight, init.ones_), ("bias", bias, init.zeros_)):
        param = empty_parameter(*shape, device=device, dtype=dtype) if wanted else None
        module.register_parameter(name, param)
        if param is not None:
            fill(param)


class GroupNorm(Module):
    """Group norm of (N, C, *) inputs: C channels in num_groups groups, each sample's each group
    normalised over its channels and positions; weight (1) and bias (0) per channel when affine."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine_parameters(self, (num_channels,), affine, affine and bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LayerNorm(Module):
    """Layer norm: inputs (*, *normalized_shape) normalised over their last dimensions; weight (1)
    and bias (0) of shape normalized_shape when elementwise_affine."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                 else tuple(normalized_shape))
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine,
                           elementwise_affine and bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
