"""Datasets for GANs: MNIST, Fashion-MNIST, a bundled Fashion-MNIST sample, 2-D toy mixtures.

    from minigan.datasets import load_dataset, DataLoader
    data = load_dataset("fashion-mnist")           # 60,000 images (N, 1, 28, 28) in [-1, 1]
    for images, labels in DataLoader(data, batch_size=64, shuffle=True): ...   # minigan.utils.data

    idx.py      the IDX file reader (validates every header before allocating)
    sources.py  each image dataset's files, sha256 checksums, mirrors, class names
    download.py where files are looked for, and verified downloads into the cache
    images.py   ImageDataset and the [-1, 1] scaling
    toy.py      ToyMixture ("ring", "grid") and ToyDataset
"""

from __future__ import annotations

from minigan.datasets.download import DatasetNotFoundError, cache_directory, data_directories
from minigan.datasets.idx import read_idx
from minigan.datasets.images import ImageDataset, load_images
from minigan.utils.data import DataLoader  # the one DataLoader (torch.utils.data's)
from minigan.datasets.sources import SOURCES, ImageSource
from minigan.datasets.toy import TOY_NAMES, ToyDataset, ToyMixture

SPLITS = ("train", "test")


def load_dataset(name: str, split: str = "train", root=None, download: bool = True,
                 n: int | None = None):
    """Load a dataset by name.

    Args:
        name: "mnist", "fashion-mnist", "sample" (Fashion-MNIST's 10,000 test images, bundled with
            minigan: no download), "ring" or "grid" (2-D toy mixtures).
        split: "train" or "test" (the sample and the toy mixtures have one split: both give it).
        root: a folder to look in first (files in <root>/<name>/); downloads also go there.
        download: fetch missing files from the dataset's mirrors into the cache (see download.py
            for the folders searched and where to put files by hand).
        n: images: keep the first n; toy mixtures: how many points to draw (default 100,000,
            drawn from minigan's NumPy generator, so mg.manual_seed reproduces them).

    Returns:
        an ImageDataset (.images (N, 1, 28, 28) float32 in [-1, 1], .labels (N,) int64, .classes)
        or, for "ring"/"grid", a ToyDataset (.points (N, 2) float32, .mixture).
    """
    if split not in SPLITS:
        raise ValueError(f"load_dataset({name!r}): split must be one of {SPLITS}, got {split!r}")
    if name in TOY_NAMES:
        return ToyDataset(ToyMixture(name), n=100_000 if n is None else n)
    if name in SOURCES:
        return load_images(name, split, root=root, download=download, n=n)
    known = sorted(SOURCES) + list(TOY_NAMES)
    raise ValueError(f"load_dataset: unknown dataset {name!r}, expected one of {known}")


__all__ = [
    "DataLoader", "DatasetNotFoundError", "ImageDataset", "ImageSource", "SOURCES", "ToyDataset",
    "ToyMixture", "cache_directory", "data_directories", "load_dataset", "read_idx",
]
