"""Drawing from a trained generator: G in eval mode (BatchNorm uses its running statistics), no
graph."""

from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import nn


def generate(G: nn.Module, z, labels=None) -> np.ndarray:
    """G(z) (or G(z, labels)) as a NumPy array, with G in eval mode (BatchNorm uses its running
    statistics) and no graph built; G's mode is restored afterwards."""
    was_training = G.training
    G.eval()
    try:
        with mg.no_grad():
            out = G(z) if labels is None else G(z, labels)
    finally:
        G.train(was_training)
    return out.numpy()


def sample(G: nn.Module, n: int, batch_size: int = 500, seed: int | None = None) -> np.ndarray:
    """n samples of G as a NumPy array, drawn with `generate` (eval mode, no graph).

    z ~ N(0, I) of G.latent_dim: from minigan's global generator, or, with `seed`, from a private
    NumPy generator (the global random state is then neither used nor changed: evaluating a run
    does not alter it). A conditional G (one with `num_classes`) gets labels 0, 1, 2, ... cycling.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"sample: n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed) if seed is not None else None
    num_classes = getattr(G, "num_classes", None)
    parts = []
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        z = (mg.randn(size, G.latent_dim) if rng is None
             else mg.tensor(rng.standard_normal((size, G.latent_dim)).astype(np.float32)))
        labels = (None if num_classes is None
                  else mg.tensor(np.arange(start, start + size) % num_classes, dtype=mg.int64))
        parts.append(generate(G, z, labels))
    return np.concatenate(parts)
