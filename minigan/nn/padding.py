"""Padding layers for images (N, C, H, W) or (C, H, W) (the op, with its four modes:
minigan/ops/padding.py).

`padding` is an int (every side) or (left, right, top, bottom), as in PyTorch.

    ZeroPad2d          zeros                   (pix2pix's PatchGAN: ZeroPad2d((1, 0, 1, 0)))
    ConstantPad2d      a constant value
    ReflectionPad2d    the image mirrored at its edges   (CycleGAN's ResNet blocks)
    ReplicationPad2d   the edge pixels repeated
"""

from __future__ import annotations

from minigan import functional as F
from minigan.nn.module import Module


def _four(padding):
    return (padding,) * 4 if isinstance(padding, int) else tuple(padding)


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _four(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad2d(_Pad2d):
    """Pad with the image mirrored at its edges (the edge pixel is not repeated): each pad <
    size."""

    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """Pad with copies of the edge pixels."""

    mode = "replicate"


class ConstantPad2d(_Pad2d):
    """Pad with a constant value."""

    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ZeroPad2d(ConstantPad2d):
    """Pad with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
