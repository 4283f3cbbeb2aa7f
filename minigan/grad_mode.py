"""Grad mode: whether operations on tensors are recorded for differentiation.

    with mg.no_grad(): ...            # evaluation, sampling: no graph is built
    with mg.enable_grad(): ...        # record even inside no_grad()
    with mg.set_grad_enabled(flag): ...

It lives below the Tensor (minigan/tensor.py reads it to refuse unsafe in-place changes) and the
engine (minigan/autograd.py records a node only when it is on, and turns it on while a
create_graph backward runs). The flag is per thread, as in PyTorch.
"""

from __future__ import annotations

import contextlib
import threading

_grad_mode = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for differentiation."""
    return getattr(_grad_mode, "enabled", True)


class _GradMode(contextlib.ContextDecorator):
    """Context manager (and decorator) that turns graph recording on or off."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        self.previous = is_grad_enabled()
        _grad_mode.enabled = self.enabled

    def __exit__(self, *exc):
        _grad_mode.enabled = self.previous


def no_grad():
    """``with mg.no_grad(): ...`` computes without recording a graph (evaluation, sampling)."""
    return _GradMode(False)


def enable_grad():
    """``with mg.enable_grad(): ...`` records a graph even inside no_grad()."""
    return _GradMode(True)


def set_grad_enabled(enabled: bool):
    """``with mg.set_grad_enabled(flag): ...`` records a graph when flag is True."""
    return _GradMode(bool(enabled))
