"""Other libraries' weight files, read and written without pickle's dangers.

    safetensors.py      .safetensors: a JSON header + raw little-endian arrays (read and write)
    pytorch.py          PyTorch's torch.save zip files (.pth/.pt): read through an allow-listed
                        unpickler that can only rebuild tensors and plain containers
    pytorch_write.py    the same files written, with only the globals that PyTorch's
                        torch.load(weights_only=True) allows

mg.save / mg.load (minigan/serialization.py) call these: a path ending in ".safetensors" is a
safetensors file; mg.save to a path ending in ".pt", ".pth" or ".pth.tar" writes PyTorch's format,
and mg.load reads any zip archive holding "<name>/data.pkl" as a PyTorch file; everything else is
minigan's own .npz checkpoint.
"""

from __future__ import annotations

import os
import zipfile


def is_safetensors_path(path) -> bool:
    return os.fspath(path).lower().endswith(".safetensors")


def is_pytorch_file(file) -> bool:
    """Whether the open binary `file` is a zip archive written by torch.save (it holds
    '<folder>/data.pkl'). Only the archive's directory is read; the file is left at its start."""
    try:
        if file.read(4) != b"PK\x03\x04":
            return False
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            return any(name.endswith("data.pkl") and name.count("/") == 1
                       for name in archive.namelist())
    except Exception:  # not a zip we can read: the caller's own format check reports the damage
        return False
    finally:
        file.seek(0)
