"""Gradient clipping by norm (applied between backward() and the optimizer step)."""

from __future__ import annotations

import numpy as np

from minigan.autograd import Tensor
from minigan.backend import get_array_module


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint norm is at most max_norm; returns that norm.

    total_norm = || (||g_1||_p, ||g_2||_p, ...) ||_p   (the p-norm of all gradients seen as one
                                                       vector; p = inf: the largest absolute value)
    every g_i is multiplied in place by min(1, max_norm / (total_norm + 1e-6)).

    parameters: a Tensor or an iterable of Tensors (those without .grad are skipped).
    Returns total_norm, measured before clipping, as a 0-d Tensor.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad.array for p in parameters if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    xp = get_array_module(grads[0])
    norms = xp.stack([xp.linalg.norm(g.reshape(-1), ord=norm_type) for g in grads])
    total_norm = xp.linalg.norm(norms, ord=norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total_norm)):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{float(total_norm)}, so "
            "they cannot be clipped; set error_if_nonfinite=False to clip anyway"
        )
    clip_coef = min(max_norm / (float(total_norm) + 1e-6), 1.0)
    for g in grads:
        g *= g.dtype.type(clip_coef)
    return Tensor(xp.asarray(total_norm))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clip every gradient element, in place, to [-clip_value, clip_value].

    parameters: a Tensor or an iterable of Tensors (those without .grad are skipped).
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            xp = get_array_module(p.grad.array)
            xp.clip(p.grad.array, -clip_value, clip_value, out=p.grad.array)
