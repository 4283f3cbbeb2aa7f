"""minigan.cuda without a GPU: launch geometry, kernel names, argument checks, and the im2col /
col2im index arithmetic in NumPy. None of these tests imports CuPy or needs a device."""

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigan import cuda
from minigan.cuda import geometry, kernels_index, reference
from minigan.cuda.kernels_index import TILE_CONFIGS


# ----------------------------------------------------------------------------- import hygiene


def test_importing_minigan_and_minigan_cuda_does_not_import_cupy():
    code = "import sys, minigan, minigan.cuda; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- geometry


def test_ceil_div():
    assert [geometry.ceil_div(a, 4) for a in (0, 1, 4, 5, 8)] == [0, 1, 1, 2, 2]


def test_elementwise_grid_covers_small_problems_and_caps_large_ones():
    assert geometry.elementwise_grid(0) == ((1,), (256,))
    assert geometry.elementwise_grid(257) == ((2,), (256,))
    assert geometry.elementwise_grid(10**12) == ((geometry.ELEMENTWISE_MAX_BLOCKS,), (256,))
    with pytest.raises(ValueError, match="total must be >= 0, got -1"):
        geometry.elementwise_grid(-1)


def test_index_type_switches_to_64_bit_before_an_int_could_overflow():
    threads = 65536 * 256
    assert geometry.index_type(2**31 - 1 - threads, threads) == "int"
    assert geometry.index_type(2**31 - threads, threads) == "long long"
    assert geometry.index_type(2**40, threads) == "long long"


def test_stage_tile():
    assert geometry.stage_tile("naive") == (16, 16, (16, 16, 1))
    assert geometry.stage_tile("smem") == (32, 32, (32, 32, 1))
    assert geometry.stage_tile("regtile2d", "large") == (128, 128, (256, 1, 1))
    assert geometry.stage_tile("regtile2d", "small") == (64, 64, (128, 1, 1))
    with pytest.raises(ValueError, match="unknown GEMM stage 'fast'"):
        geometry.stage_tile("fast")


def test_tile_configs_split_evenly_into_float4_loads():
    for c in TILE_CONFIGS.values():
        assert c.TM % 4 == 0 and c.TN % 4 == 0 and c.BK % 4 == 0
        assert (c.BM * c.BK) % (4 * c.threads) == 0 and (c.BK * c.BN) % (4 * c.threads) == 0
        assert c.threads <= 1024


def test_choose_tile_config():
    assert geometry.choose_tile_config(4096, 4096, 1, 132) == "large"  # 1024 tiles
    assert geometry.choose_tile_config(128, 12544, 1, 132) == "small"  # 98 tiles < 132
    assert geometry.choose_tile_config(128, 128, 132, 132) == "large"  # a batch fills it


def test_choose_split_k_only_splits_long_thin_products():
    large, small = TILE_CONFIGS["large"], TILE_CONFIGS["small"]
    assert geometry.choose_split_k(4096, 4096, 4096, 1, large, 132) == (1, 4096)
    # the weight gradient of a DCGAN conv: (64 x 16) output, K = 64*14*14
    splits, chunk = geometry.choose_split_k(64, 16, 12544, 1, small, 132)
    assert splits == 32 and chunk % small.BK == 0 and chunk * splits >= 12544 > chunk * (splits - 1)
    # short K: never fewer than 8 BK-steps per split
    assert geometry.choose_split_k(64, 64, 100, 1, small, 132) == (1, 100)
    splits, chunk = geometry.choose_split_k(64, 64, 200, 1, small, 132)
    assert (splits, chunk) == (3, 72)


@given(M=st.integers(1, 300), N=st.integers(1, 300), K=st.integers(1, 50000), batch=st.integers(1, 8),
       sms=st.integers(1, 200), config=st.sampled_from(sorted(TILE_CONFIGS)))
def test_split_k_chunks_cover_k_exactly_once(M, N, K, batch, sms, config):
    cfg = TILE_CONFIGS[config]
    splits, chunk = geometry.choose_split_k(M, N, K, batch, cfg, sms)
    assert 1 <= splits <= 32
    if splits > 1:
        assert chunk % cfg.BK == 0
        assert (splits - 1) * chunk < K <= splits * chunk  # every split non-empty, all of K covered
        assert chunk >= 8 * cfg.BK


def test_gemm_chunks_respect_the_grid_limits():
    assert geometry.gemm_chunks(100, 3, 16) == [(0, 100, 0, 3)]
    rows = 65535 * 16
    assert geometry.gemm_chunks(rows + 5, 1, 16) == [(0, rows, 0, 1), (rows, 5, 0, 1)]
    assert geometry.gemm_chunks(10, 70000, 16, splits=2) == [(0, 10, 0, 32767), (0, 10, 32767, 32767),
                                                             (0, 10, 65534, 4466)]
    with pytest.raises(ValueError, match="splits=70000 exceeds gridDim.z's limit of 65535"):
        geometry.gemm_chunks(10, 1, 16, splits=70000)


def test_gemm_grid():
    assert geometry.gemm_grid(33, 70, 2, 16, 16) == (5, 3, 2)
    assert geometry.gemm_grid(129, 1, 1, 128, 128, splits=4) == (1, 2, 4)
    with pytest.raises(ValueError, match="passes CUDA's limits"):
        geometry.gemm_grid(65536 * 16, 1, 1, 16, 16)


def test_vector_ok():
    assert geometry.vector_ok([0, 16, 256], [4, 8, 12])
    assert not geometry.vector_ok([0, 8], [4])  # a pointer 8 bytes off
    assert not geometry.vector_ok([0, 16], [4, 6])  # a leading dimension not a multiple of 4


def test_conv_output_size_matches_pytorch_formula():
    assert geometry.conv_output_size(28, 4, 2, 1, 1) == 14
    assert geometry.conv_output_size(4, 4, 1, 0, 1) == 1
    assert geometry.conv_output_size(7, 3, 2, 1, 2) == 3
    assert geometry.conv_output_size(2, 4, 1, 0, 1) == -1


# ----------------------------------------------------------------------------- kernel names


def test_kernel_names():
    assert kernels_index.gemm_kernel_name("naive", np.float64, True, False) == "gemm_naive<double, true, false>"
    assert (kernels_index.gemm_kernel_name("regtile2d", np.float32, False, True, True, "large")
            == "sgemm_regtile2d<128, 128, 8, 8, 8, false, true, true>")
    assert kernels_index.im2col_kernel_name("col2im", np.float32, "long long") == "col2im_kernel<float, long long>"
    assert kernels_index.splitk_reduce_name(np.float32) == "gemm_splitk_reduce<float>"
    with pytest.raises(ValueError, match="sgemm_regtile2d is float32 only"):
        kernels_index.gemm_kernel_name("regtile2d", np.float64, False, False)
    with pytest.raises(ValueError, match="CUDA kernels take float32 or float64 arrays, got int32"):
        kernels_index.ctype(np.int32)
    with pytest.raises(ValueError, match="no kernel 'conv' with index type 'int'"):
        kernels_index.im2col_kernel_name("conv", np.float32, "int")


def test_every_launchable_instance_belongs_to_exactly_one_module_group():
    names = [n for _, group in kernels_index.MODULE_GROUPS.values() for n in group]
    assert len(names) == len(set(names)) == 41
    for stage in kernels_index.STAGES:
        for dtype in kernels_index.STAGE_DTYPES[stage]:
            for ta in (False, True):
                for tb in (False, True):
                    for vec in (False, True):
                        for config in TILE_CONFIGS:
                            name = kernels_index.gemm_kernel_name(stage, dtype, ta, tb, vec, config)
                            assert kernels_index.group_of(name) in kernels_index.MODULE_GROUPS
    with pytest.raises(KeyError, match="no module group compiles 'foo<int>'"):
        kernels_index.group_of("foo<int>")


def test_kernel_sources_are_package_data():
    assert kernels_index.kernel_files() == ["gemm.cu", "im2col.cu"]
    text = kernels_index.source("gemm.cu")
    assert "sgemm_regtile2d" in text and "gemm_splitk_reduce" in text
    assert "col2im_kernel" in kernels_index.source("im2col.cu")


# ----------------------------------------------------------------------------- the cuBLAS switch


def test_env_flag():
    assert [cuda.env_flag(v) for v in ("1", "true", " YES ", "on")] == [True] * 4
    assert [cuda.env_flag(v) for v in (None, "", "0", "false", "2")] == [False] * 5


def test_use_cublas_switch(monkeypatch):
    monkeypatch.setitem(cuda._settings, "own_kernels", True)
    assert cuda.cublas_enabled() is False
    cuda.use_cublas(True)
    assert cuda.cublas_enabled() is True
    cuda.use_cublas(False)
    assert cuda.cublas_enabled() is False
    with pytest.raises(TypeError, match="use_cublas expects True or False, got 1"):
        cuda.use_cublas(1)
    cuda.use_own_kernels(False)  # the same switch under the name of what it selects
    assert (cuda.own_kernels_enabled(), cuda.cublas_enabled()) == (False, True)
    cuda.use_own_kernels(True)
    assert (cuda.own_kernels_enabled(), cuda.cublas_enabled()) == (True, False)
    with pytest.raises(TypeError, match="use_own_kernels expects True or False, got 'yes'"):
        cuda.use_own_kernels("yes")


@pytest.mark.parametrize("value, expected", [("1", "True"), ("0", "False"), ("", "False")])
def test_minigan_use_cublas_environment_variable_is_read_at_import(value, expected):
    code = "import minigan.cuda as c; print(c.cublas_enabled())"
    env = {"MINIGAN_USE_CUBLAS": value, "PYTHONPATH": ":".join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == expected


def test_numpy_matmul_arrays_stays_on_numpy():
    from minigan.ops.arithmetic import matmul_arrays

    a, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    np.testing.assert_array_equal(matmul_arrays(a, b), np.full((2, 4), 3, np.float32))


# ----------------------------------------------------------------------------- argument checks (before any launch)

f32 = np.float32


def z(*shape, dtype=f32):
    return np.zeros(shape, dtype)


@pytest.mark.parametrize("call, error, message", [
    (lambda: cuda.sgemm([[1.0]], z(1, 1)), TypeError, "sgemm: a must be an array, got list"),
    (lambda: cuda.sgemm(z(2, 2, dtype=np.int64), z(2, 2)), TypeError, "sgemm: a must be float32 or float64, got int64"),
    (lambda: cuda.sgemm(z(2, 2), z(2, 2, dtype=np.float64)), TypeError,
     "sgemm: a and b must have the same dtype, got float32 and float64"),
    (lambda: cuda.sgemm(z(2, 2, 2), z(2, 2)), ValueError, r"sgemm: a must be 2-D, got shape \(2, 2, 2\)"),
    (lambda: cuda.sgemm(z(2, 3), z(4, 5)), ValueError,
     "sgemm: op\\(a\\) is 2x3 but op\\(b\\) is 4x5 \\(trans_a=False, trans_b=False\\): the inner dimensions"),
    (lambda: cuda.sgemm(z(3, 2), z(4, 5), trans_a=True), ValueError, r"op\(a\) is 2x3 but op\(b\) is 4x5 \(trans_a=True"),
    (lambda: cuda.sgemm(z(2, 3), z(3, 4), stage="fast"), ValueError,
     "sgemm: stage must be one of 'naive', 'smem', 'regtile2d' or None, got 'fast'"),
    (lambda: cuda.sgemm(z(2, 3, dtype=np.float64), z(3, 4, dtype=np.float64), stage="regtile2d"), ValueError,
     "sgemm: stage 'regtile2d' supports float32 only, got float64 arrays"),
    (lambda: cuda.sgemm(z(2, 3), z(3, 4), config="huge"), ValueError, "sgemm: config must be one of 'large', 'small'"),
    (lambda: cuda.sgemm(z(2, 3), z(3, 4), alpha="2"), TypeError, "sgemm: alpha must be a real number, got str"),
    (lambda: cuda.sgemm(z(2, 3), z(3, 4), beta=1.0), ValueError, "sgemm: beta=1.0 scales an existing c, but c is None"),
    (lambda: cuda.sgemm(z(2, 3), z(3, 4), c=z(4, 2)), ValueError, r"sgemm: c must have shape \(2, 4\) = \(M, N\), got \(4, 2\)"),
    (lambda: cuda.sgemm(z(2, 3), z(3, 4), c=z(4, 2).T), ValueError, "sgemm: c must be C-contiguous"),
    (lambda: cuda.sgemm(z(2, 3), z(3, 4), c=z(2, 4, dtype=np.float64)), TypeError,
     "sgemm: a and c must have the same dtype, got float32 and float64"),
    (lambda: cuda.sgemm(z(2, 3), z(3, 4)), TypeError,
     "sgemm: a must be a CuPy array \\(on the GPU\\), got numpy.ndarray"),
    (lambda: cuda.matmul(z(2, 3), z(4, 5)), ValueError,
     r"matmul: shapes \(2, 3\) and \(4, 5\) do not match: the last dimension of a \(3\) must equal"),
    (lambda: cuda.matmul(z(2, 2, 3), z(3, 3, 4)), ValueError,
     r"matmul: batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 4\) do not broadcast"),
    (lambda: cuda.matmul(z(), z(3)), ValueError, "matmul: both operands need at least one dimension"),
    (lambda: cuda.matmul(z(3), z(3)), TypeError, "matmul: a must be a CuPy array"),
    (lambda: cuda.im2col(z(2, 3, 4), 2), ValueError, r"im2col: x must be 4-D \(N, C, H, W\), got shape \(2, 3, 4\)"),
    (lambda: cuda.im2col(z(1, 1, 4, 4), 0), ValueError, "im2col: kernel_size must be >= 1, got 0"),
    (lambda: cuda.im2col(z(1, 1, 4, 4), 2, stride=(1, 0)), ValueError, r"im2col: stride must be >= 1, got \(1, 0\)"),
    (lambda: cuda.im2col(z(1, 1, 4, 4), 2, padding=-1), ValueError, "im2col: padding must be >= 0, got -1"),
    (lambda: cuda.im2col(z(1, 1, 4, 4), (2, 2, 2)), ValueError, r"im2col: kernel_size must be an int or a pair of ints, got \(2, 2, 2\)"),
    (lambda: cuda.im2col(z(1, 1, 4, 4), 3, dilation=2), ValueError,
     r"im2col: kernel_size \(3, 3\) with dilation \(2, 2\) does not fit the padded input 4x4"),
    (lambda: cuda.im2col(z(1, 1, 4, 4, dtype=np.int32), 2), TypeError, "im2col: x must be float32 or float64, got int32"),
    (lambda: cuda.im2col(z(1, 1, 4, 4), 2), TypeError, "im2col: x must be a CuPy array"),
    (lambda: cuda.col2im(z(4, 9), (1, 1, 4), 2), ValueError, r"col2im: x_shape must be 4 non-negative ints \(N, C, H, W\)"),
    (lambda: cuda.col2im(z(4, 8), (1, 1, 4, 4), 2), ValueError,
     r"col2im: cols must have shape \(C\*kh\*kw, N\*OH\*OW\) = \(4, 9\) for x_shape \(1, 1, 4, 4\), got \(4, 8\)"),
    (lambda: cuda.col2im(z(4, 9), (1, 1, 4, 4), 2), TypeError, "col2im: cols must be a CuPy array"),
])
def test_wrappers_check_arguments_before_touching_the_gpu(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------- im2col / col2im index arithmetic

geometries = st.fixed_dictionaries({
    "n": st.integers(1, 2), "c": st.integers(1, 3), "h": st.integers(1, 8), "w": st.integers(1, 8),
    "kernel_size": st.tuples(st.integers(1, 4), st.integers(1, 4)),
    "stride": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "padding": st.tuples(st.integers(0, 2), st.integers(0, 2)),
    "dilation": st.tuples(st.integers(1, 2), st.integers(1, 2)),
}).filter(lambda g: min(reference.output_size((g["h"], g["w"]), g["kernel_size"], g["stride"],
                                              g["padding"], g["dilation"])) >= 1)


def _args(g):
    return g["kernel_size"], g["stride"], g["padding"], g["dilation"]


@given(g=geometries)
def test_vectorised_im2col_matches_the_elementwise_definition(g):
    x = np.random.default_rng(0).standard_normal((g["n"], g["c"], g["h"], g["w"]))
    np.testing.assert_array_equal(reference.im2col_numpy(x, *_args(g)), reference.im2col_loop(x, *_args(g)))


@given(g=geometries)
def test_gather_col2im_matches_the_scatter_definition(g):
    x_shape = (g["n"], g["c"], g["h"], g["w"])
    oh, ow = reference.output_size(x_shape[2:], *_args(g))
    kh, kw = g["kernel_size"]
    cols = np.random.default_rng(1).standard_normal((g["c"] * kh * kw, g["n"] * oh * ow))
    np.testing.assert_allclose(reference.col2im_numpy(cols, x_shape, *_args(g)),
                               reference.col2im_loop(cols, x_shape, *_args(g)), rtol=1e-12, atol=1e-12)


@given(g=geometries)
def test_col2im_is_the_adjoint_of_im2col(g):
    """<im2col(x), y> == <x, col2im(y)> for every x, y: col2im is im2col's transpose."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((g["n"], g["c"], g["h"], g["w"]))
    cols = reference.im2col_numpy(x, *_args(g))
    y = rng.standard_normal(cols.shape)
    assert math.isclose(np.vdot(cols, y), np.vdot(x, reference.col2im_numpy(y, x.shape, *_args(g))),
                        rel_tol=1e-10, abs_tol=1e-10)


def test_im2col_layout_contract_on_a_hand_worked_example():
    x = np.arange(1 * 1 * 3 * 3, dtype=np.float64).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    cols = reference.im2col_numpy(x, (2, 2), (1, 1), (0, 0), (1, 1))
    # rows: taps (0,0) (0,1) (1,0) (1,1); columns: output positions (0,0) (0,1) (1,0) (1,1)
    np.testing.assert_array_equal(cols, [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])
    padded = reference.im2col_numpy(x, (2, 2), (2, 2), (1, 1), (1, 1))  # windows start at -1, 1
    np.testing.assert_array_equal(padded[0], [0, 0, 0, 4])  # tap (0, 0) reads padding three times


def test_reference_agrees_with_minigan_numpy_conv_ops_when_present():
    conv = pytest.importorskip("minigan.ops.conv", reason="minigan.ops.conv (the NumPy conv ops) not merged yet")
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 6))
    args = ((3, 2), (2, 1), (1, 0), (1, 2))
    np.testing.assert_array_equal(conv.im2col(x, *args), reference.im2col_numpy(x, *args))
    cols = reference.im2col_numpy(x, *args)
    np.testing.assert_allclose(conv.col2im(cols, x.shape, *args), reference.col2im_numpy(cols, x.shape, *args),
                               rtol=1e-12, atol=1e-12)


def test_gemm_reference():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    c = np.ones((2, 4))
    np.testing.assert_array_equal(reference.gemm_reference(a, b), a @ b)
    np.testing.assert_array_equal(reference.gemm_reference(a.T, b.T, True, True, 2.0, 3.0, c.T.T), 2 * a @ b + 3)
    np.testing.assert_array_equal(reference.gemm_reference(a, b, beta=0.0, c=np.full((2, 4), np.nan)), a @ b)
