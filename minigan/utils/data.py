"""torch.utils.data: Dataset, TensorDataset, DataLoader, with PyTorch's contract (minigan's one
DataLoader: minigan.datasets.DataLoader is this one, and the GAN Trainer checkpoints its position).

    from minigan.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, drop_last=True)
    for X_batch, y_batch in loader:      # each batch is a list [X_batch, y_batch] of tensors
        ...

A DataLoader draws indices from a sampler (in order, or a random permutation each epoch), groups
them into batches, fetches ``dataset[i]`` for each and *collates* the samples into one batch:

    samples                              batch
    tensors / NumPy arrays of shape S    one tensor of shape (B, *S)  (stacked)
    NumPy scalars                        a tensor of shape (B,) of their dtype
    Python ints / floats / bools         a tensor of shape (B,): int64 / float64 / bool
    tuples or lists of fields            a list with one collated batch per field
    dicts                                a dict with one collated batch per key
    strings                              the strings as they came (a list, or a tuple per field)

Batches are on the current backend: CPU tensors, as in PyTorch, unless mg.set_backend("cupy")
(move them with ``.to(device)``). Datasets that keep their samples as arrays of N rows
(TensorDataset; minigan's ImageDataset and ToyDataset, through their ``arrays``) are batched with
one fancy index per array, without a Python loop over samples. ``num_workers``, ``pin_memory``,
``persistent_workers``, ``prefetch_factor`` and ``timeout`` are accepted and ignored on purpose:
minigan loads in the main process, which keeps the code simple and the order of random numbers
reproducible.

Shuffling: each epoch's order is a permutation drawn by a NumPy generator seeded with that epoch's
seed, one number drawn when the epoch starts from ``generator=`` (an mg.Generator) or minigan's
global generator (so ``mg.manual_seed(n)`` reproduces the order), or, with minigan's ``seed=s``,
derived from (s, epoch number) alone.

Resuming (minigan's addition, what the GAN Trainer checkpoints): ``loader.state_dict()`` is three
integers (epochs started, the current epoch's seed, batches of it handed out); after building the
same loader again, ``loader.load_state_dict(state)`` makes the next ``for batch in loader`` continue
the interrupted epoch in the same order from the next batch, and later epochs are the ones the
uninterrupted run would have seen. (Without ``seed`` later epochs also depend on the global
generator: restore it with mg.set_rng_state, as the Trainer does. With a sampler of your own, the
next epoch starts at its batch count but in the sampler's new order.)
"""

from __future__ import annotations

import math

import numpy as np

from minigan import backend
from minigan.tensor import Tensor

__all__ = ["BatchSampler", "DataLoader", "Dataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "TensorDataset", "default_collate", "default_convert",
           "random_split"]


class Dataset:
    """Base class of map-style datasets: subclass it and define __getitem__(i) and __len__()."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are rows of tensors of equal first dimension: dataset[i] == (t[i] for t in
    tensors)."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for t in tensors:
            if not hasattr(t, "shape") or len(t.shape) == 0:
                raise TypeError(f"TensorDataset expects tensors with a first dimension, got {t!r}")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"Size mismatch between tensors: first dimensions {sizes}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(_rows(t, index) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


def _rows(t, index):
    """Row(s) `index` of a tensor (a new Tensor, not recorded for autograd) or of an array."""
    if isinstance(t, Tensor):
        return Tensor(t.array[index])
    return t[index]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset, lengths, generator=None) -> list:
    """Split into non-overlapping Subsets of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    if all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1.0):
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):  # hand out the remainder round-robin, as PyTorch does
            counts[i % len(counts)] += 1
    else:
        counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ValueError(f"Sum of input lengths {sum(counts)} does not equal the length of the "
                         f"input dataset {n}")
    order = _permutation(n, generator)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, order[a:b].tolist()) for a, b in zip(bounds[:-1], bounds[1:])]


def _permutation(n: int, generator) -> np.ndarray:
    """A random order of range(n), from `generator`'s stream or minigan's global one."""
    rng = backend.generator_for(generator, "numpy")
    return rng.permutation(n)


def _epoch_order(n: int, epoch_seed: int) -> np.ndarray:
    """The visiting order of one epoch: a permutation of range(n) that follows from its seed."""
    return np.random.default_rng(epoch_seed).permutation(n)


# ----------------------------------------------------------------------------- samplers


class Sampler:
    """Base class: an iterable of dataset indices."""

    def __iter__(self):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random permutation of the indices each time it is iterated (each epoch), from a seed
    drawn from `generator` (or minigan's global generator), or the seed a DataLoader sets in
    `epoch_seed` before iterating it."""

    def __init__(self, data_source, replacement: bool = False, num_samples=None, generator=None):
        if replacement or num_samples is not None:
            raise NotImplementedError("RandomSampler: minigan samples without replacement, "
                                      "all of the data (replacement=False, num_samples=None)")
        self.data_source, self.generator = data_source, generator
        self.epoch_seed = None  # the next iteration's seed, when a DataLoader chose it

    def __iter__(self):
        seed, self.epoch_seed = self.epoch_seed, None
        if seed is None:
            seed = int(backend.generator_for(self.generator, "numpy").integers(2**63 - 1))
        return iter(_epoch_order(len(self.data_source), seed).tolist())

    def __len__(self) -> int:
        return len(self.data_source)


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last shorter unless
    drop_last)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
                or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), bool(drop_last)

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


# ----------------------------------------------------------------------------- collation


def default_convert(sample):
    """What batch_size=None hands out: a sample with its NumPy arrays turned into tensors."""
    if isinstance(sample, np.ndarray):
        return Tensor(sample)
    if isinstance(sample, dict):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return [default_convert(v) for v in sample]
    return sample


def default_collate(samples: list):
    """Merge a list of samples into one batch (the table in the module docstring)."""
    first = samples[0]
    if isinstance(first, Tensor):
        xp = backend.get_array_module(first.array)
        return Tensor(xp.stack([s.array for s in samples]))
    if isinstance(first, (np.ndarray, np.generic)):  # NumPy scalars keep their dtype, as in PyTorch
        return Tensor(backend.to_backend(np.stack(samples), backend.get_backend()))
    if isinstance(first, bool):
        return Tensor(np.array(samples, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor(np.array(samples, dtype=np.int64))
    if isinstance(first, float):
        return Tensor(np.array(samples, dtype=np.float64))
    if isinstance(first, str):
        return samples
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(column) for column in zip(*samples)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple stays one
            return type(first)(*fields)
        return fields
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {type(first).__name__}")


# ----------------------------------------------------------------------------- the loader


class DataLoader:
    """Iterate over `dataset` in collated batches (PyTorch's DataLoader, in the main process).

    Args:
        dataset: an object with __len__ and __getitem__(int) (a Dataset, TensorDataset, minigan's
            ImageDataset or ToyDataset, a list...).
        batch_size: samples per batch (1 by default, as in PyTorch); None: no batching.
        shuffle: a new random order every epoch (a RandomSampler).
        sampler: an iterable of indices instead of shuffle; batch_sampler: of lists of indices.
        collate_fn: merges a list of samples into a batch (default_collate).
        drop_last: drop the last batch when it has fewer than batch_size samples.
        generator: the mg.Generator to shuffle with (default: minigan's global generator).
        seed: minigan's: each epoch's order follows from (seed, epoch) alone (None: from generator).
        num_workers, pin_memory, timeout, worker_init_fn, prefetch_factor, persistent_workers:
            accepted and ignored (see the module docstring).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order=True,
                 seed: int | None = None):
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)
                                 or seed < 0):
            raise ValueError("DataLoader: seed must be None or a non-negative integer, got "
                             f"{seed!r}")
        self.dataset = dataset
        self.num_workers, self.pin_memory, self.generator = int(num_workers), pin_memory, generator
        self.seed = None if seed is None else int(seed)
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self.epoch = 0            # epochs started so far
        self._epoch_seed = -1     # seed of the current epoch's order (-1: not shuffled / none yet)
        self._batch = 0           # batches of the current epoch handed out so far
        self._resume = False      # set by load_state_dict: the next iteration continues an epoch

    def __iter__(self):
        if self._resume:
            self._resume = False
        else:
            self._epoch_seed = self._next_epoch_seed()
            self.epoch += 1
            self._batch = 0
        if isinstance(self.sampler, RandomSampler):
            self.sampler.epoch_seed = self._epoch_seed
        return self._batches(self._batch)

    def _next_epoch_seed(self) -> int:
        """One number from which this epoch's order follows (-1: no shuffling of ours)."""
        if not isinstance(self.sampler, RandomSampler):
            return -1
        if self.seed is not None:
            return int(np.random.default_rng([self.seed, self.epoch]).integers(2**63 - 1))
        return int(backend.generator_for(self.generator, "numpy").integers(2**63 - 1))

    def _batches(self, start: int):
        if self.batch_sampler is None:          # batch_size=None: one sample at a time
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        fetch = _batch_fetcher(self.dataset) if self.collate_fn is default_collate else None
        for b, indices in enumerate(self.batch_sampler):
            if b < start:
                continue  # handed out before the checkpoint this loader was restored from
            self._batch = b + 1
            if fetch is not None:
                yield fetch(indices)
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        """Batches per epoch."""
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    # -- checkpoints ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Where the shuffling stands: {"epoch", "epoch_seed", "batch"} (integers)."""
        return {"epoch": self.epoch, "epoch_seed": self._epoch_seed, "batch": self._batch}

    def load_state_dict(self, state: dict) -> None:
        """Restore state_dict(): the next iteration resumes an interrupted epoch where it
        stopped. ValueError (nothing changed) unless `state` is one this loader could have
        written."""
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
        shuffled = isinstance(self.sampler, RandomSampler)
        if shuffled and state["epoch"] > 0 and state["epoch_seed"] < 0:
            raise ValueError(f"DataLoader.load_state_dict: a shuffled epoch has a seed >= 0, got "
                             f"'epoch_seed' {state['epoch_seed']} in epoch {state['epoch']}")
        self.epoch = int(state["epoch"])
        self._epoch_seed = int(state["epoch_seed"])
        self._batch = int(state["batch"])
        self._resume = self.epoch > 0 and 0 < self._batch < len(self)

    def __repr__(self) -> str:
        return f"<minigan.utils.data.DataLoader batch_size={self.batch_size} of {self.dataset!r}>"


def _batch_fetcher(dataset):
    """For datasets that keep their samples as arrays of N rows (a TensorDataset; an object with
    an `arrays` tuple, such as ImageDataset and ToyDataset), fetch a whole batch with one fancy
    index per array (no loop over samples); gives what default_collate of the single samples
    gives. None for other datasets."""
    if type(dataset) is TensorDataset:
        fields, as_list = dataset.tensors, True
    elif isinstance(getattr(dataset, "arrays", None), tuple):
        fields, as_list = dataset.arrays, len(dataset.arrays) > 1
    else:
        return None

    def fetch(indices):
        rows = np.asarray(indices, dtype=np.int64)
        batch = []
        for t in fields:
            if isinstance(t, Tensor):   # index a CuPy array with a CuPy index array
                batch.append(_rows(t, backend.get_array_module(t.array).asarray(rows)))
            else:
                batch.append(Tensor(backend.to_backend(np.asarray(t)[rows], backend.get_backend())))
        return batch if as_list else batch[0]

    return fetch
