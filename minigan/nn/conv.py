"""Conv2d and ConvTranspose2d layers (their ops, forward and backward, are in minigan/ops/conv.py).

Weight layouts are PyTorch's, so state dicts move between the two unchanged:
Conv2d weight (out_channels, in_channels, kh, kw); ConvTranspose2d weight (in_channels,
out_channels, kh, kw). Both are initialised as in PyTorch: weight ~ kaiming_uniform_(a=sqrt(5)),
i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), with
fan_in = weight.shape[1] * kh * kw (for ConvTranspose2d that is out_channels * kh * kw, PyTorch's
choice).

Output sizes: minigan/conv_geometry.py (Conv2d: floor((H + 2p - d (k - 1) - 1) / s) + 1).
"""

from __future__ import annotations


from minigan.autograd import Tensor
from minigan.conv_geometry import conv_transpose_output_size, pair
from minigan.nn import init
from minigan.nn.module import Module
from minigan.nn.parameter import empty_parameter


class _Conv2dBase(Module):
    """What Conv2d and ConvTranspose2d share: arguments, parameters, initialisation, repr."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 output_padding,
                 groups, bias, padding_mode, weight_shape, device, dtype):
        super().__init__()
        what = type(self).__name__
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(
                f"{what}: in_channels and out_channels must be positive, got {in_channels} and "
                f"{out_channels}"
            )
        if groups != 1 and (what != "Conv2d" or in_channels % groups or out_channels % groups):
            allowed = " or divide in_channels and out_channels" if what == "Conv2d" else ""
            raise ValueError(f"{what}: groups must be 1{allowed}, got groups={groups} "
                             f"(in_channels={in_channels}, out_channels={out_channels})")
        if padding_mode != "zeros":
            raise ValueError(f"{what}: only padding_mode='zeros' is supported, "
                             f"got {padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", what)
        self.stride = pair(stride, "stride", what)
        self.padding = pair(padding, "padding", what)
        self.dilation = pair(dilation, "dilation", what)
        self.output_padding = pair(output_padding, "output_padding", what)
        self.groups, self.padding_mode = groups, padding_mode
        if min(self.kernel_size + self.stride + self.dilation) <= 0 or min(self.padding) < 0:
            raise ValueError(
                f"{what}: kernel_size, stride and dilation must be positive and padding "
                f"non-negative, got "
                f"kernel_size={self.kernel_size}, stride={self.stride}, dilation={self.dilation}, "
                f"padding={self.padding}"
            )
        self.weight = empty_parameter(*weight_shape(self.kernel_size), device=device, dtype=dtype)
        self.register_parameter("bias", empty_parameter(self.out_channels, device=device,
                                                        dtype=dtype)
                                if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def _check_input(self, input: Tensor) -> None:
        name = type(self).__name__
        if input.ndim != 4:
            raise ValueError(
                f"{name} expects a 4-D input (N, C, H, W), got a {input.ndim}-D input of shape "
                f"{tuple(input.shape)}"
            )
        if input.shape[1] != self.in_channels:
            raise ValueError(
                f"{name}(in_channels={self.in_channels}) got input with {input.shape[1]} channels "
                f"(input shape {tuple(input.shape)}, channels along dimension 1)"
            )

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_Conv2dBase):
    """2-D convolution (cross-correlation, as in every deep learning library):

    out[n, o, i, j] = bias[o] + sum_{c, u, v} weight[o, c, u, v] * x_padded[n, c, i*s + u*d, j*s +
    v*d]

    x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out); weight: (out_channels,
    in_channels / groups, kh, kw). With groups > 1 the channels split into groups convolved
    separately.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0,
                         groups, bias, padding_mode,
                         lambda k: (out_channels, in_channels // groups) + k, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        from minigan.ops.conv import conv2d  # imported here: the conv ops are another part

        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class ConvTranspose2d(_Conv2dBase):
    """2-D transposed convolution: the gradient of Conv2d with respect to its input, used to
    upsample (a DCGAN generator doubles the image size with kernel 4, stride 2, padding 1).

    x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out); weight: (in_channels,
    out_channels, kh, kw). output_padding (smaller than stride or dilation) adds rows/columns on one
    side to pick among the output sizes that a strided Conv2d maps to the same input size;
    forward(x, output_size) computes it.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding,
                         groups, bias, padding_mode, lambda k: (in_channels, out_channels) + k,
                         device, dtype)
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            if not 0 <= op < max(s, d):
                raise ValueError(
                    "ConvTranspose2d: output_padding must be smaller than either stride or "
                    f"dilation, got "
                    f"output_padding={self.output_padding}, stride={self.stride}, "
                    f"dilation={self.dilation}"
                )

    def _output_padding_for(self, input: Tensor, output_size) -> tuple[int, int]:
        """The output_padding that makes the output spatial size equal output_size ((H, W), or (N,
        C, H, W))."""
        size = tuple(int(s) for s in output_size)[-2:]
        if len(size) != 2:
            raise ValueError("ConvTranspose2d: output_size must end with (H, W), got "
                             f"{tuple(output_size)}")
        padding = []
        for i in range(2):
            smallest = conv_transpose_output_size(input.shape[2 + i], self.kernel_size[i],
                                                  self.stride[i],
                                                  self.padding[i], self.dilation[i])
            largest = smallest + max(self.stride[i], self.dilation[i]) - 1
            if not smallest <= size[i] <= largest:
                raise ValueError(
                    f"ConvTranspose2d: requested an output size of {size}, but valid sizes along "
                    f"dimension {2 + i} range from {smallest} to {largest} (for an input of shape "
                    f"{tuple(input.shape)})"
                )
            padding.append(size[i] - smallest)
        return tuple(padding)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        self._check_input(input)
        from minigan.ops.conv import conv_transpose2d

        output_padding = (self.output_padding if output_size is None
                          else self._output_padding_for(input, output_size))
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                output_padding,
                                self.dilation)
