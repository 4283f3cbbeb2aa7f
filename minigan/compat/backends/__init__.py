"""torch.backends' flags, accepted so that PyTorch programs run: ``import minigan.backends.cudnn as
cudnn``; ``mg.backends.mps.is_available()`` is False (imported when first asked for).

minigan has no cuDNN: its GPU convolutions are its own kernels (minigan/cuda/), and on the CPU and
the GPU it always runs the same algorithm for the same shapes, so runs are already deterministic
(for a fixed seed and backend). The flags are therefore stored and have no effect.
"""

import importlib
import sys

from minigan.compat.backends import cudnn  # noqa: F401

_flags = {"deterministic_algorithms": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """torch.use_deterministic_algorithms: accepted and recorded; minigan's algorithms always
    are."""
    _flags["deterministic_algorithms"] = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    return _flags["deterministic_algorithms"]


def __getattr__(name):
    """backends.mps, imported the first time it is asked for (also as minigan.backends.mps)."""
    if name != "mps":
        raise AttributeError(f"module 'minigan.backends' has no attribute {name!r}")
    module = importlib.import_module("minigan.compat.backends.mps")
    sys.modules.setdefault("minigan.backends.mps", module)
    return module
