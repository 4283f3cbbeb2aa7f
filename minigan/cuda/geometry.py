"""Launch geometry: grids, blocks, tile and split-K choices, vectorisation and index-width rules.

Pure Python (no CuPy, no GPU), so every rule here is unit-tested on any machine. The wrappers in
gemm.py and conv.py call these functions and launch what they return.
"""

from __future__ import annotations

from minigan.conv_geometry import conv_output_size  # noqa: F401  (for the kernels' tests)
from minigan.cuda.kernels_index import NAIVE_BLOCK, SMEM_TILE, TILE_CONFIGS, TileConfig

MAX_GRID_X = 2**31 - 1  # CUDA's limits on gridDim
MAX_GRID_YZ = 65535
INT32_MAX = 2**31 - 1
ELEMENTWISE_BLOCK = 256
ELEMENTWISE_MAX_BLOCKS = 65536  # grid-stride loops cover the rest


def ceil_div(a: int, b: int) -> int:
    """ceil(a / b) for a >= 0, b > 0."""
    return -(-a // b)


def elementwise_grid(total: int, block: int = ELEMENTWISE_BLOCK,
                     max_blocks: int = ELEMENTWISE_MAX_BLOCKS) -> tuple:
    """(grid, block) of a grid-stride loop over `total` elements: one thread per element up to
    max_blocks blocks, then each thread takes every (grid * block)-th element."""
    if total < 0:
        raise ValueError(f"total must be >= 0, got {total}")
    return (max(1, min(ceil_div(total, block), max_blocks)),), (block,)


def index_type(total: int, grid_threads: int) -> str:
    """'int' when a grid-stride loop over `total` elements with `grid_threads` threads never forms
    an index of 2^31 or more (the last idx + stride stays below it), else 'long long'."""
    return "int" if total + grid_threads <= INT32_MAX else "long long"


def stage_tile(stage: str, config: str = "large") -> tuple:
    """(rows of C per block, columns of C per block, threads per block as a block shape)."""
    if stage == "naive":
        return NAIVE_BLOCK, NAIVE_BLOCK, (NAIVE_BLOCK, NAIVE_BLOCK, 1)
    if stage == "smem":
        return SMEM_TILE, SMEM_TILE, (SMEM_TILE, SMEM_TILE, 1)
    if stage == "regtile2d":
        c = TILE_CONFIGS[config]
        return c.BM, c.BN, (c.threads, 1, 1)
    raise ValueError(f"unknown GEMM stage {stage!r}")


def choose_tile_config(M: int, N: int, batch: int, sm_count: int) -> str:
    """'large' (128 x 128 tiles) when they alone give at least one block per multiprocessor, else
    'small' (64 x 64), which gives four times as many blocks for the same C."""
    large = TILE_CONFIGS["large"]
    tiles = ceil_div(M, large.BM) * ceil_div(N, large.BN) * batch
    return "large" if tiles >= sm_count else "small"


def choose_split_k(M: int, N: int, K: int, batch: int, config: TileConfig, sm_count: int,
                   max_splits: int = 32, min_steps_per_split: int = 8) -> tuple:
    """(splits, k_chunk) for sgemm_regtile2d.

    When the tiles of C give fewer than two blocks per multiprocessor and K is long, K is cut into
    `splits` chunks of k_chunk (a multiple of BK) that run as separate blocks and are added by
    gemm_splitk_reduce. Each chunk keeps at least `min_steps_per_split` BK-steps so that the extra
    pass over the partial products stays small next to the product itself. Every split is
    non-empty: splits == ceil(K / k_chunk).
    """
    tiles = ceil_div(M, config.BM) * ceil_div(N, config.BN) * batch
    steps = ceil_div(K, config.BK)
    want = ceil_div(2 * sm_count, max(tiles, 1))
    splits = max(1, min(want, steps // min_steps_per_split, max_splits, MAX_GRID_YZ))
    if splits == 1:
        return 1, max(K, 1)
    k_chunk = ceil_div(steps, splits) * config.BK
    return ceil_div(K, k_chunk), k_chunk


def gemm_chunks(M: int, batch: int, rows_per_block: int, splits: int = 1) -> list:
    """Cut a launch whose grid would pass CUDA's 65535 limit on gridDim.y (row tiles) or gridDim.z
    (batch * splits) into several launches: a list of (row0, rows, batch0, batches)."""
    max_rows = MAX_GRID_YZ * rows_per_block
    max_batch = max(1, MAX_GRID_YZ // splits)
    if splits > MAX_GRID_YZ:
        raise ValueError(f"splits={splits} exceeds gridDim.z's limit of {MAX_GRID_YZ}")
    return [(r0, min(max_rows, M - r0), b0, min(max_batch, batch - b0))
            for b0 in range(0, batch, max_batch) for r0 in range(0, M, max_rows)]


def gemm_grid(M: int, N: int, batch: int, rows_per_block: int, cols_per_block: int,
              splits: int = 1) -> tuple:
    """gridDim of one GEMM launch: (column tiles, row tiles, batch * splits)."""
    grid = (ceil_div(N, cols_per_block), ceil_div(M, rows_per_block), batch * splits)
    if grid[0] > MAX_GRID_X or grid[1] > MAX_GRID_YZ or grid[2] > MAX_GRID_YZ:
        raise ValueError(f"grid {grid} passes CUDA's limits; cut the launch with gemm_chunks first")
    return grid


def vector_ok(pointers, counts) -> bool:
    """True when float4 access is safe: every pointer 16-byte aligned and every count (the
    contiguous extents, leading dimensions and batch strides, in floats) a multiple of 4."""
    return all(p % 16 == 0 for p in pointers) and all(c % 4 == 0 for c in counts)
