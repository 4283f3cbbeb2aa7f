"""torch.backends.mps (Apple's GPUs): minigan has no MPS backend, so it is never available.

    device = "mps" if mg.backends.mps.is_available() else "cpu"      # -> "cpu"
"""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
