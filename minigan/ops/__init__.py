"""Every differentiable op, one Function subclass each, grouped by family.

    arithmetic.py   + - * / // % neg ** @ einsum, bitwise, lerp, dtype and backend moves
    shape.py        reshape, permute, broadcast_to/sum_to/expand, indexing (gather, scatter ...),
                    cat, sum, mean, max, var/std, all/any, repeat, flip, chunk/split, clone
    padding.py      pad: constant, reflect, replicate, circular
    elementwise.py  exp, log, sqrt, abs, clamp, sigmoid, tanh, relu, leaky_relu, elu, prelu,
                    softplus, where, maximum/minimum, comparisons
    conv.py         conv2d, conv_transpose2d, conv2d_weight on im2col/col2im (not re-exported here)
    creation.py     tensor(), as_tensor, zeros, ones, arange, linspace, eye, randn, rand (not
                    differentiable ops)
    linear.py       linear, embedding
    dropout.py      dropout
    norm.py         batch_norm; instance_norm, group_norm, layer_norm built on it
    pooling.py      avg_pool2d, max_pool2d, adaptive_avg_pool2d (not re-exported here)
    pixel_shuffle.py  pixel_shuffle, pixel_unshuffle (not re-exported here)
    loss.py         binary_cross_entropy(_with_logits), mse_loss, softmax, log_softmax, nll_loss,
                    cross_entropy
"""

from minigan.ops.arithmetic import (
    add, astype, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, div, einsum, floor_divide,
    lerp, logical_and, logical_not, logical_or, logical_xor, matmul, mul, neg, pow, remainder, sub,
    to_backend,
)
from minigan.ops.creation import (
    arange, as_tensor, asarray, empty, empty_like, eye, from_numpy, full, full_like, linspace,
    normal, ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros,
    zeros_like,
)
from minigan.ops.elementwise import (
    abs, allclose, clamp, clip, compare, elu, eq, equal, exp, floating, ge, gt, hardtanh, isclose,
    le, leaky_relu, log, log1p, logsigmoid, lt, maximum, minimum, ne, nonzero, relu, relu6, rsqrt,
    sigmoid, sign, softplus, sqrt, square, tanh, where,
)
from minigan.ops.shape import (
    all_, amax, amin, any_, argmax, argmin, broadcast_to, cat, chunk, clone, concatenate,
    contiguous, expand, flatten, flip, gather, getitem, index_select, masked_fill, max, mean, min,
    narrow, permute, raw_index, repeat, reshape, roll, scatter, scatter_add, split, squeeze, stack,
    std, sum, sum_to, t, transpose, unflatten, unsqueeze, var,
)
from minigan.ops.padding import pad
