"""DataLoader: a dataset in mini-batches of tensors, shuffled anew each epoch.

    loader = DataLoader(load_dataset("fashion-mnist"), batch_size=64, shuffle=True)
    for epoch in range(5):
        for images, labels in loader:     # images: (64, 1, 28, 28) float32, labels: (64,) int64
            ...

Shuffling: each epoch's order is a permutation drawn by a NumPy generator seeded with that epoch's
seed. With `seed=s` the epoch seeds follow from (s, epoch number) alone; with `seed=None` each is
drawn from minigan's global generator when the epoch starts, so `mg.manual_seed(n)` reproduces
the whole run.

Resuming from a checkpoint: save `loader.state_dict()` (the number of epochs started, the current
epoch's seed and how many of its batches were handed out: three integers) and, after building the
same loader again, `loader.load_state_dict(state)`. The next `for batch in loader` then continues
the interrupted epoch with the same order from the next batch, and later epochs are the ones the
uninterrupted run would have seen. (With `seed=None` later epochs also depend on the global
generator: restore it with mg.set_rng_state, as the Trainer does.)
"""

from __future__ import annotations

import math

import numpy as np

from minigan import backend
from minigan.autograd import Tensor


class DataLoader:
    """Iterate over `dataset` in batches of tensors on the current backend (mg.set_backend).

    Args:
        dataset: an ImageDataset (batches are (images, labels)), a ToyDataset (batches are
            points), or any object with __len__ and __getitem__(int) returning an array or a tuple
            of arrays. Datasets with an `arrays` attribute (a tuple of arrays of N rows) are
            batched by fancy indexing, without a Python loop over samples.
        batch_size: samples per batch; the last batch is smaller unless drop_last.
        shuffle: visit the samples in a new random order every epoch.
        drop_last: drop the last batch when it has fewer than batch_size samples.
        seed: seed of the shuffling (None: draw from minigan's global generator each epoch).
    """

    def __init__(self, dataset, batch_size: int = 64, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)
                                 or seed < 0):
            raise ValueError(f"DataLoader: seed must be None or a non-negative integer, got {seed!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = None if seed is None else int(seed)
        self.epoch = 0            # epochs started so far
        self._epoch_seed = -1     # seed of the current epoch's order (-1: not shuffled / none yet)
        self._batch = 0           # batches of the current epoch handed out so far
        self._resume = False      # set by load_state_dict: the next iteration continues an epoch

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        if self._resume:
            self._resume = False
            start = self._batch
        else:
            self._epoch_seed = self._next_epoch_seed()
            self.epoch += 1
            self._batch = start = 0
        return self._batches(self._order(self._epoch_seed), start)

    def _next_epoch_seed(self) -> int:
        if not self.shuffle:
            return -1
        if self.seed is not None:
            return int(np.random.default_rng([self.seed, self.epoch]).integers(2**63 - 1))
        return int(backend.generator("numpy").integers(2**63 - 1))

    def _order(self, epoch_seed: int) -> np.ndarray:
        """The sample indices of an epoch, in visiting order."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng(epoch_seed).permutation(n)

    def _batches(self, order: np.ndarray, start: int):
        for b in range(start, len(self)):
            indices = order[b * self.batch_size:(b + 1) * self.batch_size]
            self._batch = b + 1
            yield self._collate(indices)

    def _collate(self, indices: np.ndarray):
        """One batch: a Tensor per field of the dataset (a lone Tensor when it has one field)."""
        if hasattr(self.dataset, "arrays"):
            fields = [array[indices] for array in self.dataset.arrays]
        else:
            items = [self.dataset[int(i)] for i in indices]
            if isinstance(items[0], tuple):
                fields = [np.stack([np.asarray(item[k]) for item in items])
                          for k in range(len(items[0]))]
            else:
                fields = [np.stack([np.asarray(item) for item in items])]
        name = backend.get_backend()
        tensors = tuple(Tensor(backend.to_backend(field, name)) for field in fields)
        return tensors[0] if len(tensors) == 1 else tensors

    # -- checkpoints ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Where the shuffling stands: {"epoch", "epoch_seed", "batch"} (integers)."""
        return {"epoch": self.epoch, "epoch_seed": self._epoch_seed, "batch": self._batch}

    def load_state_dict(self, state: dict) -> None:
        """Restore state_dict(): the next iteration resumes an interrupted epoch where it stopped.
        ValueError (nothing changed) unless `state` is one this loader could have written."""
        keys = {"epoch", "epoch_seed", "batch"}
        if not isinstance(state, dict) or set(state) != keys:
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"DataLoader.load_state_dict: expected the keys {sorted(keys)}, "
                             f"got {got}")
        for key, low, high in (("epoch", 0, 2**63 - 1), ("epoch_seed", -1, 2**63 - 1),
                               ("batch", 0, len(self))):
            value = state[key]
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or \
                    not low <= value <= high:
                raise ValueError(f"DataLoader.load_state_dict: {key!r} must be an integer in "
                                 f"[{low}, {high}], got {value!r}")
        if self.shuffle and state["epoch"] > 0 and state["epoch_seed"] < 0:
            raise ValueError(f"DataLoader.load_state_dict: a shuffled epoch has a seed >= 0, got "
                             f"'epoch_seed' {state['epoch_seed']} in epoch {state['epoch']}")
        self.epoch = int(state["epoch"])
        self._epoch_seed = int(state["epoch_seed"])
        self._batch = int(state["batch"])
        self._resume = self.epoch > 0 and 0 < self._batch < len(self)

    def __repr__(self) -> str:
        return (f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})")
