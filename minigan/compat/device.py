"""torch.device: ``mg.device("cuda" if mg.cuda.is_available() else "cpu")``.

minigan's devices are its two backends, NumPy ("cpu") and CuPy ("cuda"); a device object is the
device's name as a str, so every place that takes a backend name takes it
(minigan.backend.normalize_backend reads both spellings).
"""

from __future__ import annotations

import numpy as np


class device(str):
    """PyTorch's device object: ``mg.device("cuda" if mg.cuda.is_available() else "cpu")``.

    It is the device's name as a str ("cpu", "cuda", "cuda:0"), so every place that takes a backend
    name takes it (Tensor.to, Module.to, the device= keywords); ``.type`` is "cpu" or "cuda" and
    ``.index`` the number after the colon (None when not given), as in PyTorch.
    """

    def __new__(cls, type, index: int | None = None):
        if isinstance(type, device):
            if index is None:
                return type
            type = type.type
        text = str(type).lower()
        base, colon, number = text.partition(":")
        if base not in ("cpu", "cuda") or (colon and not number.isdigit()):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type!r}")
        if colon and index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was "
                               f"passed explicitly: {type!r}")
        if index is not None:
            if not isinstance(index, (int, np.integer)) or isinstance(index, bool) or index < 0:
                raise RuntimeError(f"device index must be a non-negative integer, got {index!r}")
            number = str(int(index))
        self = super().__new__(cls, f"{base}:{number}" if number else base)
        self._type, self._index = base, (int(number) if number else None)
        return self

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self):
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"

    __hash__ = str.__hash__


Device = device  # the class under a name that parameters called `device` do not hide
