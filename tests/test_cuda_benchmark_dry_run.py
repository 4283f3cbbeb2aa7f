"""Dry runs of the GPU benchmark and sanitizer scripts on a fake CuPy (NumPy + the CPU emulator).

The scripts are meant to run once on a rented GPU; these runs check their control flow, options,
correctness checks and result files on tiny problems, so that one shot is not spent on a typo.
Timings from the fake device mean nothing.
"""

import json
import sys
from pathlib import Path

import pytest

import cuda_emu
from cuda_emu.fake_cupy import make_fake_cupy
from minigan import backend
from minigan.cuda import launch

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not cuda_emu.compiler_available(), reason="needs a C++20 compiler for the emulator")


@pytest.fixture
def fake_gpu(monkeypatch):
    emulator = cuda_emu.EmulatorExecutor()
    monkeypatch.setitem(sys.modules, "cupy", make_fake_cupy(emulator))
    monkeypatch.setattr(backend, "_cupy_module", None)
    monkeypatch.setattr(launch.CupyExecutor, "pointer", lambda self, a: a.ctypes.data)
    monkeypatch.setitem(launch._current, "executor", None)
    monkeypatch.setenv("CUPY_TF32", "0")
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    yield emulator


def gpu_check_summary(**results) -> str:
    """tools/gpu_check.py's summary markdown around one script's results (as the check builds it)."""
    import gpu_check

    summary = {"machine": {"gpu": "Fake GPU"}, "dry_run": False, "verdict": "passed", "seconds": 1.0,
               "budget_s": 480, "commit": "abc", "started_utc": "now", "stages": [], **results}
    return gpu_check.markdown(summary)


def test_cuda_sgemm_script_dry_run(fake_gpu, tmp_path, capsys):
    import cuda_sgemm

    code = cuda_sgemm.main(["--square", "40", "--max-flop", "2e5", "--samples", "1", "--out", str(tmp_path)])
    assert code == 0
    data = json.loads((tmp_path / "cuda_sgemm_fake-gpu-cpu-emulator.json").read_text())
    rows = data["rows"]
    methods = {r["method"] for r in rows}
    assert methods == {"cublas", "naive", "smem", "regtile2d", "regtile2d[large]", "regtile2d[small]"}
    assert not [r for r in rows if "error" in r]
    assert {r["shape"] for r in rows} == {"40^3"}
    assert max(r["rel_err"] for r in rows) < 1e-5
    assert all(r["kernel"]["graph"] is False for r in rows)  # the fake refuses capture: fallback used
    md = (tmp_path / "cuda_sgemm_fake-gpu-cpu-emulator.md").read_text()
    assert "| 40^3 | 40 | 40 | 40 | 0 | 0 | regtile2d |" in md
    assert next(r for r in rows if r["method"] == "smem")["kernels"] == ["gemm_smem<float, false, false>"]
    # the GPU check's summary reads these rows: TFLOP/s and % of cuBLAS per method at each square
    summary = gpu_check_summary(cuda_sgemm=data)
    regtile = next(r for r in rows if r["method"] == "regtile2d")
    tflops = 2 * 40**3 / regtile["kernel"]["ms"] / 1e9
    assert f"| 40^3 | regtile2d | {tflops:.1f} | {regtile['pct_cublas_kernel']:.0f}% |" in summary


def test_cuda_conv_script_dry_run(fake_gpu, tmp_path):
    import cuda_conv

    code = cuda_conv.main(["--layers", "28", "--batch", "2", "--samples", "1", "--out", str(tmp_path)])
    assert code == 0
    data = json.loads((tmp_path / "cuda_conv_fake-gpu-cpu-emulator.json").read_text())
    rows = data["rows"]
    assert [r["layer"] for r in rows] == ["G.convT1", "G.convT2", "D.conv1", "D.conv2"]
    for r in rows:
        assert "kernels_error" not in r, r
        assert max(r["kernels_rel_err"]) < 1e-5, r
        assert r["kernels_fwd_bwd"]["ms"] > 0
    assert rows[0]["out"] == [2, 64, 14, 14]
    summary = gpu_check_summary(cuda_conv=data)
    assert f"| 28 | G.convT1 | {rows[0]['kernels_fwd_bwd']['ms']:.3f} |" in summary


def test_cuda_sanitize_driver_dry_run(fake_gpu, capsys):
    import cuda_sanitize_run

    assert cuda_sanitize_run.main([]) == 0
    out = capsys.readouterr().out
    assert "all kernel instances launched" in out


def test_cuda_train_step_script_dry_run(fake_gpu, tmp_path):
    import cuda_train_step

    code = cuda_train_step.main(["--batch", "2", "--width", "4", "--samples", "1", "--ways", "kernels", "--out", str(tmp_path)])
    assert code == 0
    data = json.loads((tmp_path / "cuda_train_step_fake-gpu-cpu-emulator.json").read_text())
    (row,) = data["rows"]
    assert (row["batch"], row["width"]) == (2, 4)
    assert not [k for k in row if k.endswith("_error")], row
    # the first D step on the emulated kernels reproduces NumPy's loss
    assert row["kernels_loss_ok"] and "cublas" not in row  # --ways kernels only (the fake cannot tell
    # NumPy arrays from its own, so a second model built after CuPy was imported would land on "cupy")
    assert row["kernels_first_d_loss"] == pytest.approx(row["numpy_first_d_loss"], rel=1e-4)
    assert row["kernels"]["ms"] > 0
    md = (tmp_path / "cuda_train_step_fake-gpu-cpu-emulator.md").read_text()
    assert "| 2 | 4 | 64 |" in md
    summary = gpu_check_summary(cuda_train_step=data)
    assert f"| 2 | {row['kernels']['ms']:.2f} |  |  |  | yes |" in summary
