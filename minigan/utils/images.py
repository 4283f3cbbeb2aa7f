"""make_grid and save_image with torchvision.utils' semantics (one implementation: minigan's own
plots, minigan/gan/plots.py, call these).

    make_grid(images)        (B, C, H, W) -> one (C, H', W') tensor: the images tiled, nrow per row
    save_image(images, path) make_grid(...) written as a PNG (or any format Pillow knows)

The steps, on the images as floats:

1. A (H, W) image becomes (1, 1, H, W), a (C, H, W) image (1, C, H, W); one channel becomes
   three (grey as RGB). A list of (C, H, W) tensors is stacked.
2. normalize=True maps [low, high] to [0, 1]:
   x -> (clamp(x, low, high) - low) / max(high - low, 1e-5),
   with (low, high) = value_range, or the min and max of all the images (of each image with
   scale_each=True).
3. One image is returned as it is (no padding). Otherwise xmaps = min(nrow, B) images per row,
   ymaps = ceil(B / xmaps) rows, on a canvas of pad_value of shape
   (C, ymaps * (H + padding) + padding, xmaps * (W + padding) + padding); image k goes to row
   k // xmaps, column k % xmaps, its top-left corner at (padding + row * (H + padding),
   padding + column * (W + padding)).

make_grid does not clamp: values outside [0, 1] stay. save_image then writes
uint8(clamp(255 * grid + 0.5, 0, 255)), so values below 0 are black and above 1 white; a generator
with a tanh output in [-1, 1] needs normalize=True (with value_range=(-1, 1) to keep the scale
fixed from one picture to the next).
"""

from __future__ import annotations

import math

import numpy as np

from minigan.autograd import Tensor


def _as_numpy(images) -> np.ndarray:
    """A Tensor, array or list of (C, H, W) tensors -> a float NumPy array (a copy)."""
    if isinstance(images, (list, tuple)):
        images = np.stack([_as_numpy(image) for image in images])
    elif isinstance(images, Tensor):
        images = images.detach().cpu().numpy()
    array = np.array(images, copy=True)
    if array.dtype.kind not in "f":
        array = array.astype(np.float32)
    return array


def _normalize(x: np.ndarray, low, high) -> None:
    np.clip(x, low, high, out=x)
    x -= low
    x /= max(high - low, 1e-5)


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch of images (B, C, H, W) into one image (C, H', W') (module docstring: the rules).

    Returns a CPU tensor of the input's float dtype. Raises TypeError/ValueError for bad input.
    """
    if not isinstance(tensor, (Tensor, np.ndarray, list, tuple)):
        raise TypeError("make_grid: tensor or list of tensors expected, got "
                        f"{type(tensor).__name__}")
    x = _as_numpy(tensor)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"make_grid expects images of shape (B, C, H, W), (C, H, W) or (H, W), "
                         f"got shape {x.shape}")
    if x.shape[1] == 1:
        x = np.concatenate([x, x, x], axis=1)
    if value_range is not None and not (isinstance(value_range, tuple) and len(value_range) == 2):
        raise TypeError("value_range has to be a tuple (min, max) if specified, got "
                        f"{value_range!r}")
    if normalize:
        for image in (x if scale_each else [x]):
            low, high = value_range if value_range is not None else (image.min(), image.max())
            _normalize(image, float(low), float(high))
    if x.shape[0] == 1:
        return Tensor(x[0])
    b, c, h, w = x.shape
    xmaps = min(int(nrow), b)
    ymaps = int(math.ceil(b / xmaps))
    height, width = h + padding, w + padding
    grid = np.full((c, height * ymaps + padding, width * xmaps + padding), pad_value, dtype=x.dtype)
    for k in range(b):
        row, col = divmod(k, xmaps)
        top, left = row * height + padding, col * width + padding
        grid[:, top:top + h, left:left + w] = x[k]
    return Tensor(grid)


def to_uint8(grid: np.ndarray) -> np.ndarray:
    """(C, H, W) floats in [0, 1] -> (H, W, C) uint8, as save_image rounds: floor(255 x + 0.5)."""
    return np.clip(np.asarray(grid) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:
    """Write make_grid(tensor, **kwargs) as an image file (PNG unless `fp`'s extension or
    `format` says otherwise; Pillow writes it: pip install -e ".[plot]")."""
    grid = make_grid(tensor, **kwargs)
    try:
        from PIL import Image
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError('save_image needs Pillow: pip install -e ".[plot]"') from err
    Image.fromarray(to_uint8(grid.numpy())).save(fp, format=format)
