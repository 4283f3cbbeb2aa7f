"""The way out at scale: examples/ddp_dcgan.py, a DCGAN training loop written against minigan, runs
on PyTorch's DistributedDataParallel (gloo, 2 processes under torchrun) with only its import line
changed, starting from weights minigan trained; PyTorch's weights come back into minigan exactly.

Three runs of the same program, each a few steps on tiny models:
  1. minigan, one process: trains from DCGAN's initialisation, writes start/ (G, D .safetensors);
  2. PyTorch, `torchrun --nproc_per_node 2` on 127.0.0.1 (a free port), from start/ -> ddp/;
  3. minigan again, --steps 0: loads ddp/, writes back/ (weights re-saved, samples).
Every subprocess has a timeout and is killed with its process group when it runs over.
"""

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan import gan

torch = pytest.importorskip("torch")
safetensors_numpy = pytest.importorskip("safetensors.numpy")
if not (torch.distributed.is_available() and torch.distributed.is_gloo_available()):
    pytest.skip(
        "this PyTorch build has no gloo backend for torch.distributed", allow_module_level=True
    )

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "examples" / "ddp_dcgan.py"
DATA = ROOT / "data" / "fashion-mnist-sample" / "t10k-images-idx3-ubyte.gz"
WIDTH, BATCH, SAMPLES = 8, 8, 32
TORCH_STEPS = 3
TIMEOUT = 240  # seconds for one run; a normal one takes a few seconds of CPU


def torch_version(code: str) -> str:
    """The program with its one minigan import line changed to `import torch`."""
    return (
        "\n".join(
            "import torch" if line.startswith("import minigan as torch") else line
            for line in code.splitlines()
        )
        + "\n"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command: list, cwd: Path, env_extra: dict | None = None, timeout: int = TIMEOUT):
    """Run a command in its own process group; kill the whole group if it runs over `timeout`."""
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        OMP_NUM_THREADS="1",
        GLOO_SOCKET_IFNAME="lo",
        **(env_extra or {}),
    )
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        if name not in (env_extra or {}):
            env.pop(name, None)
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        pytest.fail(f"{' '.join(map(str, command))} ran over {timeout} s:\n{output[-3000:]}")
    return proc.returncode, output


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("ddp")
    program = work / "ddp_dcgan_torch.py"
    program.write_text(torch_version(PROGRAM.read_text(encoding="utf-8")), encoding="utf-8")
    common = f"--batch-size {BATCH} --samples {SAMPLES} --data {DATA}".split()
    python = [sys.executable, str(PROGRAM)]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1"]
    torchrun += ["--nproc_per_node", "2", "--rdzv-backend", "c10d", "--max-restarts", "0"]
    torchrun += ["--rdzv-endpoint", f"127.0.0.1:{free_port()}", str(program)]

    code, out = run([*python, *f"--steps 2 --width {WIDTH} --out start".split(), *common], work)
    assert code == 0, out
    ddp = f"--init start --steps {TORCH_STEPS} --save-every-process --out ddp".split()
    code, out = run([*torchrun, *ddp, *common], work)
    assert code == 0, out
    assert "torch, 2 process(es): 3 steps" in out
    code, out = run([*python, *["--init", "ddp", "--steps", "0", "--out", "back"], *common], work)
    assert code == 0, out
    return work


def weights(path: Path) -> dict:
    return safetensors_numpy.load_file(str(path))


def test_the_torch_program_differs_by_one_import_line():
    code = PROGRAM.read_text(encoding="utf-8")
    changed = [
        (a, b) for a, b in zip(code.splitlines(), torch_version(code).splitlines()) if a != b
    ]
    assert changed == [
        (
            "import minigan as torch  # on PyTorch: import torch   (the only line that changes)",
            "import torch",
        )
    ]
    # and the command the README and the program's docstring give does the same
    assert "sed 's/^import minigan as torch.*/import torch/'" in code


def test_every_process_ends_with_the_same_weights(runs):
    config = json.loads((runs / "ddp" / "config.json").read_text())
    assert (config["library"], config["processes"], config["steps"]) == ("torch", 2, TORCH_STEPS)
    for model in ("G", "D"):
        rank0, rank1 = (
            weights(runs / "ddp" / f"{model}.rank0.safetensors"),
            weights(runs / "ddp" / f"{model}.rank1.safetensors"),
        )
        assert sorted(rank0) == sorted(rank1)
        differing = [k for k in rank0 if rank0[k].tobytes() != rank1[k].tobytes()]
        assert differing == [], model


def test_pytorch_trained_from_minigans_weights(runs):
    history = json.loads((runs / "ddp" / "history.json").read_text())
    assert [row["step"] for row in history] == [1, 2, 3]
    assert all(np.isfinite([row["d_loss"], row["g_loss"]]).all() for row in history)
    for model in ("G", "D"):
        start, after = (
            weights(runs / "start" / f"{model}.safetensors"),
            weights(runs / "ddp" / f"{model}.safetensors"),
        )
        assert sorted(start) == sorted(after)
        unchanged = [
            k for k in start if k.endswith("weight") and np.array_equal(start[k], after[k])
        ]
        assert unchanged == [], model  # every weight moved in the 3 steps
        tracked = [
            int(after[k]) - int(start[k]) for k in start if k.endswith("num_batches_tracked")
        ]
        assert tracked and set(tracked) == (
            {2 * TORCH_STEPS} if model == "G" else {3 * TORCH_STEPS}
        )


def test_minigans_weights_load_into_torch_exactly(runs):
    """The first leg: minigan's file in PyTorch's model is bit for bit what minigan saved."""
    spec = importlib.util.spec_from_file_location("ddp_dcgan_torch", runs / "ddp_dcgan_torch.py")
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    assert program.torch is torch
    G = program.Generator(100, WIDTH)
    program.load_weights(G, runs / "start" / "G.safetensors")
    saved = weights(runs / "start" / "G.safetensors")
    for key, value in G.state_dict().items():
        assert value.numpy().tobytes() == saved[key].tobytes(), key
        assert (
            value.numpy().dtype == saved[key].dtype and value.numpy().shape == saved[key].shape
        ), key


def test_the_weights_come_back_into_minigan_exactly(runs):
    """The second leg: PyTorch's files in minigan's course models (gan.DCGANGenerator28 and
    DCGANDiscriminator28, through mg.load) are bit for bit what PyTorch saved, and compute what
    PyTorch computed."""
    for model, name in (
        (gan.DCGANGenerator28(width=WIDTH), "G"),
        (gan.DCGANDiscriminator28(width=WIDTH), "D"),
    ):
        saved = weights(runs / "ddp" / f"{name}.safetensors")
        model.load_state_dict(mg.load(runs / "ddp" / f"{name}.safetensors"))
        state = model.state_dict()
        assert sorted(state) == sorted(saved)
        for key, value in state.items():
            assert np.asarray(value.numpy()).tobytes() == saved[key].tobytes(), f"{name}.{key}"
        # the program, back on minigan, re-saved them unchanged
        again = weights(runs / "back" / f"{name}.safetensors")
        assert {k: v.tobytes() for k, v in again.items()} == {
            k: v.tobytes() for k, v in saved.items()
        }
    torch_samples, minigan_samples = (
        np.load(runs / "ddp" / "samples.npy"),
        np.load(runs / "back" / "samples.npy"),
    )
    assert torch_samples.shape == minigan_samples.shape == (SAMPLES, 1, 28, 28)
    np.testing.assert_allclose(minigan_samples, torch_samples, rtol=0, atol=2e-5)
    assert json.loads((runs / "back" / "config.json").read_text())["library"] == "minigan"


def test_the_course_evaluates_them(runs):
    evaluate = ["-m", "minigan", "evaluate", "--samples", "back/samples.npy", "--dataset", "sample"]
    code, out = run([sys.executable, *evaluate], runs)
    assert code == 0, out
    metrics = json.loads((runs / "back" / "samples_metrics.json").read_text())
    assert metrics["dataset"] == "sample" and np.isfinite(metrics["fd"]) and metrics["fd"] > 0


def test_torchrun_with_the_minigan_import_says_what_to_change(tmp_path):
    env = {"WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "0"}
    code, out = run(
        [sys.executable, str(PROGRAM), "--steps", "1", "--out", str(tmp_path)],
        tmp_path,
        env,
        timeout=60,
    )
    assert code == 2
    assert "minigan trains on one process: change the import line to `import torch`" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--init", "{tmp}"], "--init {tmp}: no config.json there"),
        (["--steps", "1", "--data", "{tmp}/images.idx"], "not an IDX file of 28x28 images"),
        (["--steps", "1", "--data", "{tmp}/nope"], "--data {tmp}/nope: cannot read it"),
        (["--steps", "-1"], "--steps and --samples must be >= 0"),
    ],
    ids=["init-without-config", "not-idx", "missing-data", "negative-steps"],
)
def test_bad_input_is_refused_with_a_message(tmp_path, args, message):
    (tmp_path / "images.idx").write_bytes(b"hello, world")
    args = [a.format(tmp=tmp_path) for a in args]
    command = [sys.executable, str(PROGRAM), *args, "--out", str(tmp_path / "out")]
    code, out = run(command, tmp_path, timeout=60)
    assert code == 2, out
    assert message.format(tmp=tmp_path) in out and "Traceback" not in out
    assert not (tmp_path / "out").exists()  # nothing written
