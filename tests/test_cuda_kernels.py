"""minigan.cuda's kernels against float64 NumPy references, on two devices:

  emulator  the kernels compiled with g++ and run on the CPU (tests/cuda_emu), through the real
            wrappers; runs on any machine with a C++20 compiler, small sizes.
  gpu       the kernels compiled by CuPy and run on a CUDA device; marked `gpu`, skipped without
            one (`PYTHONPATH=. pytest -m gpu`), the awkward sizes up to 1000.

Every output buffer and workspace is filled with NaN before the launch (PoisonedExecutor), so an
element a kernel forgets to write fails the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

import minigan as mg
from minigan import cuda
from minigan.cuda import geometry
from minigan.cuda.launch import use_executor
from minigan.cuda.reference import col2im_numpy, gemm_reference, im2col_numpy

import cuda_emu

RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


@dataclass
class Device:
    kind: str
    executor: cuda_emu.PoisonedExecutor
    xp: object
    big: bool  # whether to run the large sizes

    def to_device(self, a):
        """A copy on the device (also for the emulator, so that in-place outputs never alias inputs)."""
        return self.xp.array(a, copy=True)

    def to_host(self, a):
        return a if self.xp is np else self.xp.asnumpy(a)


@pytest.fixture(scope="module", params=["emulator", pytest.param("gpu", marks=pytest.mark.gpu)])
def device_module(request):
    """The executor of one device, built once per module (the emulator library, CuPy's modules)."""
    if request.param == "gpu":
        if not mg.cuda_available():
            pytest.skip("needs CuPy and a CUDA device")
        import cupy as xp

        from minigan.cuda.launch import CupyExecutor

        executor = cuda_emu.PoisonedExecutor(CupyExecutor())
    else:
        if not cuda_emu.compiler_available():
            pytest.skip("the CUDA emulator needs a C++20 compiler (g++ >= 11)")
        executor = cuda_emu.PoisonedExecutor(cuda_emu.EmulatorExecutor())
        xp = np
    return Device(request.param, executor, xp, big=request.param == "gpu")


@pytest.fixture
def device(device_module):
    """The device for one test: the wrappers launch through its executor until the test ends."""
    device_module.executor.launches.clear()
    with use_executor(device_module.executor):
        yield device_module


def rel_error(got, want) -> float:
    """Frobenius-norm relative error (NaN when got has a NaN: an unwritten element)."""
    got = np.asarray(got, np.float64)
    if np.isnan(got).any():
        return float("nan")
    return float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-300))


def assert_close(got, want, dtype, what=""):
    err = rel_error(got, want)
    assert err < RTOL[np.dtype(dtype)], f"{what}: relative error {err:.3e}"


def randn(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


# (M, N, K): every size of the brief's list, and non-multiples of every tile (16, 32, 64, 128, 8)
EMU_SHAPES = [(1, 1, 1), (7, 33, 65), (33, 7, 130), (130, 65, 7), (64, 128, 32), (3, 5, 300)]
GPU_SHAPES = EMU_SHAPES + [(1, 1000, 127), (1000, 1, 33), (127, 129, 1000), (1000, 1000, 1000),
                           (257, 255, 511), (4, 4, 5000)]


# ----------------------------------------------------------------------------- sgemm


@pytest.mark.parametrize("stage", ["naive", "smem", "regtile2d"])
@pytest.mark.parametrize("trans_a, trans_b", [(False, False), (False, True), (True, False), (True, True)])
def test_sgemm_every_stage_and_transpose_against_float64(device, stage, trans_a, trans_b):
    rng = np.random.default_rng(0)
    for M, N, K in (GPU_SHAPES if device.big else EMU_SHAPES):
        a = randn(rng, (K, M) if trans_a else (M, K), np.float32)
        b = randn(rng, (N, K) if trans_b else (K, N), np.float32)
        poisoned = device.to_device(np.full((M, N), np.nan, np.float32))
        out = cuda.sgemm(device.to_device(a), device.to_device(b), trans_a, trans_b, c=poisoned, stage=stage)
        assert out is poisoned
        assert_close(device.to_host(out), gemm_reference(a, b, trans_a, trans_b), np.float32,
                     f"{stage} {M}x{N}x{K} ta={trans_a} tb={trans_b}")


@pytest.mark.parametrize("stage", ["naive", "smem", "regtile2d"])
def test_sgemm_alpha_beta(device, stage):
    rng = np.random.default_rng(1)
    M, N, K = (129, 65, 33)
    a, b, c = randn(rng, (M, K), np.float32), randn(rng, (K, N), np.float32), randn(rng, (M, N), np.float32)
    out = cuda.sgemm(device.to_device(a), device.to_device(b), alpha=-0.5, beta=2.0, c=device.to_device(c),
                     stage=stage)
    assert_close(device.to_host(out), gemm_reference(a, b, alpha=-0.5, beta=2.0, c=c), np.float32, stage)


@pytest.mark.parametrize("stage", ["naive", "smem"])
def test_sgemm_float64_stages(device, stage):
    rng = np.random.default_rng(2)
    for M, N, K in [(1, 1, 1), (33, 17, 65), (40, 70, 3)]:
        for trans_a, trans_b in [(False, False), (True, True)]:
            a = rng.standard_normal((K, M) if trans_a else (M, K))
            b = rng.standard_normal((N, K) if trans_b else (K, N))
            out = cuda.sgemm(device.to_device(a), device.to_device(b), trans_a, trans_b, stage=stage)
            assert out.dtype == np.float64
            assert_close(device.to_host(out), gemm_reference(a, b, trans_a, trans_b), np.float64, stage)
    assert cuda.default_stage(np.float64) == "smem"


@pytest.mark.parametrize("config", ["large", "small"])
def test_regtile2d_vectorised_and_scalar_paths(device, config):
    """Multiples of 4 with aligned memory take the float4 path; an operand 4 bytes off alignment,
    or an odd leading dimension, takes the scalar path. Both give the same product."""
    rng = np.random.default_rng(3)
    M, N, K = (132, 136, 36)
    a, b = randn(rng, (M, K), np.float32), randn(rng, (K, N), np.float32)
    want = gemm_reference(a, b)
    ex = device.executor
    ex.launches.clear()
    out = cuda.sgemm(device.to_device(a), device.to_device(b), stage="regtile2d", config=config)
    assert_close(device.to_host(out), want, np.float32, "aligned")
    assert ex.launches[0][0].endswith("false, false, true>"), ex.launches

    shifted = device.to_device(np.concatenate([[0.0], a.ravel()]).astype(np.float32))[1:].reshape(M, K)
    ex.launches.clear()
    out = cuda.sgemm(shifted, device.to_device(b), stage="regtile2d", config=config)
    assert_close(device.to_host(out), want, np.float32, "misaligned")
    assert ex.launches[0][0].endswith("false, false, false>"), ex.launches


def test_regtile2d_split_k_for_long_thin_products(device):
    rng = np.random.default_rng(4)
    for M, N, K, trans_b in [(64, 16, 1000, True), (5, 3, 777, False)]:
        a = randn(rng, (M, K), np.float32)
        b = randn(rng, (N, K) if trans_b else (K, N), np.float32)
        c = randn(rng, (M, N), np.float32)
        device.executor.launches.clear()
        out = cuda.sgemm(device.to_device(a), device.to_device(b), trans_b=trans_b, alpha=1.5, beta=-1.0,
                         c=device.to_device(c))
        names = [name for name, _, _ in device.executor.launches]
        assert names[-1] == "gemm_splitk_reduce<float>" and device.executor.launches[0][1][2] > 1, names
        assert_close(device.to_host(out), gemm_reference(a, b, False, trans_b, 1.5, -1.0, c), np.float32)


def test_transposed_views_are_read_in_place_and_strided_views_copied(device):
    rng = np.random.default_rng(5)
    a, b = randn(rng, (40, 24), np.float32), randn(rng, (36, 40), np.float32)
    da, db = device.to_device(a), device.to_device(b)
    # a.T is Fortran-ordered: read as a with trans flipped, no copy
    device.executor.launches.clear()
    out = cuda.sgemm(da.T, db.T, stage="smem")  # (24, 40) @ (40, 36)
    assert device.executor.launches[0][0] == "gemm_smem<float, true, true>"
    assert_close(device.to_host(out), a.T.astype(np.float64) @ b.T, np.float32)
    # strided views are neither C- nor F-ordered: copied, never misread
    out = cuda.sgemm(da[::2], db[:24, ::2])  # (20, 24) @ (24, 20)
    assert_close(device.to_host(out), a[::2].astype(np.float64) @ b[:24, ::2], np.float32)
    out = cuda.sgemm(da[::2], db[:, ::2][:24].T, trans_b=True)  # op(b) = the same strided view
    assert_close(device.to_host(out), a[::2].astype(np.float64) @ b[:24, ::2], np.float32)


def test_empty_products(device):
    xp = device.xp
    out = cuda.sgemm(xp.ones((3, 0), np.float32), xp.ones((0, 4), np.float32))
    np.testing.assert_array_equal(device.to_host(out), np.zeros((3, 4)))
    c = xp.ones((3, 4), np.float32)
    out = cuda.sgemm(xp.ones((3, 0), np.float32), xp.ones((0, 4), np.float32), beta=2.0, c=c)
    np.testing.assert_array_equal(device.to_host(out), np.full((3, 4), 2.0))
    assert cuda.sgemm(xp.ones((0, 5), np.float32), xp.ones((5, 4), np.float32)).shape == (0, 4)
    assert cuda.matmul(xp.ones((0, 2, 5), np.float32), xp.ones((5, 4), np.float32)).shape == (0, 2, 4)


# ----------------------------------------------------------------------------- batched matmul


MATMUL_CASES = [
    ((33, 17), (17, 9)),
    ((17,), (17,)),
    ((17,), (17, 5)),
    ((6, 17), (17,)),
    ((3, 7, 17), (3, 17, 5)),
    ((3, 7, 17), (17, 5)),  # one B for the batch: folded into a single (21, 17) @ (17, 5)
    ((7, 17), (3, 17, 5)),
    ((2, 1, 7, 17), (1, 3, 17, 5)),  # partly broadcast batch dimensions
    ((4, 1, 9, 8), (4, 8, 12)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("a_shape, b_shape", MATMUL_CASES)
def test_matmul_follows_numpy(device, a_shape, b_shape, dtype):
    rng = np.random.default_rng(6)
    a, b = randn(rng, a_shape, dtype), randn(rng, b_shape, dtype)
    out = cuda.matmul(device.to_device(a), device.to_device(b))
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert out.shape == want.shape and out.dtype == dtype
    assert_close(device.to_host(out), want, dtype, f"{a_shape} @ {b_shape}")


def test_matmul_of_transposed_batched_views(device):
    """What MatMul's backward sends: grad @ b.mT and a.mT @ grad, as swapped-axes views."""
    rng = np.random.default_rng(7)
    a, b = randn(rng, (3, 9, 5), np.float32), randn(rng, (3, 7, 5), np.float32)
    da, db = device.to_device(a), device.to_device(b)
    device.executor.launches.clear()
    out = cuda.matmul(da, db.swapaxes(-1, -2))
    assert device.executor.launches[0][0].startswith("sgemm_regtile2d") and ", false, true, " in device.executor.launches[0][0]
    assert_close(device.to_host(out), a.astype(np.float64) @ b.swapaxes(-1, -2), np.float32)
    out = cuda.matmul(da[:, ::2], db.swapaxes(-1, -2))  # strided batch view: copied
    assert_close(device.to_host(out), a[:, ::2].astype(np.float64) @ b.swapaxes(-1, -2), np.float32)


def test_launches_are_cut_at_the_grid_limits(device, monkeypatch):
    """With gridDim.y/z limited to 2, products are cut into several launches and still add up."""
    monkeypatch.setattr(geometry, "MAX_GRID_YZ", 2)
    rng = np.random.default_rng(8)
    a, b = randn(rng, (5, 70, 9), np.float32), randn(rng, (5, 9, 6), np.float32)
    for stage in ("naive", "smem", "regtile2d"):
        device.executor.launches.clear()
        out = cuda.matmul(device.to_device(a), device.to_device(b), stage=stage, config="small")
        assert len(device.executor.launches) >= 3
        assert_close(device.to_host(out), a.astype(np.float64) @ b, np.float32, stage)
    a2, b2, c2 = randn(rng, (6, 600), np.float32), randn(rng, (600, 5), np.float32), randn(rng, (6, 5), np.float32)
    out = cuda.sgemm(device.to_device(a2), device.to_device(b2), beta=1.0, c=device.to_device(c2), config="small")
    assert_close(device.to_host(out), a2.astype(np.float64) @ b2 + c2, np.float32, "split-K, chunked")


# ----------------------------------------------------------------------------- im2col / col2im


CONV_GEOMETRIES = [
    # (x shape, kernel_size, stride, padding, dilation)
    ((2, 3, 7, 6), (3, 2), (2, 1), (1, 0), (1, 2)),
    ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0), (1, 1)),
    ((2, 2, 28, 28), (4, 4), (2, 2), (1, 1), (1, 1)),  # DCGAN D.conv1
    ((1, 2, 5, 9), (3, 3), (3, 2), (2, 3), (2, 1)),
    ((3, 4, 4, 4), (4, 4), (1, 1), (0, 0), (1, 1)),  # the 64x64 critic's last conv
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, k, s, p, d", CONV_GEOMETRIES)
def test_im2col_and_col2im_against_reference(device, shape, k, s, p, d, dtype):
    rng = np.random.default_rng(9)
    x = randn(rng, shape, dtype)
    cols = cuda.im2col(device.to_device(x), k, s, p, d)
    want = im2col_numpy(x, k, s, p, d)
    assert cols.shape == want.shape
    np.testing.assert_array_equal(device.to_host(cols), want)  # a copy: exact
    y = randn(rng, want.shape, dtype)
    back = cuda.col2im(device.to_device(y), shape, k, s, p, d)
    assert back.shape == shape
    assert_close(device.to_host(back), col2im_numpy(y.astype(np.float64), shape, k, s, p, d), dtype)


def test_im2col_64_bit_index_instances_and_non_contiguous_input(device, monkeypatch):
    monkeypatch.setattr(geometry, "index_type", lambda total, threads: "long long")
    rng = np.random.default_rng(10)
    x = randn(rng, (2, 3, 9, 8), np.float32)
    xt = device.to_device(np.ascontiguousarray(x.transpose(0, 1, 3, 2))).transpose(0, 1, 3, 2)  # a view
    device.executor.launches.clear()
    cols = cuda.im2col(xt, 3, 2, 1, 1)
    assert device.executor.launches[-1][0] == "im2col_kernel<float, long long>"
    np.testing.assert_array_equal(device.to_host(cols), im2col_numpy(x, (3, 3), (2, 2), (1, 1), (1, 1)))
    back = cuda.col2im(cols, x.shape, 3, 2, 1, 1)
    assert device.executor.launches[-1][0] == "col2im_kernel<float, long long>"
    assert_close(device.to_host(back), col2im_numpy(device.to_host(cols).astype(np.float64), x.shape, (3, 3),
                                                    (2, 2), (1, 1), (1, 1)), np.float32)


def _conv_reference(x, w, stride, padding):
    """y[n, o] = sum_{c,i,j} w[o, c, i, j] * x_padded[n, c, oh*s + i, ow*s + j], in float64."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    o, c, kh, kw = w.shape
    oh = (x.shape[2] - kh) // stride + 1
    ow = (x.shape[3] - kw) // stride + 1
    y = np.zeros((x.shape[0], o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return y


@pytest.mark.parametrize("n, c, o, hw", [(2, 3, 5, 9), (4, 64, 128, 14)])
def test_conv_forward_and_backward_through_im2col_and_sgemm(device, n, c, o, hw):
    """A convolution as the conv ops compute it, on these kernels: y = W @ im2col(x);
    dW = dY @ cols^T (trans_b); dX = col2im(W^T @ dY) (trans_a). Checked against float64 NumPy,
    the backward by the adjoint identities <dY, conv(x)> = <dW, W> style sums."""
    if hw == 14 and not device.big:
        pytest.skip("DCGAN-sized layer: GPU only")
    rng = np.random.default_rng(11)
    x, w = randn(rng, (n, c, hw, hw), np.float32), randn(rng, (o, c, 4, 4), np.float32) * 0.1
    k, s, p = (4, 4), (2, 2), (1, 1)
    oh = geometry.conv_output_size(hw, 4, 2, 1, 1)
    cols = cuda.im2col(device.to_device(x), k, s, p, (1, 1))
    y = cuda.sgemm(device.to_device(w.reshape(o, -1)), cols)  # (O, N*OH*OW)
    y = y.reshape(o, n, oh, oh).transpose(1, 0, 2, 3)
    want = _conv_reference(x, w, 2, 1)
    assert_close(device.to_host(y), want, np.float32, "forward")

    g = randn(rng, want.shape, np.float32)  # dL/dy
    g_mat = device.to_device(np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, -1))
    dw = cuda.sgemm(g_mat, cols, trans_b=True).reshape(w.shape)
    dcols = cuda.sgemm(device.to_device(w.reshape(o, -1)), g_mat, trans_a=True)
    dx = cuda.col2im(dcols, x.shape, k, s, p, (1, 1))
    # float64 references of the same gradients: dW = sum over outputs of g * patch, dX = adjoint
    cols64 = im2col_numpy(x.astype(np.float64), k, s, p, (1, 1))
    g64 = g.astype(np.float64).transpose(1, 0, 2, 3).reshape(o, -1)
    assert_close(device.to_host(dw), (g64 @ cols64.T).reshape(w.shape), np.float32, "weight gradient")
    dx_want = col2im_numpy(w.reshape(o, -1).astype(np.float64).T @ g64, x.shape, k, s, p, (1, 1))
    assert_close(device.to_host(dx), dx_want, np.float32, "input gradient")


# ----------------------------------------------------------------------------- minigan on CuPy (GPU only)


@pytest.mark.gpu
def test_matmul_op_on_cupy_matches_numpy_forward_and_backward():
    if not mg.cuda_available():
        pytest.skip("needs CuPy and a CUDA device")
    rng = np.random.default_rng(12)
    a_np, b_np = randn(rng, (3, 33, 17), np.float32), randn(rng, (17, 9), np.float32)
    results = {}
    for backend, cublas in [("numpy", False), ("cupy", False), ("cupy", True)]:
        cuda.use_cublas(cublas)
        try:
            a = mg.tensor(a_np).to(backend).detach().requires_grad_()  # leaves on `backend`
            b = mg.tensor(b_np).to(backend).detach().requires_grad_()
            out = mg.matmul(a, b)
            (out * out).sum().backward()
            results[(backend, cublas)] = [t.numpy() for t in (out, a.grad, b.grad)]
        finally:
            cuda.use_cublas(False)
    for key in [("cupy", False), ("cupy", True)]:
        for got, want in zip(results[key], results[("numpy", False)]):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["conv2d", "conv_transpose2d"])
def test_conv_ops_on_cupy_match_numpy_backend(kind):
    if not mg.cuda_available():
        pytest.skip("needs CuPy and a CUDA device")
    F = mg.functional
    if not hasattr(F, kind):
        pytest.skip(f"minigan.functional.{kind} not merged yet")
    rng = np.random.default_rng(13)
    x_np = randn(rng, (4, 8, 14, 14), np.float32)
    w_np = randn(rng, (16, 8, 4, 4) if kind == "conv2d" else (8, 16, 4, 4), np.float32) * 0.1
    results = {}
    for backend in ("numpy", "cupy"):
        x = mg.tensor(x_np).to(backend).detach().requires_grad_()
        w = mg.tensor(w_np).to(backend).detach().requires_grad_()
        y = getattr(F, kind)(x, w, stride=2, padding=1)
        (y * y).sum().backward()
        results[backend] = [t.numpy() for t in (y, x.grad, w.grad)]
    for got, want in zip(results["cupy"], results["numpy"]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.gpu
@pytest.mark.parametrize("cublas", [False, True])
def test_dcgan_training_step_cupy_matches_numpy(cublas):
    """One D step and one G step of the default DCGAN, from the same weights and the same batch and
    noise, on NumPy and on CuPy (our kernels, then cuBLAS): the updated weights agree."""
    if not mg.cuda_available():
        pytest.skip("needs CuPy and a CUDA device")
    from minigan import gan
    from minigan.gan.recipes import build, default_config

    config = default_config("dcgan", "sample", width=16, batch_size=32)
    data = mg.datasets.load_dataset("sample", n=32)
    rng = np.random.default_rng(14)
    z_d, z_g = (rng.standard_normal((32, config.latent_dim)).astype(np.float32) for _ in range(2))
    results = {}
    for backend in ("numpy", "cupy"):
        cuda.use_cublas(cublas)
        try:
            run = build(config, dataset=data)  # seeded: the same initial weights on both backends
            run.G.to(backend)
            run.D.to(backend)
            real = mg.tensor(data.images).to(backend)
            loss = gan.LOSSES[config.loss]
            d_stats = gan.d_step(run.G, run.D, run.opt_d, real, mg.tensor(z_d).to(backend), loss)
            g_stats = gan.g_step(run.G, run.D, run.opt_g, mg.tensor(z_g).to(backend), loss)
            # after the two steps D's .grad holds the D step's gradients, G's the G step's
            results[backend] = (d_stats, g_stats,
                                {f"G.{k}": p.grad.numpy() for k, p in run.G.named_parameters()},
                                {f"D.{k}": p.grad.numpy() for k, p in run.D.named_parameters()},
                                {k: v.numpy() for k, v in run.G.state_dict().items()})
        finally:
            cuda.use_cublas(False)
            mg.set_backend("numpy")
    (d_np, g_np, *grads_np, state_np), (d_cp, g_cp, *grads_cp, state_cp) = results["numpy"], results["cupy"]
    for key in ("d_loss", "d_real", "d_fake", "d_grad_norm"):
        assert d_cp[key] == pytest.approx(d_np[key], rel=1e-4), key
    for key in ("g_loss", "g_grad_norm"):
        assert g_cp[key] == pytest.approx(g_np[key], rel=1e-4), key
    for want, got in zip(grads_np, grads_cp):
        for name in want:
            scale = np.abs(want[name]).max()
            np.testing.assert_allclose(got[name], want[name], rtol=1e-3, atol=1e-4 * scale, err_msg=name)
    for name in state_np:  # Adam's first step moves every weight by about lr * sign(gradient)
        np.testing.assert_allclose(state_cp[name], state_np[name], rtol=1e-3, atol=5e-4, err_msg=name)
