"""torch.accelerator, minimal: which accelerator minigan can use (a CUDA GPU through CuPy, or none).

    device = mg.accelerator.current_accelerator() if mg.accelerator.is_available() else "cpu"
"""

from __future__ import annotations

from minigan import backend
from minigan.compat.device import device


def is_available() -> bool:
    """True when a CUDA GPU is usable (mg.cuda_available())."""
    return backend.cuda_available()


def current_accelerator(check_available: bool = False):
    """mg.device("cuda") when a GPU is usable, else None (PyTorch's answer on a CPU-only
    machine)."""
    return device("cuda") if backend.cuda_available() else None


def device_count() -> int:
    """How many accelerators minigan can see (0 or the number of CUDA devices)."""
    from minigan.compat.cuda import device_count

    return device_count()
