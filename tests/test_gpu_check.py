"""tools/gpu_check.py, the one-command GPU check, exercised on a CPU so that it cannot rot.

- the dry run: every stage's real command in its no-GPU form (the GPU scripts take their arguments
  and leave; pytest collects the gpu tests), and the summary files it writes;
- the real mode on a machine without a GPU: it stops after the machine stage with exit status 2;
- the stage runner with stand-in commands: pass, failure, sanitizer refused / absent, a benchmark
  stopped at its limit (its process group killed, what it wrote kept), pytest's junit counts;
- missing pytest/hypothesis and a too-small budget as clear errors.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import gpu_check  # noqa: E402

STAGE_NAMES = ["machine", "smoke", "pytest-gpu", "memcheck", "racecheck", "sgemm", "conv", "train-step"]


def has_gpu() -> bool:
    import minigan as mg

    return mg.cuda_available()


def collected_files_ok(folder: Path) -> None:
    """The output folder stays small and portable: at most 8 files, plain names (letters, digits, . _ -)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) <= 8, files
    for p in files:
        assert re.fullmatch(r"[A-Za-z0-9._-]+", p.name), p.name


@pytest.mark.skipif(has_gpu(), reason="the dry run is for machines without a GPU")
def test_dry_run_runs_every_stage_command_without_a_gpu(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable}
    env.pop("OUT", None)
    proc = subprocess.run(["bash", "tools/gpu_check.sh", "--dry-run", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    collected_files_ok(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gpu_check.log", "gpu_check_no-gpu.json", "gpu_check_no-gpu.md"]
    summary = json.loads((tmp_path / "gpu_check_no-gpu.json").read_text())
    stages = {r["stage"]: r for r in summary["stages"]}
    assert list(stages) == STAGE_NAMES
    assert summary["dry_run"] is True and summary["verdict"] == "passed (dry run)"
    # each GPU script accepted the arguments the real run gives it, then found no GPU and left (exit 2)
    for name in ("smoke", "sgemm", "conv", "train-step"):
        assert (stages[name]["status"], stages[name]["rc"]) == ("skipped", 2), stages[name]
        assert "finding no GPU" in stages[name]["detail"]
    assert "--square 1024,4096" in stages["sgemm"]["command"]
    assert "--batch 64,512" in stages["train-step"]["command"]
    # pytest collected the gpu-marked tests (not run); the kernel, op and DCGAN-step tests among them
    assert stages["pytest-gpu"]["status"] == "passed"
    assert summary["pytest"]["collected"] >= 60
    for name in ("memcheck", "racecheck"):
        assert stages[name]["status"] == "skipped" and "would run SANITIZER_TOOLS=" + name in stages[name]["detail"]
    log = (tmp_path / "gpu_check.log").read_text()
    for i, name in enumerate(STAGE_NAMES, 1):
        assert f"== [{i}/8] {name}:" in log
    assert "test_dcgan_training_step_cupy_matches_numpy[False]" in log
    md = (tmp_path / "gpu_check_no-gpu.md").read_text()
    assert md.startswith("# minigan GPU check on no GPU (dry run)")
    assert "| pytest-gpu | passed |" in md


@pytest.mark.skipif(has_gpu(), reason="checks the behaviour without a GPU")
def test_real_mode_without_a_gpu_stops_after_the_machine_stage(tmp_path):
    proc = subprocess.run([sys.executable, "tools/gpu_check.py", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout[-3000:]
    summary = json.loads((tmp_path / "gpu_check_no-gpu.json").read_text())
    assert summary["verdict"] == "no usable GPU"
    assert summary["stages"][0]["status"] == "no-gpu"
    for r in summary["stages"][1:]:
        assert (r["status"], r["detail"]) == ("skipped", "no usable GPU (see the machine stage)")
    assert "SKIPPED train-step: no usable GPU" in proc.stdout


def py(code: str) -> list:
    return [sys.executable, "-c", code]


def fake_machine(limit, log, env):
    return {"gpu": "Stub GPU 9000", "device_count": 1, "driver": "1.2.3", "cuda_runtime": 13000, "cupy": "14.2.0"}


JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok"/>
<testcase classname="tests.test_a" name="test_bad"><failure message="boom"/></testcase>
<testcase classname="tests.test_b" name="test_later"><skipped message="not merged yet"/></testcase>
</testsuite></testsuites>"""

SGEMM_STUB = """
import json, os, subprocess, sys, time
work = sys.argv[1]
rows = [{"group": "square", "shape": "1024^3", "M": 1024, "N": 1024, "K": 1024, "method": "cublas",
         "kernel": {"ms": 0.1}, "call": {"ms": 0.2}},
        {"group": "square", "shape": "1024^3", "M": 1024, "N": 1024, "K": 1024, "method": "regtile2d",
         "kernel": {"ms": 0.125}, "call": {"ms": 0.2}, "pct_cublas_kernel": 80.0}]
open(os.path.join(work, "cuda_sgemm_stub-gpu-9000.json"), "w").write(json.dumps({"machine": {}, "rows": rows}))
open(os.path.join(work, "cuda_sgemm_stub-gpu-9000.md"), "w").write("# sgemm table\\n")
child = subprocess.Popen(["sleep", "60"])
open(os.path.join(work, "grandchild.pid"), "w").write(str(child.pid))
print("measured 1024^3, now hanging", flush=True)
time.sleep(60)
"""


def process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def test_stages_with_stand_in_commands(tmp_path):
    out = tmp_path / "out"
    pid_file = []
    commands = {
        "smoke": py("print('OK: all kernel instances launched')"),
        "pytest-gpu": py(f"open(r'$WORK/pytest_gpu.xml', 'w').write('''{JUNIT}'''); raise SystemExit(1)"),
        "memcheck": py("print('========= Error: Device not supported'); raise SystemExit(1)"),
        "racecheck": py("print('compute-sanitizer not found: set COMPUTE_SANITIZER'); raise SystemExit(2)"),
        "sgemm": [sys.executable, "-c", SGEMM_STUB, "$WORK"],
        "conv": py("print('Traceback: something broke'); raise SystemExit(3)"),
        "train-step": py("print('batch 64: fine')"),
    }
    stages = [gpu_check.Stage(s.name, 20, 1, s.what) for s in gpu_check.STAGES]
    stages[5] = gpu_check.Stage("sgemm", 3, 1, stages[5].what)  # the hanging benchmark: stopped after 3 s
    started = time.monotonic()
    code = gpu_check.run_check(out, 200, dry_run=False, commands=commands,
                               probe=fake_machine, stages=stages)
    assert time.monotonic() - started < 30
    assert code == 1  # pytest had a failure, conv failed
    collected_files_ok(out)
    summary = json.loads((out / "gpu_check_stub-gpu-9000.json").read_text())
    status = {r["stage"]: (r["status"], r.get("detail", "")) for r in summary["stages"]}
    assert status["machine"][0] == "passed" and "Stub GPU 9000, driver 1.2.3" in status["machine"][1]
    assert status["smoke"] == ("passed", "")
    assert status["pytest-gpu"][0] == "failed"
    assert status["pytest-gpu"][1].startswith("3 tests: 1 passed, 1 failed, 0 errors, 1 skipped")
    assert summary["pytest"]["failed_ids"] == ["tests.test_a::test_bad"]
    assert summary["pytest"]["skipped_ids"] == ["tests.test_b::test_later: not merged yet"]
    assert status["memcheck"][0] == "skipped" and "refused the device" in status["memcheck"][1]
    assert status["racecheck"] == ("skipped", "compute-sanitizer not found")
    assert status["sgemm"][0] == "partial" and "what it measured is kept" in status["sgemm"][1]
    assert status["conv"][0] == "failed" and status["conv"][1].startswith("exit status 3: Traceback: something broke")
    assert status["train-step"] == ("passed", "")
    assert summary["verdict"] == "FAILED"
    # the hanging benchmark's rows reached the summary, its table was copied, its child was killed too
    assert [r["method"] for r in summary["cuda_sgemm"]["rows"]] == ["cublas", "regtile2d"]
    assert (out / "cuda_sgemm_stub-gpu-9000.md").read_text() == "# sgemm table\n"
    md = (out / "gpu_check_stub-gpu-9000.md").read_text()
    assert "| 1024^3 | regtile2d | 17.2 | 80% |" in md  # 2 * 1024^3 flop in 0.125 ms
    assert "- FAILED tests.test_a::test_bad" in md
    log = (out / "gpu_check.log").read_text()
    assert "    measured 1024^3, now hanging" in log


def test_a_stage_over_its_limit_is_killed_with_its_children(tmp_path):
    log = gpu_check.Log(tmp_path / "log")
    marker = tmp_path / "pid"
    code = (f"import subprocess, time; c = subprocess.Popen(['sleep', '60']); "
            f"open(r'{marker}', 'w').write(str(c.pid)); print('started', flush=True); time.sleep(60)")
    started = time.monotonic()
    out = gpu_check.run_command(py(code), 2, log, dict(os.environ))
    assert time.monotonic() - started < 15
    assert out["timed_out"] and out["tail"] == ["started"]
    pid = int(marker.read_text())
    for _ in range(50):
        if process_gone(pid):
            break
        time.sleep(0.1)
    assert process_gone(pid)
    assert gpu_check.classify("smoke", out, dry_run=False)[0] == "timeout"
    assert gpu_check.classify("conv", out, dry_run=False)[0] == "partial"


def test_missing_test_packages_fail_the_pytest_stage_with_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_check, "TEST_PACKAGES", ("minigan_stub_absent",))
    commands = {name: py("print('fine')") for name in STAGE_NAMES[1:]}
    code = gpu_check.run_check(tmp_path, 200, dry_run=False, commands=commands, probe=fake_machine,
                               stages=[gpu_check.Stage(s.name, 20, 1, s.what) for s in gpu_check.STAGES])
    assert code == 1
    summary = json.loads((tmp_path / "gpu_check_stub-gpu-9000.json").read_text())
    stage = next(r for r in summary["stages"] if r["stage"] == "pytest-gpu")
    assert stage["status"] == "failed"
    assert stage["detail"] == "cannot run: ['minigan_stub_absent'] missing (pip install pytest hypothesis)"


def test_a_budget_below_the_guaranteed_minimums_is_a_clear_error(tmp_path, capsys):
    assert gpu_check.main(["--budget", "10", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --budget must be at least 330 s")
    assert not any(tmp_path.iterdir())


def test_the_default_stage_limits_fit_the_eight_minute_budget():
    reserves = sum(s.reserve_s for s in gpu_check.STAGES)
    assert reserves <= 480
    assert [s.name for s in gpu_check.STAGES] == STAGE_NAMES
    # every gpu test file is found, and only files that hold gpu tests
    files = gpu_check.gpu_test_files()
    assert "tests/test_cuda_kernels.py" in files and "tests/test_gpu_check.py" not in files


def test_sigterm_stops_the_running_stage_and_still_writes_the_summary(tmp_path, monkeypatch):
    import signal

    previous = signal.signal(signal.SIGTERM, gpu_check.on_signal)
    try:
        commands = {name: py("print('fine')") for name in STAGE_NAMES[1:]}
        # the pytest stage: as if a time limit around the check ended it while tests ran
        commands["pytest-gpu"] = py("import os, signal, time; os.kill(os.getppid(), signal.SIGTERM); time.sleep(30)")
        stages = [gpu_check.Stage(s.name, 20, 1, s.what) for s in gpu_check.STAGES]
        started = time.monotonic()
        code = gpu_check.run_check(tmp_path, 200, dry_run=False, commands=commands,
                                   probe=fake_machine, stages=stages)
        assert time.monotonic() - started < 20
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert code == 1
    summary = json.loads((tmp_path / "gpu_check_stub-gpu-9000.json").read_text())
    status = [(r["stage"], r["status"]) for r in summary["stages"]]
    assert status[:3] == [("machine", "passed"), ("smoke", "passed"), ("pytest-gpu", "interrupted")]
    assert all(s == "skipped" for _, s in status[3:])
    assert summary["stages"][3]["detail"] == "the check was interrupted (SIGTERM)"
