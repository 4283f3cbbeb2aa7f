"""Every CUDA kernel instance compiles with NVRTC for sm_80 and sm_90 with no register spills.

No GPU needed: NVRTC compiles to machine code for a named architecture and ptxas reports each
kernel's resources (see minigan.cuda.compile_check). Skipped when CuPy / NVRTC are not installed
(`pip install cupy-cuda13x nvidia-cuda-nvrtc`, or the `cuda-check` extra).
"""

import pytest

from minigan.cuda import compile_check
from minigan.cuda.kernels_index import MODULE_GROUPS, TILE_CONFIGS

pytestmark = pytest.mark.skipif(not compile_check.nvrtc_available(),
                                reason="needs cupy and the NVRTC library (pip install cupy-cuda13x nvidia-cuda-nvrtc)")


@pytest.fixture(scope="module", params=compile_check.DEFAULT_ARCHS)
def compiled(request):
    return request.param, {r.name: r for r in compile_check.compile_all((request.param,))}


def test_every_instance_compiles(compiled):
    arch, results = compiled
    expected = {name for _, names in MODULE_GROUPS.values() for name in names}
    assert set(results) == expected
    assert all(r.arch == arch for r in results.values())


def test_no_instance_spills_registers_or_uses_a_stack_frame(compiled):
    arch, results = compiled
    spilled = {n: (r.spill_stores, r.spill_loads, r.stack_bytes) for n, r in results.items()
               if r.spill_stores or r.spill_loads or r.stack_bytes}
    assert spilled == {}, f"{arch}: spills (stores, loads, stack bytes): {spilled}"


def test_register_tiled_kernels_fit_two_blocks_per_multiprocessor(compiled):
    """__launch_bounds__(threads, 2): at most 65536 / (2 * threads) registers, here 128 and 255."""
    arch, results = compiled
    for name, r in results.items():
        if name.startswith("sgemm_regtile2d"):
            config = next(c for c in TILE_CONFIGS.values() if name.startswith(f"sgemm_regtile2d<{c.BM}, {c.BN}, "))
            assert r.registers <= min(255, 65536 // (2 * config.threads)), (name, r.registers)
            assert r.barriers == 1


def test_shared_memory_of_the_tiled_kernels(compiled):
    """The sizes the comments in gemm.cu promise: 2 x 32 x 33 elements for smem, two double-buffered
    k-major tiles with rows padded by 4 floats for regtile2d; all under the static 48 KiB limit."""
    _, results = compiled
    assert results["gemm_smem<float, false, false>"].shared_bytes == 2 * 32 * 33 * 4
    assert results["gemm_smem<double, true, true>"].shared_bytes == 2 * 32 * 33 * 8
    for c in TILE_CONFIGS.values():
        name = f"sgemm_regtile2d<{c.BM}, {c.BN}, {c.BK}, {c.TM}, {c.TN}, false, false, true>"
        assert results[name].shared_bytes == 2 * c.BK * ((c.BM + 4) + (c.BN + 4)) * 4
    assert max(r.shared_bytes for r in results.values()) <= 48 * 1024


def test_parse_ptxas_log():
    log = """ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function '_Z3fooPf' for 'sm_90'
ptxas info    : Function properties for _Z3fooPf
ptxas         .     8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads
ptxas info    : Used 40 registers, used 1 barriers, 1024 bytes smem, 400 bytes cmem[0]
ptxas info    : Compiling entry function '_Z3barv' for 'sm_90'
ptxas info    : Function properties for _Z3barv
ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 8 registers, used 0 barriers
"""
    assert compile_check.parse_ptxas_log(log) == {
        "_Z3fooPf": {"registers": 40, "stack_bytes": 8, "spill_stores": 4, "spill_loads": 12,
                     "shared_bytes": 1024, "barriers": 1},
        "_Z3barv": {"registers": 8, "stack_bytes": 0, "spill_stores": 0, "spill_loads": 0,
                    "shared_bytes": 0, "barriers": 0},
    }


def test_a_compile_error_reports_nvrtcs_log(monkeypatch):
    from minigan.cuda import kernels_index

    monkeypatch.setitem(kernels_index.MODULE_GROUPS, "broken", ("gemm.cu", ["gemm_naive<int2, false, false>"]))
    with pytest.raises(RuntimeError, match=r"NVRTC failed on gemm.cu \(broken, sm_90\):\n.*error"):
        compile_check.compile_group("broken", "sm_90")
