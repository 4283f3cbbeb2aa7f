"""torch.utils.data: Dataset, TensorDataset, DataLoader, with PyTorch's contract.

    from minigan.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, drop_last=True)
    for X_batch, y_batch in loader:      # each batch is a list [X_batch, y_batch] of tensors
        ...

A DataLoader draws indices from a sampler (in order, or a random permutation each epoch), groups
them into batches, fetches ``dataset[i]`` for each and *collates* the samples into one batch:

    samples                              batch
    tensors / NumPy arrays of shape S    one tensor of shape (B, *S)  (stacked)
    Python ints / floats / bools         a tensor of shape (B,): int64 / float64 / bool
    tuples or lists of fields            a list with one collated batch per field
    dicts                                a dict with one collated batch per key
    strings                              the strings as they came (a list, or a tuple per field)

Batches are CPU tensors, as in PyTorch (move them with ``.to(device)``). ``num_workers``,
``pin_memory``, ``persistent_workers``, ``prefetch_factor`` and ``timeout`` are accepted and
ignored on purpose: minigan loads in the main process, which keeps the code simple and the order
of random numbers reproducible.

Shuffling uses ``generator=`` (an mg.Generator) when given, else one number drawn from minigan's
global generator each epoch, so ``mg.manual_seed(n)`` reproduces the order. minigan's Trainer uses
its own resumable loader, minigan/datasets/loader.py, whose position can be checkpointed.
"""

from __future__ import annotations

import math

import numpy as np

from minigan import backend
from minigan.autograd import Tensor

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
    """Samples are rows of tensors of equal first dimension: dataset[i] == (t[i] for t in tensors)."""

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
    """A new random permutation of the indices each time it is iterated (each epoch)."""

    def __init__(self, data_source, replacement: bool = False, num_samples=None, generator=None):
        if replacement or num_samples is not None:
            raise NotImplementedError("RandomSampler: minigan samples without replacement, "
                                      "all of the data (replacement=False, num_samples=None)")
        self.data_source, self.generator = data_source, generator

    def __iter__(self):
        return iter(_permutation(len(self.data_source), self.generator).tolist())

    def __len__(self) -> int:
        return len(self.data_source)


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last shorter unless drop_last)."""

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
    if isinstance(first, np.ndarray):
        return Tensor(np.stack(samples))
    if isinstance(first, (bool, np.bool_)):
        return Tensor(np.array(samples, dtype=np.bool_))
    if isinstance(first, (int, np.integer)):
        return Tensor(np.array(samples, dtype=np.int64))
    if isinstance(first, (float, np.floating)):
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
        dataset: an object with __len__ and __getitem__(int) (a Dataset, TensorDataset, a list...).
        batch_size: samples per batch (1 by default, as in PyTorch); None: no batching.
        shuffle: a new random order every epoch (a RandomSampler).
        sampler: an iterable of indices instead of shuffle; batch_sampler: of lists of indices.
        collate_fn: merges a list of samples into a batch (default_collate).
        drop_last: drop the last batch when it has fewer than batch_size samples.
        generator: the mg.Generator to shuffle with (default: minigan's global generator).
        num_workers, pin_memory, timeout, worker_init_fn, prefetch_factor, persistent_workers:
            accepted and ignored (see the module docstring).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order=True):
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last")
        self.dataset = dataset
        self.num_workers, self.pin_memory, self.generator = int(num_workers), pin_memory, generator
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

    def __iter__(self):
        if self.batch_sampler is None:          # batch_size=None: one sample at a time
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        fetch = _batch_fetcher(self.dataset) if self.collate_fn is default_collate else None
        for indices in self.batch_sampler:
            if fetch is not None:
                yield fetch(indices)
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        """Batches per epoch."""
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __repr__(self) -> str:
        return f"<minigan.utils.data.DataLoader batch_size={self.batch_size} of {self.dataset!r}>"


def _batch_fetcher(dataset):
    """For a TensorDataset, fetch a whole batch with one fancy index per tensor (no loop over
    samples); gives what default_collate of the single samples gives. None for other datasets."""
    if type(dataset) is not TensorDataset:
        return None

    def fetch(indices):
        rows = np.asarray(indices, dtype=np.int64)
        batch = []
        for t in dataset.tensors:
            if isinstance(t, Tensor):   # index a CuPy array with a CuPy index array
                batch.append(_rows(t, backend.get_array_module(t.array).asarray(rows)))
            else:
                batch.append(Tensor(np.asarray(t)[rows]))
        return batch

    return fetch
