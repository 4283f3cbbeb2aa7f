"""The user-facing functions, under PyTorch's torch.nn.functional names: ``from minigan import
functional as F``.

Each is a thin name for an op in minigan/ops/ (look there for its forward and backward).
This module is also ``minigan.nn.functional`` (the same module object), PyTorch's spelling.
"""

from minigan.ops.dropout import dropout, dropout2d  # noqa: F401
from minigan.ops.elementwise import (  # noqa: F401
    elu, hardtanh, leaky_relu, logsigmoid, prelu, relu, relu6, sigmoid, softplus, tanh,
)
from minigan.ops.linear import embedding, linear, one_hot  # noqa: F401
from minigan.ops.loss import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss, log_softmax,
    mse_loss, nll_loss, softmax,
)
from minigan.ops.norm import (  # noqa: F401
    batch_norm, group_norm, instance_norm, layer_norm, normalize,
)
from minigan.ops.padding import pad  # noqa: F401
from minigan.ops.pixel_shuffle import pixel_shuffle, pixel_unshuffle  # noqa: F401
from minigan.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from minigan.ops.shape import flatten, unflatten  # noqa: F401
from minigan.ops.conv import conv2d, conv_transpose2d  # noqa: F401
from minigan.ops.upsample import interpolate  # noqa: F401
