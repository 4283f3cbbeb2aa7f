"""The one switch between every op's reference code and its faster paths.

Every op in minigan/ops/ is a Function whose ``forward`` and ``backward`` are its reference: they
read like the formula, and backward is written in Tensor ops so that it can be differentiated again.
Where a measurement justified it, a Function also has a faster path beside its reference, in a
section marked "speed" that gives the measurement:

    fast_forward(ctx, *arrays, **options)   same arguments and result as forward, computed faster
    fast_backward(ctx, *grads)              same result as backward, computed faster

With the switch on (the default), Function.apply runs fast_forward where there is one, and the graph
walk runs fast_backward for a node whose forward ran with the switch on. A fast_backward that works
on raw arrays (no graph) starts with ``if ctx.create_graph: return Op.backward(ctx, *grads)``: a
recorded backward (create_graph=True, second derivatives) must be the Tensor-op reference, which
can be differentiated again. Most are written once, as the backward's formula on arrays, and
decorated with ``@backward_on_arrays`` (minigan/autograd.py), which adds that line: the elementary
ops' (Mul, Tanh, Reshape, Mean, ...) give the reference's numbers bit for bit, without an op call
and a graph node for each operation of their backward. With the switch off, every op runs its
reference code:

    mg.use_fast_paths(False)           # from now on
    with mg.fast_paths(False): ...     # inside the block only (also a decorator)
    MINIGAN_REFERENCE_OPS=1 python ... # for a whole process

Both give the same numbers up to floating-point rounding; tests/test_fast_paths.py checks every
fast path against its reference, and the op tests run on both. (On a GPU, which kernels run for the
matrix products and im2col is a separate choice: minigan.cuda.use_own_kernels.)
"""

from __future__ import annotations

import contextlib
import os

_state = {"enabled": os.environ.get("MINIGAN_REFERENCE_OPS", "").strip().lower()
          not in ("1", "true", "yes", "on")}


def use_fast_paths(flag: bool) -> None:
    """True (the default): ops use their fast paths; False: every op runs its reference code."""
    if not isinstance(flag, bool):
        raise TypeError(f"use_fast_paths expects True or False, got {flag!r}")
    _state["enabled"] = flag


def fast_paths_enabled() -> bool:
    """Whether ops use their fast paths (see use_fast_paths)."""
    return _state["enabled"]


class fast_paths(contextlib.ContextDecorator):
    """``with mg.fast_paths(False): ...`` runs the block on the reference code (True: fast paths);
    the previous setting is restored afterwards."""

    def __init__(self, enabled: bool):
        if not isinstance(enabled, bool):
            raise TypeError(f"fast_paths expects True or False, got {enabled!r}")
        self.enabled = enabled

    def __enter__(self):
        self.previous = _state["enabled"]
        _state["enabled"] = self.enabled

    def __exit__(self, *exc):
        _state["enabled"] = self.previous
