"""The index arithmetic of im2col.cu and gemm.cu in plain NumPy: the oracle of the CUDA tests.

Two versions of im2col and col2im:
  *_loop   one element at a time, literally the formula of the layout contract (slow, obviously
           right); col2im_loop SCATTERS (every column entry is added onto the pixel it came from),
           which is the definition of col2im as the adjoint of im2col. They live beside the
           vectorised im2col in minigan/ops/conv.py and are imported here;
  *_numpy  vectorised; col2im_numpy GATHERS like the CUDA kernel (for each pixel and kernel tap,
           solve for the output position that read it), so the kernel's formulas are tested on the
           CPU against the definition.
Arguments are already-normalised (h, w) pairs: kernel_size, stride, padding, dilation.
"""

from __future__ import annotations

import numpy as np

from minigan.conv_geometry import output_hw as output_size
from minigan.ops.conv import col2im_loop, im2col_loop  # noqa: F401  (the definitions)


def im2col_numpy(x, kernel_size, stride, padding, dilation):
    """Vectorised im2col: gather from the zero-padded image with index arrays."""
    n_, c_, h_, w_ = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh_, ow_ = output_size((h_, w_), kernel_size, stride, padding, dilation)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    rows = np.arange(oh_)[None, :] * sh + np.arange(kh)[:, None] * dh  # (kh, OH): ih + ph
    cols = np.arange(ow_)[None, :] * sw + np.arange(kw)[:, None] * dw  # (kw, OW): iw + pw
    patches = padded[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, kh, kw, OH, OW)
    return np.ascontiguousarray(patches.transpose(1, 2, 3, 0, 4,
                                                  5)).reshape(c_ * kh * kw, n_ * oh_ * ow_)


def _taps(size, out_size, kernel, stride, pad, dil):
    """For each tap t and pixel p: (valid[t, p], o[t, p]) with p + pad - t*dil == o*stride, 0 <= o <
    out."""
    shifted = np.arange(size)[None, :] + pad - np.arange(kernel)[:, None] * dil  # (kernel, size)
    valid = (shifted >= 0) & (shifted % stride == 0) & (shifted // stride < out_size)
    return valid, np.where(valid, shifted // stride, 0)


def col2im_numpy(cols, x_shape, kernel_size, stride, padding, dilation):
    """Vectorised col2im by gathering, as col2im.cu does: for each pixel and tap, the one output
    position (if any) whose window put that tap on that pixel."""
    n_, c_, h_, w_ = x_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh_, ow_ = output_size((h_, w_), kernel_size, stride, padding, dilation)
    c6 = cols.reshape(c_, kh, kw, n_, oh_, ow_)
    valid_h, oh = _taps(h_, oh_, kh, sh, ph, dh)  # (kh, H)
    valid_w, ow = _taps(w_, ow_, kw, sw, pw, dw)  # (kw, W)
    x = np.zeros((c_, n_, h_, w_), cols.dtype)
    for i in range(kh):
        for j in range(kw):
            picked = c6[:, i, j][:, :, oh[i][:, None], ow[j][None, :]]  # (C, N, H, W)
            x += np.where(valid_h[i][:, None] & valid_w[j][None, :], picked, 0)
    return np.ascontiguousarray(x.transpose(1, 0, 2, 3))


def gemm_reference(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c=None):
    """alpha * op(a) @ op(b) + beta * c in float64 (c ignored when beta == 0, as in BLAS)."""
    a64 = np.asarray(a, np.float64)
    b64 = np.asarray(b, np.float64)
    out = alpha * ((a64.T if trans_a else a64) @ (b64.T if trans_b else b64))
    if beta != 0:
        out = out + beta * np.asarray(c, np.float64)
    return out
