"""A plausible wrong answer to Exercise 7 (lesson 3):
assigns columns to pixels instead of adding them: overlapping windows are lost.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_overlapping_windows_add_up"  # the test that must fail on this answer

import minigan as mg


def col2im(cols, x_shape, kernel_size, stride=1, padding=0):
    """cols: (C*k*k, N*OH*OW) -> x: x_shape = (N, C, H, W), the adjoint of im2col: every column
    entry is added onto the pixel it was read from (pixels in several windows get the sum)."""
    xp = mg.get_array_module(cols)
    k, s, p = kernel_size, stride, padding
    n, c, h, w = x_shape
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    blocks = cols.reshape(c, k, k, n, oh, ow)
    padded = xp.zeros((n, c, h + 2 * p, w + 2 * p), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            padded[:, :, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s] = blocks[:, i, j].transpose(1, 0, 2, 3)
    return padded[:, :, p:p + h, p:p + w].copy()


def conv2d_input_grad(grad_output, weight, x_shape, stride=1, padding=0):
    """dL/dx of y = conv2d(x, weight, stride, padding), all raw arrays.

    grad_output: (N, O, OH, OW), weight: (O, C, k, k) -> (N, C, H, W) = x_shape.
    y = W_flat @ im2col(x) with W_flat = weight.reshape(O, C*k*k), so
    dL/dcols = W_flat^T @ G (G: grad_output as (O, N*OH*OW)) and dL/dx = col2im(dL/dcols).
    """
    xp = mg.get_array_module(grad_output)
    out_channels, k = weight.shape[0], weight.shape[2]
    g_rows = xp.ascontiguousarray(grad_output.transpose(1, 0, 2, 3)).reshape(out_channels, -1)
    grad_cols = weight.reshape(out_channels, -1).T @ g_rows
    return col2im(grad_cols, x_shape, k, stride, padding)
