"""Exercise 12 (lesson 6): one step of Adam, on raw arrays.

    adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        -> (new_param, new_exp_avg, new_exp_avg_sq)

step t counts this parameter's updates from 1. With g = grad, m = exp_avg, v = exp_avg_sq:
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    param = param - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
(eps added after the bias correction, as PyTorch does). Return new arrays; do not modify the
inputs in place.
Grade it: pytest -m ex_adam.  Hints: HINTS.md, exercise 12.
"""

import minigan as mg


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    raise NotImplementedError("Exercise 12: write adam_step")
