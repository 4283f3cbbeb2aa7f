"""The user-facing functions, under PyTorch's torch.nn.functional names: ``from minigan import functional as F``.

Each is a thin name for an op in minigan/ops/ (look there for its forward and backward).
"""

from minigan.ops.elementwise import (  # noqa: F401
    leaky_relu, logsigmoid, relu, sigmoid, softplus, tanh,
)
from minigan.ops.shape import flatten, pad, unflatten  # noqa: F401
from minigan.ops.conv import conv2d, conv_transpose2d  # noqa: F401
