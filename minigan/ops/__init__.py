"""Every differentiable op, one Function subclass each, grouped by family.

    arithmetic.py   + - * / neg ** @, dtype and backend moves
    shape.py        reshape, permute, broadcast_to/sum_to/expand, indexing, cat, sum, mean, max,
                    var/std, repeat, flip, chunk/split, clone
    padding.py      pad: constant, reflect, replicate, circular
    elementwise.py  exp, log, sqrt, abs, clamp, sigmoid, tanh, relu, leaky_relu, prelu, softplus, where
    conv.py         conv2d, conv_transpose2d, conv2d_weight on im2col/col2im (not re-exported here)
    creation.py     tensor(), zeros, ones, arange, randn, rand (not differentiable ops)
    linear.py       linear, embedding
    dropout.py      dropout
    norm.py         batch_norm; instance_norm, group_norm, layer_norm built on it
    pooling.py      avg_pool2d, max_pool2d, adaptive_avg_pool2d (not re-exported here)
    pixel_shuffle.py  pixel_shuffle, pixel_unshuffle (not re-exported here)
    loss.py         binary_cross_entropy(_with_logits), mse_loss, softmax, log_softmax, nll_loss,
                    cross_entropy
"""

from minigan.ops.arithmetic import (
    add, astype, div, lerp, matmul, mul, neg, pow, sub, to_backend,
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
    amax, amin, argmax, argmin, broadcast_to, cat, chunk, clone, concatenate, contiguous, expand,
    flatten, flip, getitem, max, mean, min, permute, raw_index, repeat, reshape, split, squeeze,
    stack, std, sum, sum_to, transpose, unflatten, unsqueeze, var,
)
from minigan.ops.padding import pad
