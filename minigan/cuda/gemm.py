"""Matrix multiply on the GPU with minigan's own kernels (gemm.cu): sgemm and a NumPy-style matmul.

    sgemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c=None, stage=None)
        c = alpha * op(a) @ op(b) + beta * c  for 2-D a, b   (op(x) = x.T when trans_x)
    matmul(a, b, stage=None)
        numpy.matmul's rules: 1-D operands, batches, broadcast batch dimensions

Stages (kernels_index.STAGES): 'naive', 'smem', 'regtile2d'. stage=None picks the fastest one the
dtype has: 'regtile2d' for float32, 'smem' for float64.

Every argument is checked before anything touches the GPU: wrong types and dtypes raise TypeError,
wrong shapes and values ValueError, each naming the argument. Memory layout: a C-contiguous
operand is used as it is; a Fortran-ordered one (a transposed view such as `x.T`) is read as its
transpose with the transpose flag flipped, at no cost; any other view is copied to a contiguous
array first, never read as if it were contiguous. An output `c` must be C-contiguous (it is written
in place) and must not overlap `a` or `b`.
"""

from __future__ import annotations

import math

import numpy as np

from minigan.cuda import geometry
from minigan.cuda.kernels_index import (
    STAGE_DTYPES, STAGES, TILE_CONFIGS, gemm_kernel_name, splitk_reduce_name,
)
from minigan.cuda.launch import executor

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def default_stage(dtype) -> str:
    """The fastest stage that supports `dtype`."""
    return "regtile2d" if np.dtype(dtype) == np.float32 else "smem"


# ----------------------------------------------------------------------------- argument checks


def _check_array(op: str, name: str, a) -> None:
    if not (hasattr(a, "shape") and hasattr(a, "dtype") and hasattr(a, "flags")):
        raise TypeError(f"{op}: {name} must be an array, got {type(a).__name__}")
    if np.dtype(a.dtype) not in FLOAT_DTYPES:
        raise TypeError(f"{op}: {name} must be float32 or float64, got {np.dtype(a.dtype)}")


def _check_same_dtype(op: str, a, b, names=("a", "b")) -> np.dtype:
    if np.dtype(a.dtype) != np.dtype(b.dtype):
        raise TypeError(f"{op}: {names[0]} and {names[1]} must have the same dtype, got "
                        f"{np.dtype(a.dtype)} and {np.dtype(b.dtype)}")
    return np.dtype(a.dtype)


def _check_stage(op: str, stage, dtype) -> str:
    if stage is None:
        return default_stage(dtype)
    if stage not in STAGES:
        raise ValueError(f"{op}: stage must be one of {', '.join(map(repr, STAGES))} or None, got "
                         f"{stage!r}")
    if dtype not in STAGE_DTYPES[stage]:
        raise ValueError(f"{op}: stage {stage!r} supports float32 only, got {dtype} arrays "
                         f"(use stage='smem', 'naive' or None for float64)")
    return stage


def _check_sizes(op: str, **sizes) -> None:
    for name, size in sizes.items():
        if size > geometry.INT32_MAX:
            raise ValueError(f"{op}: {name}={size} does not fit the kernels' 32-bit sizes "
                             f"(at most {geometry.INT32_MAX})")


def _check_scalar(op: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a real number, got {type(value).__name__}")
    return float(value)


def _check_on_device(op: str, ex, **arrays) -> None:
    for name, a in arrays.items():
        if not ex.is_array(a):
            kind = f"{type(a).__module__}.{type(a).__name__}"
            raise TypeError(f"{op}: {name} must be a CuPy array (on the GPU), got {kind}; "
                            f"move it with cupy.asarray or Tensor.to('cupy')")


# ----------------------------------------------------------------------------- memory layouts


def matrix_layout(xp, x, trans: bool) -> tuple:
    """(memory, trans) for a 2-D operand: `memory` is C-contiguous and op(x) == op'(memory).

    C-contiguous: used as it is. Fortran-ordered (x.T of a contiguous array): its transpose is
    C-contiguous, so that is read with the flag flipped. Anything else: a contiguous copy.
    """
    if x.flags.c_contiguous:
        return x, trans
    if x.flags.f_contiguous:
        return x.T, not trans
    return xp.ascontiguousarray(x), trans


def batched_layout(xp, x, batch_shape: tuple) -> tuple:
    """(memory, trans, stride) for an operand (..., rows, cols) of a batched product.

    memory is C-contiguous, (rows, cols) or (batch, rows, cols) -- (cols, rows) when trans; stride
    is the distance in elements between the matrices of consecutive batch entries, 0 when one
    matrix serves every batch entry (a 2-D operand, or batch dimensions all 1).
    """
    rows, cols = x.shape[-2:]
    if math.prod(x.shape[:-2]) == 1:
        memory, trans = matrix_layout(xp, x.reshape(rows, cols), False)
        return memory, trans, 0
    if (1,) * (len(batch_shape) - x.ndim + 2) + tuple(x.shape[:-2]) != tuple(batch_shape):
        x = xp.broadcast_to(x, tuple(batch_shape) + (rows, cols))  # partly broadcast: copied below
    if x.flags.c_contiguous:
        return x.reshape(-1, rows, cols), False, rows * cols
    swapped = xp.swapaxes(x, -1, -2)
    if swapped.flags.c_contiguous:
        return swapped.reshape(-1, cols, rows), True, rows * cols
    return xp.ascontiguousarray(x).reshape(-1, rows, cols), False, rows * cols


# ----------------------------------------------------------------------------- the launches


def _gemm(stage, M, N, K, alpha, a_mem, trans_a, stride_a, b_mem, trans_b, stride_b, beta, c,
          batch, config=None):
    """C[i] = alpha * op(A[i]) @ op(B[i]) + beta * C[i] for i < batch.

    a_mem, b_mem: C-contiguous, A[i] = a_mem.flat[i * stride_a:] seen as (M, K) or (K, M) (stride 0:
    one matrix for all i); c: C-contiguous, batch * M * N elements, M, N, K > 0 or K == 0.
    """
    ex = executor()
    dtype = np.dtype(c.dtype)
    T = dtype.type
    if K == 0:  # an empty sum: C = beta * C
        c[...] = 0 if beta == 0 else c * T(beta)
        return c
    lda, ldb, ldc, stride_c = a_mem.shape[-1], b_mem.shape[-1], N, M * N
    a_flat, b_flat, c_flat = a_mem.reshape(-1), b_mem.reshape(-1), c.reshape(-1)

    splits, k_chunk = 1, K
    if stage == "regtile2d":
        config = config or geometry.choose_tile_config(M, N, batch, ex.sm_count())
        splits, k_chunk = geometry.choose_split_k(M, N, K, batch, TILE_CONFIGS[config],
                                                  ex.sm_count())
    rows_per_block, cols_per_block, block = geometry.stage_tile(stage, config or "large")
    # With split-K each block writes its partial product to the workspace (batch, splits, M, N).
    target = ex.xp.empty(batch * splits * M * N, dtype) if splits > 1 else c_flat
    k_alpha, k_beta = (T(1), T(0)) if splits > 1 else (T(alpha), T(beta))

    for row0, rows, batch0, batches in geometry.gemm_chunks(M, batch, rows_per_block, splits):
        a = a_flat[batch0 * stride_a + (row0 if trans_a else row0 * lda):]
        b = b_flat[batch0 * stride_b:]
        cc = target[batch0 * splits * stride_c + row0 * ldc:]
        grid = geometry.gemm_grid(rows, N, batches, rows_per_block, cols_per_block, splits)
        args = (np.int32(rows), np.int32(N), np.int32(K), k_alpha,
                a, np.int64(lda), np.int64(stride_a), b, np.int64(ldb), np.int64(stride_b),
                k_beta, cc, np.int64(ldc), np.int64(stride_c))
        if stage == "regtile2d":
            vec = geometry.vector_ok([ex.pointer(a), ex.pointer(b), ex.pointer(cc)],
                                     [lda, ldb, ldc, stride_a, stride_b, stride_c])
            name = gemm_kernel_name(stage, dtype, trans_a, trans_b, vec, config)
            args += (np.int32(splits), np.int32(k_chunk))
        else:
            name = gemm_kernel_name(stage, dtype, trans_a, trans_b)
        ex.launch(name, grid, block, args)

    if splits > 1:
        total = batch * M * N
        grid, block = geometry.elementwise_grid(total)
        ex.launch(splitk_reduce_name(dtype), grid, block,
                  (np.int64(M * N), np.int64(total), np.int32(splits), T(alpha), target, T(beta),
                   c_flat))
    return c


# ----------------------------------------------------------------------------- public functions


def sgemm(a, b, trans_a: bool = False, trans_b: bool = False, alpha: float = 1.0, beta: float = 0.0,
          c=None, stage: str | None = None, config: str | None = None):
    """c = alpha * op(a) @ op(b) + beta * c on the GPU; op(x) is x.T when trans_x, else x.

    a: (M, K), or (K, M) with trans_a; b: (K, N), or (N, K) with trans_b; c: (M, N) or None (a new
    array; then beta must be 0). float32 in every stage, float64 in 'naive' and 'smem'. With
    beta == 0, c's old values are never read. Returns c. `config` ('large' / 'small') forces the
    regtile2d tile shape (for benchmarks); None chooses by size.
    """
    op = "sgemm"
    _check_array(op, "a", a)
    _check_array(op, "b", b)
    for name, x in (("a", a), ("b", b)):
        if x.ndim != 2:
            raise ValueError(f"{op}: {name} must be 2-D, got shape {tuple(x.shape)} (use matmul "
                             f"for batches)")
    dtype = _check_same_dtype(op, a, b)
    stage = _check_stage(op, stage, dtype)
    if config is not None and config not in TILE_CONFIGS:
        raise ValueError(f"{op}: config must be one of {', '.join(map(repr, TILE_CONFIGS))} or "
                         f"None, got {config!r}")
    alpha = _check_scalar(op, "alpha", alpha)
    beta = _check_scalar(op, "beta", beta)
    M, K = (a.shape[1], a.shape[0]) if trans_a else tuple(a.shape)
    K_b, N = (b.shape[1], b.shape[0]) if trans_b else tuple(b.shape)
    if K != K_b:
        raise ValueError(f"{op}: op(a) is {M}x{K} but op(b) is {K_b}x{N} (trans_a={bool(trans_a)}, "
                         f"trans_b={bool(trans_b)}): the inner dimensions must be equal")
    _check_sizes(op, M=M, N=N, K=K)
    if c is None:
        if beta != 0:
            raise ValueError(f"{op}: beta={beta} scales an existing c, but c is None")
    else:
        _check_array(op, "c", c)
        _check_same_dtype(op, a, c, ("a", "c"))
        if tuple(c.shape) != (M, N):
            raise ValueError(f"{op}: c must have shape ({M}, {N}) = (M, N), got {tuple(c.shape)}")
        if not c.flags.c_contiguous:
            raise ValueError(f"{op}: c must be C-contiguous (it is written in place), got strides "
                             f"{c.strides}")
    ex = executor()
    _check_on_device(op, ex, a=a, b=b, **({} if c is None else {"c": c}))

    xp = ex.xp
    if c is None:
        c = xp.empty((M, N), dtype)
    if M == 0 or N == 0:
        return c
    a_mem, trans_a = matrix_layout(xp, a, bool(trans_a))
    b_mem, trans_b = matrix_layout(xp, b, bool(trans_b))
    return _gemm(stage, M, N, K, alpha, a_mem, trans_a, 0, b_mem, trans_b, 0, beta, c, 1, config)


def matmul(a, b, stage: str | None = None, config: str | None = None):
    """a @ b with numpy.matmul's rules, on the GPU.

    a: (..., M, K), b: (..., K, N) -> (..., M, N), batch dimensions broadcast; a 1-D a is a row
    (K,) and a 1-D b a column (K,), their dimension removed from the result. Both float32 or both
    float64. A 2-D b with a batched contiguous a is one GEMM of (batch * M, K) @ (K, N).
    """
    op = "matmul"
    _check_array(op, "a", a)
    _check_array(op, "b", b)
    dtype = _check_same_dtype(op, a, b)
    stage = _check_stage(op, stage, dtype)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"{op}: both operands need at least one dimension, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    a_shape = (1,) + tuple(a.shape) if a.ndim == 1 else tuple(a.shape)
    b_shape = tuple(b.shape) + (1,) if b.ndim == 1 else tuple(b.shape)
    M, K = a_shape[-2:]
    K_b, N = b_shape[-2:]
    if K != K_b:
        raise ValueError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} do not match: the "
                         f"last "
                         f"dimension of a ({K}) must equal the second-to-last dimension of b "
                         f"({K_b})")
    try:
        batch_shape = tuple(np.broadcast_shapes(a_shape[:-2], b_shape[:-2]))
    except ValueError:
        raise ValueError(f"{op}: batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} "
                         f"do not broadcast") from None
    batch = math.prod(batch_shape)
    _check_sizes(op, M=M, N=N, K=K)
    ex = executor()
    _check_on_device(op, ex, a=a, b=b)

    xp = ex.xp
    out_shape = batch_shape + (M, N)
    out = xp.empty(out_shape, dtype)
    if out.size > 0:
        a_mem, trans_a, stride_a = batched_layout(xp, a.reshape(a_shape), batch_shape)
        b_mem, trans_b, stride_b = batched_layout(xp, b.reshape(b_shape), batch_shape)
        if stride_b == 0 and stride_a != 0 and not trans_a:
            # The same B for every batch entry: stack a's matrices into one (batch * M, K) operand.
            a_mem, stride_a, M_run, batch_run = a_mem.reshape(batch * M, K), 0, batch * M, 1
        else:
            M_run, batch_run = M, batch
        _check_sizes(op, rows=M_run)
        _gemm(stage, M_run, N, K, 1.0, a_mem, trans_a, stride_a, b_mem, trans_b, stride_b, 0.0, out,
              batch_run, config)
    if a.ndim == 1:
        out = out.reshape(out_shape[:-2] + (N,))
    if b.ndim == 1:
        out = out.reshape(out.shape[:-1])
    return out
