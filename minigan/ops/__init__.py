"""Every differentiable op, one Function subclass each, grouped by family.

    arithmetic.py   + - * / neg ** @, dtype and backend moves
    shape.py        reshape, permute, broadcast_to/sum_to, indexing, cat, pad, sum, mean, max
    elementwise.py  exp, log, sqrt, abs, clamp, sigmoid, tanh, relu, leaky_relu, softplus, where
    conv.py         conv2d, conv_transpose2d, conv2d_weight on im2col/col2im (not re-exported here)
    creation.py     tensor(), zeros, ones, arange, randn, rand (not differentiable ops)
    linear.py       linear, embedding
    dropout.py      dropout
    norm.py         batch_norm
    loss.py         binary_cross_entropy(_with_logits), mse_loss, softmax, log_softmax, nll_loss,
                    cross_entropy
"""

from minigan.ops.arithmetic import (
    add, astype, div, matmul, mul, neg, pow, sub, to_backend,
)
from minigan.ops.creation import (
    arange, empty, empty_like, from_numpy, full, full_like, normal, ones, ones_like, rand,
    rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from minigan.ops.elementwise import (
    abs, clamp, clip, compare, exp, leaky_relu, log, logsigmoid, relu, sigmoid, softplus, sqrt,
    tanh, where,
)
from minigan.ops.shape import (
    amax, amin, argmax, argmin, broadcast_to, cat, concatenate, flatten, getitem, max, mean, min,
    pad, permute, raw_index, reshape, squeeze, stack, sum, sum_to, transpose, unflatten, unsqueeze,
    var,
)
