"""Linear (a fully connected layer) and Identity."""

from __future__ import annotations


from minigan import functional as F
from minigan.autograd import Tensor
from minigan.nn import init
from minigan.nn.module import Module
from minigan.nn.parameter import empty_parameter


class Identity(Module):
    """Returns its input unchanged (a placeholder; constructor arguments are ignored, as in
    PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x @ weight.T + bias.

    x: (..., in_features) -> y: (..., out_features). weight: (out_features, in_features), bias:
    (out_features,). Initialised as in PyTorch: weight ~ kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(in_features), 1/sqrt(in_features)), and bias ~ the same U(-1/sqrt(fan_in),
    1/sqrt(fan_in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = empty_parameter(self.out_features, self.in_features, device=device,
                                      dtype=dtype)
        if bias:
            self.bias = empty_parameter(self.out_features, device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            last = ("a 0-d input" if input.ndim == 0
                    else f"input with last dimension {input.shape[-1]}")
            raise ValueError(f"Linear(in_features={self.in_features}) got {last} (input shape "
                             f"{tuple(input.shape)})")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
