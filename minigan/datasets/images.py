"""Image datasets: MNIST, Fashion-MNIST and the bundled Fashion-MNIST sample, as float32 in [-1, 1].

A GAN's generator ends in tanh, so its images lie in [-1, 1]; the real images are scaled the same
way: pixel p in 0..255 becomes p / 127.5 - 1 (0 -> -1, 255 -> 1 exactly). resize_images makes them
the size a model is built for (28x28 data for the 64x64 DCGAN).
"""

from __future__ import annotations

import numpy as np

from minigan.datasets.download import fetch_file
from minigan.datasets.idx import read_idx
from minigan.datasets.sources import SOURCES


class ImageDataset:
    """Images with integer labels, all in memory.

    Attributes:
        images: (N, C, H, W) float32 in [-1, 1].
        labels: (N,) int64 in [0, len(classes)).
        classes: the name of each label value, e.g. classes[0] == "T-shirt/top".
        arrays: (images, labels): what a DataLoader batches.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, classes, name: str = ""):
        if images.ndim != 4:
            raise ValueError("ImageDataset: images must have shape (N, C, H, W), got "
                             f"{images.shape}")
        if labels.shape != (len(images),):
            raise ValueError(f"ImageDataset: labels must have shape ({len(images)},) to match "
                             f"images {images.shape}, got {labels.shape}")
        self.images = images
        self.labels = labels
        self.classes = list(classes)
        self.name = name

    @property
    def arrays(self) -> tuple:
        return self.images, self.labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index):
        """(image (C, H, W), label) for an int; (images, labels) for a slice or index array."""
        return self.images[index], self.labels[index]

    def __repr__(self) -> str:
        n, c, h, w = self.images.shape
        return (f"ImageDataset({self.name!r}, {n} images of {c}x{h}x{w}, "
                f"{len(self.classes)} classes)")


def to_unit_range(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels (N, H, W) -> float32 (N, 1, H, W) in [-1, 1]: p / 127.5 - 1."""
    images = pixels.astype(np.float32)[:, None, :, :]
    images /= np.float32(127.5)
    images -= np.float32(1.0)
    return images


def load_images(name: str, split: str = "train", root=None, download: bool = True,
                n: int | None = None) -> ImageDataset:
    """Read (finding or downloading) an IDX image dataset of SOURCES; see load_dataset."""
    source = SOURCES[name]
    if split not in source.files:
        raise ValueError(f"load_dataset({name!r}): split must be one of {sorted(source.files)}, "
                         f"got {split!r}")
    arrays = []
    for filename in source.files[split]:
        path = fetch_file(name, source, filename, root=root, download=download)
        try:
            arrays.append(read_idx(path, expected_sha256=source.sha256[filename],
                                   expected_size=source.sizes.get(filename)))
        except ValueError as err:
            raise ValueError(f"{err}\nThis copy of {filename} is damaged or is not the one "
                             f"{name} expects: delete or replace {path}") from err
    pixels, labels = arrays
    images_file, labels_file = source.files[split]
    if pixels.ndim != 3 or pixels.dtype != np.uint8:
        raise ValueError(f"{images_file}: expected uint8 images of shape (N, H, W), "
                         f"got {pixels.dtype} {pixels.shape}")
    if labels.shape != (len(pixels),):
        raise ValueError(f"{labels_file}: expected {len(pixels)} labels (one per image), "
                         f"got shape {labels.shape}")
    if n is not None:
        if not isinstance(n, (int, np.integer)) or not 0 < n <= len(pixels):
            raise ValueError(f"load_dataset({name!r}): n must be an integer in 1..{len(pixels)}, "
                             f"got {n!r}")
        pixels, labels = pixels[:n], labels[:n]
    return ImageDataset(to_unit_range(pixels), labels.astype(np.int64), source.classes, name)


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of (N, C, H, W) images to (N, C, size, size) (28x28 data for 64x64
    models)."""
    n, c, h, w = images.shape
    if (h, w) == (size, size):
        return images
    ys = np.linspace(0, h - 1, size)
    xs = np.linspace(0, w - 1, size)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    wy, wx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = images[:, :, y0][:, :, :, x0] * (1 - wx) + images[:, :, y0][:, :, :, x1] * wx
    bottom = images[:, :, y1][:, :, :, x0] * (1 - wx) + images[:, :, y1][:, :, :, x1] * wx
    return (top * (1 - wy) + bottom * wy).astype(images.dtype)
