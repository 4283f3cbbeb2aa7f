"""minigan: generative adversarial networks from first principles.

    import minigan as mg
    x = mg.randn(3, requires_grad=True)
    (x ** 3).sum().backward()
    x.grad                          # 3 * x ** 2

The layers come in order: backend -> autograd -> ops -> functional / nn / optim -> datasets -> gan.
`minigan.gan` (training) and `minigan.cuda` (GPU kernels) are imported when first used.
"""

import numpy as np

from minigan.autograd import (
    Context, Function, Tensor, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled,
)
from minigan.backend import (
    cuda_available, get_array_module, get_backend, get_default_dtype, get_num_threads, get_rng_state,
    manual_seed, set_backend, set_default_dtype, set_num_threads, set_rng_state,
)
from minigan.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigan.ops import (
    abs, amax, amin, arange, argmax, argmin, broadcast_to, cat, clamp, clip, concatenate, empty,
    exp, flatten, full, log, logsigmoid, matmul, max, mean, min, ones, ones_like, pad, permute,
    rand, rand_like, randint, randn, randn_like, relu, reshape, sigmoid, softplus, sqrt, squeeze,
    stack, sum, sum_to, tanh, tensor, transpose, unsqueeze, var, where, zeros, zeros_like,
)
from minigan.serialization import load, save
from minigan import functional, nn, optim, datasets  # noqa: E402  (built on everything above)

float32 = np.float32
float64 = np.float64
int64 = np.int64

__version__ = "0.1.0"
