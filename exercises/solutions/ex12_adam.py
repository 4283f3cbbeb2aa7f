"""Exercise 12 (lesson 6), reference solution: one Adam step."""

import minigan as mg


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update on raw arrays; returns new (param, exp_avg, exp_avg_sq), inputs untouched.

    step is this update's number t, counted from 1:
        m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
        param = param - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """
    xp = mg.get_array_module(param)
    beta1, beta2 = betas
    m = beta1 * exp_avg + (1 - beta1) * grad
    v = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    denom = xp.sqrt(v) / (1 - beta2 ** step) ** 0.5 + eps
    return param - lr / (1 - beta1 ** step) * m / denom, m, v
