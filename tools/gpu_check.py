"""The whole GPU check of minigan in one unattended command, bounded in time (8 minutes by default).

    bash tools/gpu_check.sh OUT_DIR          # or: python3 tools/gpu_check.py --out OUT_DIR
    GPU_CHECK_OUT=OUT_DIR bash tools/gpu_check.sh
    bash tools/gpu_check.sh --dry-run OUT_DIR   # on a CPU: every stage's command checked, GPU work skipped

Run from anywhere; it works in the repository that holds it. The stages, in order, each a child
process with its own time limit (killed with its whole process group when it runs over):

  machine      GPU name, driver, CUDA runtime, NVRTC, CuPy, PyTorch/cuDNN, compute-sanitizer versions
  smoke        tools/cuda_sanitize_run.py: every kernel instance launched once on a small awkward
               problem, each result against float64 NumPy
  pytest-gpu   `pytest -m gpu` over the test files that hold gpu-marked tests (kernels vs NumPy, the
               conv ops on CuPy vs NumPy, a DCGAN training step on CuPy vs NumPy with and without the
               own kernels, the optimizers and checkpoints on CuPy)
  memcheck     tools/cuda_sanitize.sh with compute-sanitizer's memcheck, then racecheck, on the smoke
  racecheck    problems (skipped when compute-sanitizer is absent or refuses the device)
  sgemm        benchmarks/cuda_sgemm.py: every stage vs cuBLAS at 1024^3, 4096^3 and the DCGAN GEMMs
  conv         benchmarks/cuda_conv.py: the DCGAN conv layers vs cuDNN (PyTorch)
  train-step   benchmarks/cuda_train_step.py: a DCGAN step, minigan on CuPy vs PyTorch CUDA eager,
               batch 64 and 512

Time: each stage has a cap, and each later stage is guaranteed a minimum, so the whole run ends
within --budget seconds (480) plus a few seconds of bookkeeping. A stage stopped at its limit keeps
what it wrote (the benchmarks write their results after every shape).

What the machine needs: a CUDA GPU, CuPy for its CUDA version (pip install -e ".[cuda13]" or
[cuda12]), pytest and hypothesis (the pytest-gpu stage fails without them), and, for the
comparisons, PyTorch with CUDA; compute-sanitizer (from the CUDA toolkit) is used when found. No
network is used.

Output folder (six files):
  gpu_check.log               every stage's output, with a header line per stage
  gpu_check_<gpu>.json        machine, stages (status, seconds, limit, exit code, command), the pytest
                              counts, and every benchmark row
  gpu_check_<gpu>.md          the same as a summary to commit under benchmarks/results/
  cuda_sgemm_<gpu>.md, cuda_conv_<gpu>.md, cuda_train_step_<gpu>.md   the benchmarks' own tables
Exit status: 0 when every stage passed (or was skipped for a reason that is not a failure: the
sanitizer absent or refused; or, for a benchmark, stopped at its limit with partial results: status
"partial"), 1 when a stage failed or a test or sanitizer stage ran out of time, 2 when no usable GPU was found
(or bad arguments). With --dry-run: 0 when every stage's command behaved as it should without a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NO_GPU = "needs CuPy and a CUDA GPU"  # what every GPU script prints before leaving with status 2
PARTIAL_OK = ("sgemm", "conv", "train-step")  # benchmarks keep every row written before a time-out
REFUSED = ("Device not supported", "device not supported", "unsupported device", "error 999",
           "CUDA_ERROR_UNKNOWN", "Target application terminated before first instrumented API call")
TEST_PACKAGES = ("pytest", "hypothesis")  # what the pytest-gpu stage needs besides CuPy


# ----------------------------------------------------------------------------- running one stage


@dataclass
class Stage:
    name: str
    cap_s: float      # the most this stage may take
    reserve_s: float  # what it is guaranteed, however long the stages before it took
    what: str         # one line for the summary


STAGES = [
    Stage("machine", 60, 20, "GPU, driver, CUDA, NVRTC, CuPy, PyTorch, cuDNN, sanitizer versions"),
    Stage("smoke", 90, 45, "every kernel instance launched once, each result vs float64 NumPy"),
    Stage("pytest-gpu", 150, 90, "pytest -m gpu: kernels, conv ops and a DCGAN step on CuPy vs NumPy"),
    Stage("memcheck", 60, 25, "compute-sanitizer memcheck on the smoke problems"),
    Stage("racecheck", 90, 30, "compute-sanitizer racecheck on the smoke problems"),
    Stage("sgemm", 180, 60, "SGEMM stages vs cuBLAS: 1024^3, 4096^3, DCGAN GEMMs"),
    Stage("conv", 60, 30, "DCGAN conv layers vs cuDNN"),
    Stage("train-step", 60, 30, "DCGAN step on CuPy vs PyTorch CUDA eager, batch 64 and 512"),
]


class Log:
    """Lines to stdout (flushed: the collector shows the tail) and to gpu_check.log."""

    def __init__(self, path: Path):
        self.file = open(path, "a", encoding="utf-8", errors="replace")
        self.lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self.lock:
            print(line, flush=True)
            self.file.write(line + "\n")
            self.file.flush()


class Interrupted(Exception):
    """SIGTERM or SIGINT reached the check: the running stage was stopped."""


RUNNING: dict = {"proc": None}  # the stage's child process, for the signal handler


def kill_group(proc, grace_s: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, to the child's process group (the child and what it started)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            continue


def on_signal(signum, frame):
    if RUNNING["proc"] is not None:
        kill_group(RUNNING["proc"], grace_s=2.0)
    raise Interrupted(signal.Signals(signum).name)


def run_command(cmd: list, limit_s: float, log: Log, env: dict, cwd: Path = ROOT) -> dict:
    """Run cmd in its own process group, its output streamed to the log; kill the group at limit_s.

    The group stays in this session (no setsid), so whatever runs the check can still end it.
    Returns {"rc", "seconds", "timed_out", "tail"} (tail: the last 40 lines of output)."""
    started = time.monotonic()
    tail: list = []
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=os.setpgrp)
    except OSError as err:
        log(f"    could not start {cmd[0]}: {err}")
        return {"rc": None, "seconds": 0.0, "timed_out": False, "tail": [str(err)]}
    RUNNING["proc"] = proc

    def pump():
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            tail.append(line)
            del tail[:-40]
            log("    " + line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=max(limit_s, 1.0))
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(proc)
    finally:
        RUNNING["proc"] = None
    reader.join(timeout=5)
    return {"rc": proc.returncode, "seconds": round(time.monotonic() - started, 1), "timed_out": timed_out,
            "tail": list(tail)}


# ----------------------------------------------------------------------------- pytest and hypothesis


def missing_modules(names) -> list:
    import importlib.util

    return [n for n in names if importlib.util.find_spec(n) is None]


def gpu_test_files() -> list:
    """The test files that hold gpu-marked tests (relative paths): only these are collected, so a test
    module that needs a package the GPU machine lacks cannot stop the GPU tests."""
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_*.py")
                  if re.search(r"mark\.gpu\b", p.read_text(encoding="utf-8")))


def junit_counts(path: Path) -> dict:
    """tests / failures / errors / skipped of a junit XML file, with the failing and skipped test ids."""
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "failed_ids": [], "skipped_ids": []}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return counts
    for case in root.iter("testcase"):
        counts["tests"] += 1
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None:
            counts["failures"] += 1
            counts["failed_ids"].append(name)
        elif case.find("error") is not None:
            counts["errors"] += 1
            counts["failed_ids"].append(name)
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
            reason = case.find("skipped").get("message", "")
            counts["skipped_ids"].append(f"{name}: {reason}"[:200])
    return counts


# ----------------------------------------------------------------------------- the machine


MACHINE_PROBE = r"""
import json, os, platform
info = {"python": platform.python_version(), "executable": __import__("sys").executable}
try:
    import numpy; info["numpy"] = numpy.__version__
except Exception as e: info["numpy"] = f"missing: {e}"
try:
    import cupy
    info["cupy"] = cupy.__version__
    rt = cupy.cuda.runtime
    info["device_count"] = rt.getDeviceCount()
    p = rt.getDeviceProperties(0)
    info["gpu"] = p["name"].decode() if isinstance(p["name"], bytes) else str(p["name"])
    info["compute_capability"] = f"{p['major']}.{p['minor']}"
    info["multiprocessors"] = p["multiProcessorCount"]
    info["memory_gib"] = round(p["totalGlobalMem"] / 2**30, 1)
    info["l2_bytes"] = p.get("l2CacheSize")
    info["cuda_driver_api"] = rt.driverGetVersion()
    info["cuda_runtime"] = rt.runtimeGetVersion()
    try:
        info["nvrtc"] = ".".join(map(str, cupy.cuda.nvrtc.getVersion()))
    except Exception as e: info["nvrtc"] = f"unknown: {e}"
except Exception as e:
    info["gpu_error"] = f"{type(e).__name__}: {e}"
try:
    import torch
    info["torch"] = torch.__version__
    info["torch_cuda"] = torch.version.cuda
    info["torch_sees_gpu"] = torch.cuda.is_available()
    info["cudnn"] = torch.backends.cudnn.version() if torch.cuda.is_available() else None
except Exception as e:
    info["torch"] = f"missing: {e}"
for name in ("pytest", "hypothesis"):
    try:
        info[name] = __import__(name).__version__
    except Exception as e:
        info[name] = f"missing: {e}"
print("MACHINE " + json.dumps(info))
"""


def find_sanitizer() -> str | None:
    """compute-sanitizer: $COMPUTE_SANITIZER, the PATH, the CUDA toolkit folders, or None."""
    import glob

    candidates = [os.environ.get("COMPUTE_SANITIZER"), shutil.which("compute-sanitizer"),
                  "/usr/local/cuda/bin/compute-sanitizer", "/usr/local/cuda/compute-sanitizer/compute-sanitizer",
                  *sorted(glob.glob("/usr/local/cuda-*/bin/compute-sanitizer"), reverse=True),
                  *sorted(glob.glob("/opt/nvidia/*/compute-sanitizer/compute-sanitizer"), reverse=True)]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def probe_machine(limit_s: float, log: Log, env: dict) -> dict:
    info = {"host": platform.node(), "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    started = time.monotonic()
    smi = shutil.which("nvidia-smi")
    if smi:
        out = run_command([smi, "--query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit",
                           "--format=csv,noheader"], min(20, limit_s), log, env)
        if out["rc"] == 0 and out["tail"]:
            fields = [f.strip() for f in out["tail"][0].split(",")]
            info.update(zip(("smi_name", "driver", "smi_memory", "max_sm_clock", "power_limit"), fields))
    else:
        info["driver"] = "nvidia-smi not found"
    left = limit_s - (time.monotonic() - started)
    out = run_command([sys.executable, "-c", MACHINE_PROBE], max(left - 15, 5), log, env)
    for line in out["tail"]:
        if line.startswith("MACHINE "):
            info.update(json.loads(line[len("MACHINE "):]))
    sanitizer = find_sanitizer()
    info["compute_sanitizer"] = sanitizer or "not found"
    if sanitizer:
        out = run_command([sanitizer, "--version"], max(min(10, limit_s - (time.monotonic() - started)), 1), log, env)
        versions = [line for line in out["tail"] if "Version" in line or "version" in line]
        info["compute_sanitizer_version"] = versions[-1].strip() if versions else "unknown"
    return info


def git_commit() -> str:
    """The checked-out commit (+ "-dirty" when files differ from it), or "unknown" without git."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head + ("-dirty" if dirty else "")) if head else "unknown"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unknown-gpu"


# ----------------------------------------------------------------------------- the check


def stage_commands(py: str, work: Path, dry_run: bool) -> dict:
    """The command of each stage after `machine` (None: not a child process)."""
    pytest_cmd = [py, "-m", "pytest", "-m", "gpu", "-q", "-rfEs", "-p", "no:cacheprovider",
                  f"--junitxml={work / 'pytest_gpu.xml'}", *(["--collect-only"] if dry_run else []),
                  *gpu_test_files()]
    return {
        "smoke": [py, "tools/cuda_sanitize_run.py", "--fail-fast"],
        "pytest-gpu": pytest_cmd,
        "memcheck": ["bash", "tools/cuda_sanitize.sh"],
        "racecheck": ["bash", "tools/cuda_sanitize.sh"],
        "sgemm": [py, "benchmarks/cuda_sgemm.py", "--square", "1024,4096", "--samples", "5", "--out", str(work)],
        "conv": [py, "benchmarks/cuda_conv.py", "--samples", "5", "--out", str(work)],
        "train-step": [py, "benchmarks/cuda_train_step.py", "--batch", "64,512", "--samples", "5",
                       "--out", str(work)],
    }


def classify(stage: str, out: dict, dry_run: bool) -> tuple:
    """(status, detail) of a finished stage: passed / failed / timeout / skipped / no-gpu."""
    text = "\n".join(out["tail"])
    if out["timed_out"] and stage in PARTIAL_OK:
        return "partial", f"stopped at its time limit after {out['seconds']} s; what it measured is kept"
    if out["timed_out"]:
        return "timeout", f"stopped at its time limit after {out['seconds']} s"
    if out["rc"] is None:
        return "failed", "could not start: " + text[-200:]
    if stage in ("memcheck", "racecheck"):
        if out["rc"] == 2 and "not found" in text:
            return "skipped", "compute-sanitizer not found"
        if out["rc"] != 0 and any(s in text for s in REFUSED):
            return "skipped", "compute-sanitizer refused the device (e.g. gVisor): " + next(
                s for s in REFUSED if s in text)
    if out["rc"] == 2 and NO_GPU in text:
        return ("skipped" if dry_run else "no-gpu"), "no CuPy / CUDA device: the script ran no GPU work"
    if out["rc"] == 0:
        return "passed", ""
    last = [line for line in out["tail"] if line.strip()][-3:]
    return "failed", f"exit status {out['rc']}: " + " | ".join(last)[-300:]


def run_check(out_dir: Path, budget_s: float, dry_run: bool, py: str = sys.executable,
              commands: dict | None = None, probe=None, stages: list | None = None) -> int:
    """Every stage in order; the summary files into out_dir; the exit status (module docstring).

    commands, probe and stages replace the stages' commands, the machine probe and the stage list with
    its time limits (tests only)."""
    stages = stages or [Stage(s.name, s.cap_s, s.reserve_s, s.what) for s in STAGES]
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="minigan-gpu-check-"))
    log_path = out_dir / "gpu_check.log"
    log_path.write_text("")
    log = Log(log_path)
    t0 = time.monotonic()
    deadline = t0 + budget_s
    summary = {"started_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"), "budget_s": budget_s,
               "dry_run": dry_run, "repository": str(ROOT), "stages": []}
    summary["commit"] = git_commit()
    log(f"== minigan GPU check{' (DRY RUN: no GPU work is expected)' if dry_run else ''}: commit "
        f"{summary['commit']}, budget {budget_s:.0f} s, output {out_dir}")

    summary["missing_test_packages"] = missing_modules(TEST_PACKAGES)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(PYTHONUNBUFFERED="1", CUPY_CACHE_DIR=env.get("CUPY_CACHE_DIR", str(work / "cupy-cache")),
               PYTHON=py, MPLBACKEND="Agg", CUPY_TF32="0")
    commands = {**stage_commands(py, work, dry_run), **(commands or {})}
    probe = probe or probe_machine

    machine = {}
    stop_reason = None
    for i, stage in enumerate(stages):
        try:
            reserve_after = sum(s.reserve_s for s in stages[i + 1:])
            limit = min(stage.cap_s, deadline - time.monotonic() - reserve_after)
            record = {"stage": stage.name, "what": stage.what, "limit_s": round(max(limit, 0), 1)}
            summary["stages"].append(record)
            log(f"== [{i + 1}/{len(stages)}] {stage.name}: {stage.what} (limit {max(limit, 0):.0f} s)")
            if stop_reason:
                record.update(status="skipped", detail=stop_reason, seconds=0.0)
                log(f"   SKIPPED {stage.name}: {stop_reason}")
                continue
            if limit < min(5.0, stage.cap_s):
                record.update(status="skipped", detail="no time left in the budget", seconds=0.0)
                log(f"   SKIPPED {stage.name}: no time left in the budget")
                continue
            if stage.name == "machine":
                started = time.monotonic()
                machine = probe(limit, log, env)
                record["seconds"] = round(time.monotonic() - started, 1)
                has_gpu = machine.get("device_count", 0) > 0 and "gpu" in machine
                record["status"] = "passed" if has_gpu else ("skipped" if dry_run else "no-gpu")
                record["detail"] = (f"{machine.get('gpu')}, driver {machine.get('driver')}, CUDA runtime "
                                    f"{machine.get('cuda_runtime')}, CuPy {machine.get('cupy')}" if has_gpu
                                    else f"no usable GPU: {machine.get('gpu_error', 'CuPy sees no device')}")
                log(f"   machine: {json.dumps(machine)}")
                if not has_gpu and not dry_run:
                    stop_reason = "no usable GPU (see the machine stage)"
                continue
            cmd = [str(c).replace("$WORK", str(work)) for c in commands[stage.name]]
            stage_env = dict(env)
            if stage.name in ("memcheck", "racecheck"):
                stage_env["SANITIZER_TOOLS"] = stage.name
                if find_sanitizer():
                    stage_env["COMPUTE_SANITIZER"] = find_sanitizer()
                if dry_run:
                    record.update(status="skipped", seconds=0.0,
                                  detail=f"dry run: compute-sanitizer {'found' if find_sanitizer() else 'not found'}; "
                                         f"would run SANITIZER_TOOLS={stage.name} bash tools/cuda_sanitize.sh")
                    log(f"   SKIPPED {stage.name}: {record['detail']}")
                    continue
            if stage.name == "pytest-gpu" and summary["missing_test_packages"]:
                record.update(status="failed", seconds=0.0,
                              detail=f"cannot run: {summary['missing_test_packages']} missing "
                                     "(pip install pytest hypothesis)")
                log(f"   FAILED {stage.name}: {record['detail']}")
                continue
            record["command"] = " ".join(cmd).replace(str(work), "$WORK")
            log(f"   $ {record['command']}")
            out = run_command(cmd, limit, log, stage_env)
            status, detail = classify(stage.name, out, dry_run)
            if stage.name == "pytest-gpu":
                counts = junit_counts(work / "pytest_gpu.xml")
                if dry_run:
                    collected = sum(1 for line in out["tail"] if "::" in line)
                    m = re.search(r"(\d+)(?:/\d+)? tests? (?:collected|selected)", "\n".join(out["tail"]))
                    counts["collected"] = int(m.group(1)) if m else collected
                    if status == "passed" and counts["collected"] == 0:
                        status, detail = "failed", "no gpu-marked test collected"
                    elif status == "passed":
                        detail = f"collected {counts['collected']} gpu tests (dry run: not run)"
                else:
                    ran = counts["tests"] - counts["skipped"]
                    if status == "passed" and ran == 0:
                        status, detail = "failed", "every gpu test was skipped: CuPy did not see the GPU"
                    elif status in ("passed", "failed"):
                        detail = (f"{counts['tests']} tests: {ran - counts['failures'] - counts['errors']} passed, "
                                  f"{counts['failures']} failed, {counts['errors']} errors, {counts['skipped']} skipped"
                                  + (f" ({detail})" if status == "failed" else ""))
                summary["pytest"] = counts
            if dry_run and status == "skipped" and stage.name in ("smoke", "sgemm", "conv", "train-step"):
                detail = "dry run: the script took its arguments and left at once, finding no GPU"
            record.update(status=status, detail=detail, seconds=out["seconds"], rc=out["rc"])
            log(f"   {status.upper()} {stage.name} in {out['seconds']} s{': ' + detail if detail else ''}")
            if stage.name == "smoke" and status == "no-gpu":
                stop_reason = "no usable GPU (the smoke test found none)"
        except Interrupted as signal_name:
            record.update(status="interrupted", detail=f"{signal_name} reached the check: stage stopped")
            log(f"   INTERRUPTED {stage.name}: {signal_name}")
            stop_reason = f"the check was interrupted ({signal_name})"
        except Exception as err:  # noqa: BLE001 - a bug here must not cost the other stages
            record.update(status="failed", detail=f"gpu_check.py itself failed: {type(err).__name__}: {err}")
            log(f"   FAILED {stage.name}: gpu_check.py itself failed: {traceback.format_exc()}")

    if signal.getsignal(signal.SIGTERM) is on_signal:  # the summary is written whatever comes now
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    summary["machine"] = machine
    summary["seconds"] = round(time.monotonic() - t0, 1)
    gpu = slug(machine.get("gpu", "no-gpu"))
    for name in ("cuda_sgemm", "cuda_conv", "cuda_train_step"):
        found = sorted(work.glob(f"{name}_*.json"))
        if found:
            summary[name] = json.loads(found[0].read_text())
            shutil.copy(found[0].with_suffix(".md"), out_dir / found[0].with_suffix(".md").name)
    statuses = [r["status"] for r in summary["stages"]]
    if dry_run:
        bad = [r["stage"] for r in summary["stages"] if r["status"] in ("failed", "timeout", "interrupted")]
        code = 1 if bad else 0
    elif "no-gpu" in statuses:
        code = 2
    else:
        code = 1 if any(s in ("failed", "timeout", "interrupted") for s in statuses) else 0
    summary["verdict"] = {0: "passed", 1: "FAILED", 2: "no usable GPU"}[code] + (" (dry run)" if dry_run else "")
    stem = out_dir / f"gpu_check_{gpu}"
    stem.with_suffix(".json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    stem.with_suffix(".md").write_text(markdown(summary))
    log(f"== {summary['verdict']} in {summary['seconds']} s: " +
        ", ".join(f"{r['stage']} {r['status']}" for r in summary["stages"]))
    log(f"   wrote {stem}.json, {stem}.md and gpu_check.log in {out_dir}")
    shutil.rmtree(work, ignore_errors=True)
    return code


# ----------------------------------------------------------------------------- the summary


def _fmt(v, spec):
    return "" if v is None else format(v, spec)


def sgemm_lines(data) -> list:
    rows = [r for r in data.get("rows", []) if "error" not in r]
    if not rows:
        return ["No SGEMM rows were measured."]
    lines = ["| shape | method | TFLOP/s | % of cuBLAS (kernel time) |", "| --- | --- | ---: | ---: |"]
    for r in rows:
        if r["group"] != "square":
            continue
        tflops = 2.0 * r["M"] * r["N"] * r["K"] / r["kernel"]["ms"] / 1e9
        pct = r.get("pct_cublas_kernel")
        lines.append(f"| {r['shape']} | {r['method']} | {tflops:.1f} | {_fmt(pct, '.0f')}{'%' if pct else ''} |")
    dcgan = {}
    for r in rows:
        if r["group"] == "dcgan" and "pct_cublas_kernel" in r:
            dcgan.setdefault(r["method"], []).append(r["pct_cublas_kernel"])
    if dcgan:
        lines += ["", "DCGAN GEMMs (forward and both backward products of every layer): % of cuBLAS per method.", "",
                  "| method | shapes | median % | worst % |", "| --- | ---: | ---: | ---: |"]
        for method, pcts in dcgan.items():
            pcts = sorted(pcts)
            lines.append(f"| {method} | {len(pcts)} | {pcts[len(pcts) // 2]:.0f}% | {pcts[0]:.0f}% |")
    failed = [r for r in data.get("rows", []) if "error" in r]
    if failed:
        lines += ["", f"{len(failed)} SGEMM measurements failed: " +
                  "; ".join(f"{r['shape']} {r['method']}: {r['error'][:80]}" for r in failed[:5])]
    return lines


def markdown(summary) -> str:
    m = summary.get("machine", {})
    title = m.get("gpu", "no GPU")
    lines = [f"# minigan GPU check on {title}{' (dry run)' if summary['dry_run'] else ''}", "",
             f"Verdict: **{summary['verdict']}** in {summary['seconds']} s (budget {summary['budget_s']:.0f} s), "
             f"commit `{summary.get('commit')}`, started {summary['started_utc']}. Command: "
             "`bash tools/gpu_check.sh OUT_DIR` (tools/gpu_check.py).", "", "## Machine", ""]
    for key in ("gpu", "compute_capability", "multiprocessors", "memory_gib", "driver", "cuda_driver_api",
                "cuda_runtime", "nvrtc", "cupy", "numpy", "torch", "torch_cuda", "cudnn", "python",
                "compute_sanitizer_version", "pytest", "hypothesis", "host", "gpu_error"):
        if key in m:
            lines.append(f"- {key}: {m[key]}")
    lines += ["", "## Stages", "", "| stage | status | seconds | limit s | what | detail |",
              "| --- | --- | ---: | ---: | --- | --- |"]
    for r in summary["stages"]:
        detail = str(r.get("detail", "")).replace("|", "/")
        lines.append(f"| {r['stage']} | {r['status']} | {r.get('seconds', '')} | {r['limit_s']} | {r['what']} | {detail} |")
    p = summary.get("pytest")
    if p and (p.get("failed_ids") or p.get("skipped_ids")):
        lines += ["", "## pytest -m gpu: failures and skips", ""]
        lines += [f"- FAILED {t}" for t in p["failed_ids"]] + [f"- skipped {t}" for t in p["skipped_ids"][:20]]
    if "cuda_sgemm" in summary:
        lines += ["", "## SGEMM vs cuBLAS (FP32, CUPY_TF32=0)", "", *sgemm_lines(summary["cuda_sgemm"]),
                  "", "Every shape: `cuda_sgemm_<gpu>.md`."]
    if "cuda_conv" in summary:
        lines += ["", "## Convolutions vs cuDNN (FP32, TF32 off), forward + backward", "",
                  "| model | layer | kernels ms | cuDNN ms | kernels / cuDNN | max rel err |", "| --- | --- | ---: | ---: | ---: | ---: |"]
        for r in summary["cuda_conv"].get("rows", []):
            ours, theirs = r.get("kernels_fwd_bwd", {}).get("ms"), r.get("cudnn_fwd_bwd", {}).get("ms")
            ratio = f"{ours / theirs:.2f}x" if ours and theirs else r.get("kernels_error", r.get("cudnn_error", ""))[:60]
            err = max(r["kernels_rel_err"]) if r.get("kernels_rel_err") else None
            lines.append(f"| {r['model']} | {r['layer']} | {_fmt(ours, '.3f')} | {_fmt(theirs, '.3f')} | {ratio} | "
                         f"{_fmt(err, '.1e')} |")
    if "cuda_train_step" in summary:
        lines += ["", "## DCGAN training step: minigan on CuPy vs PyTorch CUDA eager", "",
                  "| batch | kernels ms | cuBLAS ms | PyTorch ms | kernels / PyTorch | losses agree |",
                  "| ---: | ---: | ---: | ---: | ---: | --- |"]
        for r in summary["cuda_train_step"].get("rows", []):
            ms = [r.get(w, {}).get("ms") for w in ("kernels", "cublas", "torch")]
            ok = all(r.get(f"{w}_loss_ok", True) for w in ("kernels", "cublas", "torch"))
            lines.append(f"| {r['batch']} | {' | '.join(_fmt(v, '.2f') for v in ms)} | "
                         f"{_fmt(r.get('kernels_over_torch'), '.2f')}{'x' if 'kernels_over_torch' in r else ''} | "
                         f"{'yes' if ok else 'NO'} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="minigan's GPU check: smoke, pytest -m gpu, sanitizers, benchmarks")
    parser.add_argument("out", nargs="?", default=None, metavar="DIR",
                        help="output folder (default: $GPU_CHECK_OUT, else $OUT, else runs/gpu_check)")
    parser.add_argument("--out", dest="out_opt", metavar="DIR", default=None, help="output folder (same as the positional)")
    parser.add_argument("--budget", type=float, default=os.environ.get("GPU_CHECK_BUDGET", "480"),
                        help="seconds for all stages together (default: $GPU_CHECK_BUDGET, else 480)")
    parser.add_argument("--dry-run", action="store_true",
                        help="on a CPU: run every stage's command in its no-GPU form (CI)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    out = args.out_opt or args.out or os.environ.get("GPU_CHECK_OUT") or os.environ.get("OUT") or str(ROOT / "runs" / "gpu_check")
    minimum = sum(s.reserve_s for s in STAGES)
    if not args.dry_run and args.budget < minimum:
        print(f"error: --budget must be at least {minimum:.0f} s (every stage's guaranteed minimum), got {args.budget:g}",
              file=sys.stderr)
        return 2
    return run_check(Path(out).resolve(), args.budget, args.dry_run)


if __name__ == "__main__":
    raise SystemExit(main())
