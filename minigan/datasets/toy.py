"""2-D toy mixtures of Gaussians: the classic test of whether a GAN covers every mode.

"ring": 8 Gaussians evenly spaced on a circle of radius 2, std 0.02.
"grid": 25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05.

Each mode has the same weight; a point is its mode's centre plus std * N(0, I). A generator that
"mode-collapses" puts its samples near a few of the centres only, which a scatter plot shows at
once.
"""

from __future__ import annotations

import numpy as np

from minigan import backend

TOY_NAMES = ("ring", "grid")


class ToyMixture:
    """An equal-weight mixture of isotropic 2-D Gaussians.

    Attributes:
        name: "ring" or "grid".
        centers: (K, 2) float64, the mode centres.
        std: the standard deviation of every mode (in each coordinate).
    """

    def __init__(self, name: str):
        if name == "ring":
            angles = 2 * np.pi * np.arange(8) / 8
            centers, std = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.02
        elif name == "grid":
            xs, ys = np.meshgrid(np.arange(-4.0, 5.0, 2.0), np.arange(-4.0, 5.0, 2.0),
                                 indexing="ij")
            centers, std = np.stack([xs.ravel(), ys.ravel()], axis=1), 0.05
        else:
            raise ValueError(f"ToyMixture: name must be one of {TOY_NAMES}, got {name!r}")
        self.name = name
        self.centers = centers
        self.std = std

    def sample(self, n: int, generator: np.random.Generator | None = None) -> np.ndarray:
        """n points, (n, 2) float32: a uniformly chosen centre + std * N(0, I).

        Draws from minigan's NumPy generator (seeded by mg.manual_seed) unless `generator` is given.
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"ToyMixture.sample: n must be a non-negative integer, got {n!r}")
        generator = backend.generator("numpy") if generator is None else generator
        modes = generator.integers(0, len(self.centers), size=n)
        noise = generator.standard_normal((n, 2))
        return (self.centers[modes] + self.std * noise).astype(np.float32)

    def __repr__(self) -> str:
        return f"ToyMixture({self.name!r}: {len(self.centers)} modes, std {self.std})"


class ToyDataset:
    """A fixed set of points drawn from a ToyMixture.

    Attributes:
        points: (N, 2) float32.
        mixture: the ToyMixture they came from (centres and std, for plots and metrics).
        arrays: (points,): what a DataLoader batches (it yields one tensor of points per batch).
    """

    def __init__(self, mixture: ToyMixture, n: int = 100_000):
        self.mixture = mixture
        self.points = mixture.sample(n)
        self.name = mixture.name

    @property
    def arrays(self) -> tuple:
        return (self.points,)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index):
        return self.points[index]

    def __repr__(self) -> str:
        return f"ToyDataset({self.name!r}, {len(self)} points)"
