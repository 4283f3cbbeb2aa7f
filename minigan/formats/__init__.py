"""Other libraries' weight files, read (and, for safetensors, written) without pickle's dangers.

    safetensors.py   .safetensors: a JSON header + raw little-endian arrays (read and write)
    pytorch.py       PyTorch's torch.save zip files (.pth/.pt): read through an allow-listed
                     unpickler that can only rebuild tensors and plain containers

mg.save / mg.load (minigan/serialization.py) call these: a path ending in ".safetensors" is a
safetensors file; a zip archive holding "<name>/data.pkl" is a PyTorch file; everything else is
minigan's own .npz checkpoint.
"""

from __future__ import annotations

import os
import zipfile


def is_safetensors_path(path) -> bool:
    return os.fspath(path).lower().endswith(".safetensors")


def is_pytorch_file(path) -> bool:
    """Whether `path` is a zip archive written by torch.save (it holds '<folder>/data.pkl')."""
    try:
        with open(path, "rb") as file:
            if file.read(4) != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith("data.pkl") and name.count("/") == 1
                       for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
