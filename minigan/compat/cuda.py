"""torch.cuda's surface, for PyTorch programs: ``mg.cuda.is_available()`` and the legacy tensor
types ``mg.cuda.FloatTensor`` & co. minigan.cuda (the CUDA kernels) offers these names under
torch.cuda's spelling.

None of it imports CuPy at import time; is_available() tries to, once, and answers False when CuPy
or the GPU is missing.
"""

from __future__ import annotations

from minigan import backend
from minigan.compat.legacy import CUDA_TENSOR_TYPES  # noqa: F401  (mg.cuda.FloatTensor & co)


def is_available() -> bool:
    """True when CuPy imports and sees a CUDA device (the same answer as mg.cuda_available())."""
    return backend.cuda_available()


def device_count() -> int:
    """The number of CUDA devices CuPy sees (0 without CuPy or a GPU). minigan uses the first."""
    if not is_available():
        return 0
    return int(backend._import_cupy().cuda.runtime.getDeviceCount())


def current_device() -> int:
    """The index of the GPU minigan uses: always 0."""
    return 0


def manual_seed(seed: int) -> None:
    """Seed the GPU's random numbers only (the CPU's stream is mg.manual_seed's); harmless without a
    GPU."""
    backend.manual_seed_cuda(seed)


def manual_seed_all(seed: int) -> None:
    """The same as manual_seed: minigan uses one GPU."""
    manual_seed(seed)


def synchronize() -> None:
    """Wait for the GPU to finish its queued work (nothing to wait for without one)."""
    if backend.cupy_loaded() and is_available():
        backend._import_cupy().cuda.Device().synchronize()
