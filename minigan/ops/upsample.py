"""interpolate: resize images (N, C, H, W) by nearest-neighbour or bilinear interpolation.

Both modes are linear maps applied to rows and columns separately, so each is written as two
small matrix products with constant interpolation matrices A_h (H_out, H) and A_w (W_out, W):

    out = A_h @ x @ A_w.T          (broadcast over N and C)

The gradient is then MatMul's: grad_x = A_h.T @ grad_out @ A_w, and second derivatives come for
free. It costs O(H_out * H) per column instead of a gather's O(H_out): simple and exact, fine for
the small images of this library. (A consequence: an inf or nan in x spreads along its row and
column, since 0 * inf = nan.)

Where output pixel i samples the input (PyTorch's conventions; scale = in / out, or
1 / scale_factor when scale_factor is given):

    nearest                         src = min(floor(i * scale), in - 1), weight 1
    bilinear, align_corners=False   src = max((i + 0.5) * scale - 0.5, 0)
    bilinear, align_corners=True    src = i * (in - 1) / (out - 1)   (0 when out == 1)
    bilinear: rows i0 = floor(src) and i1 = min(i0 + 1, in - 1), weights 1 - t and t, t = src - i0
    bicubic                         src as bilinear's, but not clipped at 0 (align_corners=False)
    bicubic: rows i0 - 1 .. i0 + 2 (clipped to 0 .. in - 1), t = src - i0, weights from Keys'
             cubic convolution kernel with a = -0.75 (PyTorch's and OpenCV's choice):
                 W(d) = (a + 2)|d|^3 - (a + 3)|d|^2 + 1        for |d| <= 1
                 W(d) = a|d|^3 - 5a|d|^2 + 8a|d| - 4a          for 1 < |d| < 2
             at the distances d = t + 1, t, 1 - t, 2 - t of the four rows.
"""

from __future__ import annotations

import math

import numpy as np

from minigan.autograd import Tensor
from minigan.ops._operands import as_tensor

MODES = ("nearest", "bilinear", "bicubic")
CUBIC_A = -0.75


def interpolation_matrix(n_in: int, n_out: int, mode: str, align_corners: bool,
                         scale: float | None = None) -> np.ndarray:
    """The (n_out, n_in) float64 matrix A with out = A @ x along one axis (module docstring).

    scale: in / out as PyTorch computes it from a scale_factor (1 / scale_factor); None: n_in /
    n_out.
    """
    scale = n_in / n_out if scale is None else scale
    i = np.arange(n_out, dtype=np.float64)
    matrix = np.zeros((n_out, n_in))
    if mode == "nearest":
        src = np.minimum(np.floor(i * scale).astype(np.int64), n_in - 1)
        matrix[np.arange(n_out), src] = 1.0
        return matrix
    if align_corners:
        src = i * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = (i + 0.5) * scale - 0.5
    if mode == "bicubic":
        return _cubic_matrix(src, n_in)
    src = np.maximum(src, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    t = src - i0
    np.add.at(matrix, (np.arange(n_out), i0), 1.0 - t)
    np.add.at(matrix, (np.arange(n_out), i1), t)
    return matrix


def cubic_weight(d: np.ndarray, a: float = CUBIC_A) -> np.ndarray:
    """Keys' cubic convolution kernel W(d) (module docstring); 0 for |d| >= 2."""
    d = np.abs(d)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def _cubic_matrix(src: np.ndarray, n_in: int) -> np.ndarray:
    """The bicubic interpolation matrix (n_out, n_in) for output pixels sampling at `src`."""
    i0 = np.floor(src).astype(np.int64)
    t = src - i0
    rows = np.arange(len(src))
    matrix = np.zeros((len(src), n_in))
    for offset in (-1, 0, 1, 2):  # the four input rows around src; at the borders they repeat
        np.add.at(matrix, (rows, np.clip(i0 + offset, 0, n_in - 1)), cubic_weight(t - offset))
    return matrix


def _pair(value, name: str):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"interpolate: {name} must be a number or a pair for 2-D images, got "
                             f"{value!r}")
        return tuple(value)
    return (value, value)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor=None,
                antialias: bool = False) -> Tensor:
    """Resize (N, C, H, W) to (N, C, H_out, W_out), H_out = size or floor(H * scale_factor).

    mode 'nearest', 'bilinear' or 'bicubic'; align_corners (bilinear and bicubic; default False)
    pins the corner pixels of input and output together. Differentiable (twice and more) with
    respect to input.
    """
    input = as_tensor(input)
    if mode not in MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not implemented; minigan has "
                                  f"{MODES}")
    if input.ndim != 4:
        raise ValueError("interpolate expects a 4-D input (N, C, H, W), got shape "
                         f"{tuple(input.shape)}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    n_in = input.shape[2:]
    if size is not None:
        n_out = tuple(int(s) for s in _pair(size, "size"))
        scales = (None, None)
    else:
        factors = tuple(float(f) for f in _pair(scale_factor, "scale_factor"))
        n_out = tuple(int(math.floor(n * f)) for n, f in zip(n_in, factors))
        scales = (None, None) if recompute_scale_factor else tuple(1.0 / f for f in factors)
    if min(n_out) < 1:
        raise ValueError(f"interpolate: the output size {n_out} must be positive")
    mats = [interpolation_matrix(a, b, mode, bool(align_corners), s)
            for a, b, s in zip(n_in, n_out, scales)]
    xp_like = input.array
    a_h, a_w = (Tensor(_on_backend(m.astype(input.dtype), xp_like)) for m in mats)
    return a_h @ input @ a_w.T


def _on_backend(matrix: np.ndarray, like):
    from minigan import backend

    return backend.to_backend(matrix, backend.backend_of(like))
