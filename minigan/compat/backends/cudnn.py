"""torch.backends.cudnn's flags: ``cudnn.benchmark = True`` and ``cudnn.deterministic = True`` are
accepted and have no effect (minigan does not use cuDNN; see
minigan/compat/backends/__init__.py)."""

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    """False: minigan never calls cuDNN (even on a GPU)."""
    return False
