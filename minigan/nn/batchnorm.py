"""BatchNorm1d and BatchNorm2d: normalise each channel over the batch (the op, with its formulas,
is in minigan/ops/norm.py).

Parameters weight (1) and bias (0) when affine (bias=False leaves the shift out, as in PyTorch
2.13); buffers running_mean (0), running_var (1) and num_batches_tracked (0) when
track_running_stats. In training mode each forward updates the
running statistics with ``momentum`` (or, with momentum=None, keeps their cumulative average);
in evaluation mode they replace the batch statistics.
"""

from __future__ import annotations

import numpy as np

from minigan import backend
from minigan import functional as F
from minigan.autograd import Tensor
from minigan.nn import init
from minigan.nn.module import Module
from minigan.nn.parameter import empty_parameter


class _BatchNorm(Module):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = empty_parameter(self.num_features, device=device, dtype=dtype)
            if bias:
                self.bias = empty_parameter(self.num_features, device=device, dtype=dtype)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            xp = backend.backend_module(device)
            float_dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
            self.register_buffer("running_mean", Tensor(xp.zeros(self.num_features,
                                                                 dtype=float_dtype)))
            self.register_buffer("running_var", Tensor(xp.ones(self.num_features,
                                                               dtype=float_dtype)))
            self.register_buffer("num_batches_tracked", Tensor(xp.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}(num_features={self.num_features}) got input with "
                f"{input.shape[1]} channels (input shape {tuple(input.shape)}, channels along "
                "dimension 1)"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats
        if counting and self.momentum is None:  # cumulative moving average over all batches
            momentum = 1.0 / (self.num_batches_tracked.item() + 1)
        # Batch statistics while training, or always when there are no running statistics. While
        # training, the running statistics are updated only if tracked (as in PyTorch, setting
        # track_running_stats = False after construction freezes them).
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        output = F.batch_norm(
            input, self.running_mean if track else None, self.running_var if track else None,
            self.weight, self.bias, use_batch_stats, momentum, self.eps,
        )
        if counting:
            self.num_batches_tracked.array[...] += 1
        return output

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs, per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(
                f"BatchNorm1d expects a 2-D (N, C) or 3-D (N, C, L) input, got a {input.ndim}-D "
                f"input of shape {tuple(input.shape)}"
            )


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) inputs, per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(
                f"BatchNorm2d expects a 4-D input (N, C, H, W), got a {input.ndim}-D input of "
                f"shape {tuple(input.shape)}"
            )
