"""Grad mode: whether operations on tensors are recorded for differentiation.

    with mg.no_grad(): ...            # evaluation, sampling: no graph is built
    with mg.enable_grad(): ...        # record even inside no_grad()
    with mg.set_grad_enabled(flag): ...
    @mg.no_grad                       # each also a decorator (inference_mode is no_grad here)

It lives below the Tensor (minigan/tensor.py reads it to refuse unsafe in-place changes) and the
engine (minigan/autograd.py records a node only when it is on, and turns it on while a
create_graph backward runs). The flag is per thread, as in PyTorch.
"""

from __future__ import annotations

import functools
import threading

class _PerThread(threading.local):
    enabled = True  # each thread starts recording
    # speed: a class default makes reading the flag an attribute lookup (0.06 us); getattr(local,
    # "enabled", True) on a thread that never set it costs 0.4 us, once per op


_grad_mode = _PerThread()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for differentiation."""
    return _grad_mode.enabled


class _GradMode:
    """Context manager and decorator that turns graph recording on or off (and restores it)."""

    def __init__(self, enabled: bool):
        self.enabled = bool(enabled)
        self._previous = []  # a stack: the same object may be entered again while in use

    def __enter__(self):
        self._previous.append(is_grad_enabled())
        _grad_mode.enabled = self.enabled

    def __exit__(self, *exc):
        _grad_mode.enabled = self._previous.pop()

    def __call__(self, func):
        """As a decorator: every call of func runs in this mode."""
        enabled = self.enabled

        @functools.wraps(func)
        def in_mode(*args, **kwargs):
            with _GradMode(enabled):
                return func(*args, **kwargs)
        return in_mode


def no_grad(func=None):
    """``with mg.no_grad(): ...`` computes without recording a graph (evaluation, sampling); also a
    decorator, with or without the parentheses (``@mg.no_grad()``, ``@mg.no_grad``)."""
    return _GradMode(False) if func is None else _GradMode(False)(func)


def enable_grad(func=None):
    """``with mg.enable_grad(): ...`` records a graph even inside no_grad(); also a decorator."""
    return _GradMode(True) if func is None else _GradMode(True)(func)


def inference_mode(mode=True):
    """torch.inference_mode: here the same as no_grad() (``mode=False`` records as usual); also a
    decorator, with or without the parentheses."""
    if callable(mode):
        return _GradMode(False)(mode)
    return _GradMode(not mode)


class set_grad_enabled(_GradMode):
    """``mg.set_grad_enabled(flag)`` turns recording on or off at once, as in PyTorch; used as
    ``with mg.set_grad_enabled(flag): ...`` the previous mode comes back at the end of the block,
    and as a decorator (``@mg.set_grad_enabled(False)``) it applies to each call of the function."""

    def __init__(self, mode: bool):
        super().__init__(mode)
        self._before = is_grad_enabled()
        _grad_mode.enabled = self.enabled

    def __enter__(self):
        self._previous.append(self._before)
        _grad_mode.enabled = self.enabled

    def __call__(self, func):
        _grad_mode.enabled = self._before  # decorating is not a call: leave the mode as it was
        return super().__call__(func)

    def __repr__(self) -> str:
        return f"minigan.grad_mode.set_grad_enabled(mode={self.enabled})"
