"""Issue 26: nothing a user saved is lost, nothing hangs, nothing runs forever, no traceback --
one test (or group) per item of the issue, each reproducing what failed, plus what fuzzing the
command line and the file readers found besides (at the end)."""

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
from contextlib import contextmanager

import numpy as np
import pytest

import minigan as mg
from minigan.gan.recipes import build, default_config
from minigan.gan.training import Trainer
from test_checkpoint_attacks import _peak_bytes
from test_reliability import RING, files_of, run_cli

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@contextmanager
def no_hang(seconds=60):
    """Fail (instead of hanging the suite) if the body blocks, e.g. on a named pipe."""
    def give_up(*_):
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def cli_error(capsys, argv, seconds=60) -> str:
    """Run the CLI, which must exit 2 with one 'error: ...' line and no traceback; the line."""
    with no_hang(seconds):
        status = run_cli(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(("error:", "python -m minigan"))]
    assert len(lines) == 1 and "error: " in lines[0], err
    return lines[0]


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    """A finished 4-step ring run (checkpoint at the end)."""
    out = tmp_path_factory.mktemp("runs") / "ring"
    assert run_cli(["train", *RING, "--steps", 4, "--out", out]) == 0
    return out


@pytest.fixture
def run_copy(ring_run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(ring_run, copy)
    return copy


def edit_checkpoint(folder, edit):
    state = mg.load(folder / "checkpoint.npz")
    edit(state)
    mg.save(state, folder / "checkpoint.npz")


def subprocess_env():
    return {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "OPENBLAS_NUM_THREADS": "1"}


# ----------------------------------------------------------------------------- item 1


def _drop_history_column(state):
    del state["history"]["d_real"]


def _wrong_fixed_noise(state):
    state["fixed_noise"] = np.zeros((3, 5), np.float32)


@pytest.mark.parametrize("edit, message", [
    (_drop_history_column, r"checkpoint.npz's 'history' should be the columns \['step', 'epoch', "
                           r"'d_loss', 'd_real', .*\], got no \['d_real'\]"),
    (_wrong_fixed_noise, r"'fixed_noise' should be finite floats of shape \(64, 2\) \(num_fixed, "
                         r"latent_dim\), got a float32 array of shape \(3, 5\)"),
])
def test_item1_a_refused_resume_leaves_every_file_byte_identical(run_copy, capsys, edit, message):
    edit_checkpoint(run_copy, edit)
    before = files_of(run_copy)
    line = cli_error(capsys, ["train", "--resume", run_copy, "--steps", 6, "--quiet"])
    after = files_of(run_copy)
    for name in ("checkpoint.npz", "config.json", "history.csv"):
        assert after[name] == before[name], f"the refused resume changed {name}"
    assert set(after) == set(before)
    assert re.search(message, line), line


# ----------------------------------------------------------------------------- item 2


_AT_ONCE = """
import os, sys, time
import minigan.gan.training as training
from minigan.cli import main

build_trainer = training.Trainer.__init__
def slowly(self, *args, **kwargs):  # a slow machine: a second passes while the Trainer is built
    build_trainer(self, *args, **kwargs)
    time.sleep(1.0)
training.Trainer.__init__ = slowly
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):  # every process starts main() at the same instant
    time.sleep(0.002)
sys.exit(main(sys.argv[2:]))
"""


def test_item2_trains_started_at_once_with_one_out_each_get_their_own_folder(tmp_path):
    out, go = tmp_path / "runs" / "same", tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _AT_ONCE, str(go), "train", *map(str, RING),
                               "--steps", "2", "--seed", str(seed), "--out", str(out)],
                              env=subprocess_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for seed in range(3)]
    assert [p.stdout.readline().strip() for p in procs] == ["ready"] * 3
    go.touch()
    results = [(p.wait(timeout=300), p.communicate()) for p in procs]
    assert [status for status, _ in results] == [0, 0, 0], results
    folders = sorted(out.parent.iterdir())
    assert [f.name for f in folders] == ["same", "same-2", "same-3"]
    seeds = sorted(json.loads((f / "config.json").read_text())["seed"] for f in folders)
    assert seeds == [0, 1, 2]  # one run per folder, none mixed
    for folder in folders:
        state = mg.load(folder / "checkpoint.npz")
        assert state["config"] == json.loads((folder / "config.json").read_text())


def test_item2_claiming_a_folder_is_atomic(tmp_path):
    from minigan.gan.run_folder import claim_new_folder

    barrier, claimed, errors = threading.Barrier(6), [], []

    def claim():
        barrier.wait()
        try:
            claimed.append(claim_new_folder(tmp_path / "runs" / "x"))
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=claim) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    names = sorted(folder.name for folder, _ in claimed)
    assert names == ["x", "x-2", "x-3", "x-4", "x-5", "x-6"]
    for _, lock in claimed:
        lock.close()
    (tmp_path / "runs" / "old").mkdir()  # a folder of an older minigan: files, no lock file
    (tmp_path / "runs" / "old" / "config.json").write_text("{}")
    folder, lock = claim_new_folder(tmp_path / "runs" / "old")
    lock.close()
    assert folder.name == "old-2" and os.listdir(tmp_path / "runs" / "old") == ["config.json"]


def _long_resume(folder):
    return subprocess.Popen([sys.executable, "-m", "minigan", "train", "--resume", str(folder),
                             "--steps", "100000000", "--quiet"], env=subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lock(folder, pid, seconds=120):
    deadline = time.time() + seconds
    lock = folder / "run.lock"
    while time.time() < deadline:
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} never locked {folder}")


def test_item2_a_second_resume_of_a_running_folder_exits_2_naming_the_holder(run_copy, capsys):
    first = _long_resume(run_copy)
    try:
        _wait_for_lock(run_copy, first.pid)
        line = cli_error(capsys, ["train", "--resume", run_copy, "--steps", 8, "--quiet"])
        assert f"error: the run folder {run_copy} is in use by process {first.pid}" in line
        line = cli_error(capsys, ["evaluate", "--run", run_copy])
        assert f"is still training (process {first.pid})" in line
    finally:
        first.send_signal(signal.SIGKILL)  # a crash: the lock dies with the process
        first.wait()
        first.stdout.close()
        first.stderr.close()
    assert (run_copy / "run.lock").read_text().strip() == str(first.pid)  # the file stays ...
    assert run_cli(["train", "--resume", run_copy, "--steps", 6, "--quiet"]) == 0  # ... not the lock
    assert mg.load(run_copy / "checkpoint.npz")["step"] == 6


# ----------------------------------------------------------------------------- item 3


_SAVE_LOOP = """
import sys, numpy as np, minigan as mg
path, k = sys.argv[1], int(sys.argv[2])
errors = 0
for i in range(60):
    try:
        mg.save({"k": k, "i": i, "w": np.full(2000, k, dtype=np.float32)}, path)
    except Exception as err:
        errors += 1
        print(repr(err), file=sys.stderr)
print(errors)
"""


def test_item3_concurrent_saves_to_one_path_last_writer_wins_no_error_no_temp(tmp_path):
    path = tmp_path / "ckpt.npz"
    procs = [subprocess.Popen([sys.executable, "-c", _SAVE_LOOP, str(path), str(k)],
                              env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for k in range(3)]
    errors = []

    def save_loop(k):
        for i in range(60):
            try:
                mg.save({"k": k, "i": i, "w": np.full(2000, k, dtype=np.float32)}, path)
            except Exception as err:  # noqa: BLE001
                errors.append(err)

    threads = [threading.Thread(target=save_loop, args=(k,)) for k in (10, 11, 12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert errors == [] and [out.strip() for out, _ in outputs] == ["0", "0", "0"], outputs
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary file left
    last = mg.load(path)  # whole, and one writer's
    assert last["k"] in (0, 1, 2, 10, 11, 12) and np.all(last["w"] == last["k"])


# ----------------------------------------------------------------------------- item 4


@pytest.mark.parametrize("argv, message", [
    (["--steps", 5, "--epochs", 1], r"give --steps or --epochs, not both \(got --steps 5 and "
                                    r"--epochs 1.0\)"),
    (["--lr", 1e-3, "--lr-g", 1e-4], r"give --lr or --lr-g, not both"),
    (["--out", ""], r"argument --out: must be a path, got ''"),
    (["--config", ""], r"argument --config: must be a path, got ''"),
])
def test_item4_conflicting_or_empty_train_flags_exit_2_naming_both(tmp_path, capsys, argv,
                                                                 message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = cli_error(capsys, ["train", *RING, *argv])
    assert re.search(message, line), line
    assert os.listdir(tmp_path) == []  # nothing written, not even in the working folder


def test_item4_resume_refuses_another_out_and_too_few_epochs(run_copy, tmp_path, capsys):
    before = files_of(run_copy)
    line = cli_error(capsys, ["train", "--resume", run_copy, "--out", tmp_path / "other"])
    assert re.search(r"--resume .*run continues the run in its own folder; --out .*other names "
                     r"another one", line)
    line = cli_error(capsys, ["train", "--resume", run_copy, "--epochs", 0.0001, "--quiet"])
    assert re.search(r"--epochs 0.0001 is 1 steps \(3,125 batches per epoch, 1 per step\), fewer "
                     r"than the 4 steps the run in .*run has already done", line), line
    assert files_of(run_copy) == before and not (tmp_path / "other").exists()
    assert run_cli(["train", "--resume", run_copy, "--out", run_copy, "--steps", 5, "--quiet"]) == 0


def test_item4_evaluate_refuses_an_empty_or_unknown_dataset(tmp_path, capsys):
    np.save(tmp_path / "s.npy", np.zeros((4, 2), np.float32))
    for name in ("", "rings"):
        line = cli_error(capsys, ["evaluate", "--samples", tmp_path / "s.npy", "--dataset", name])
        assert f"argument --dataset: must be one of 'sample', 'fashion-mnist', 'mnist', 'ring', " \
               f"'grid', got {name!r}" in line
    assert os.listdir(tmp_path) == ["s.npy"]


# ----------------------------------------------------------------------------- item 5


def _trainer(**overrides):
    config = default_config("mlp", "ring", **{"width": 16, "batch_size": 32, "steps": 20,
                                              "sample_every": 0, **overrides})
    mg.manual_seed(1234)
    run = build(config, dataset=mg.datasets.load_dataset("ring", n=1024))
    return Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)


@pytest.fixture(scope="module")
def trained_state():
    trainer = _trainer()
    trainer.fit(steps=3, progress=False)
    return trainer.state_dict()


def _edited(state, edit):
    import copy

    state = copy.deepcopy(state)
    edit(state)
    return state


def _edit(path, value=None, delete=False):
    """An edit of a state dict: set (or delete) state[path[0]][path[1]]..."""
    def edit(state):
        node = state
        for key in path[:-1]:
            node = node[key]
        if delete:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return edit


def _set(*path_and_value):
    return _edit(path_and_value[:-1], path_and_value[-1])


def _delete(*path):
    return _edit(path, delete=True)


def _ragged(state):
    state["history"]["d_loss"] = state["history"]["d_loss"][:-1]


HAND_EDITS = [
    ("negative step", _set("step", -5), r"'step' should be an integer >= 0, got -5"),
    ("step as text", _set("step", "3"), r"'step' should be an integer >= 0, got '3'"),
    ("fractional step", _set("step", 2.5), r"'step' should be an integer >= 0, got 2.5"),
    ("missing generator weight", _delete("G", "net.0.weight"),
     r"the checkpoint's 'G' does not fit the model: .*Missing key\(s\) in state_dict: "
     r"\"net.0.weight\""),
    ("emptied loader state", _set("loader", {}),
     r"'loader' should be a dict of the integers 'epoch', 'epoch_seed' and 'batch', got \{\}"),
    ("loader past its epoch", _set("loader", "batch", 999),
     r"\['loader'\]\['batch'\] should be an integer in \[0, \d+\] \(batches per epoch\), got 999"),
    ("metrics without rows", _set("metrics", {}), r"'metrics' should be \{'rows': \[...\]\}"),
    ("unshuffled epoch seed", _set("loader", "epoch_seed", -1),
     r"DataLoader.load_state_dict: a shuffled epoch has a seed >= 0, got 'epoch_seed' -1"),
    ("ragged history", _ragged, r"history column 'd_loss' should be (\d+) numbers \(one per step "
                                r"done\), got a float64 array of shape \((?!\1)\d+,\)"),
    ("extra key", _set("notes", "hello"), r"should have exactly the keys .*: it has the unknown "
                                          r"\['notes'\]"),
    ("missing key", _delete("rng"), r"should have exactly the keys .*: it lacks \['rng'\]"),
    ("wrong-shape fixed noise", _set("fixed_noise", np.zeros((64, 3), np.float32)),
     r"'fixed_noise' should be finite floats of shape \(64, 2\)"),
    ("missing lr", _delete("opt_g", "param_groups", 0, "lr"),
     r"Adam.load_state_dict: param_groups\[0\] lacks the option\(s\) \['lr'\]"),
    ("dropped optimizer state", _set("opt_d", "state", {}),
     r"'opt_d' should be the state of all 6 parameters after step \d, got none for parameter\(s\) "
     r"\[0, 1, 2, 3, 4, 5\]"),
    ("broken random state", _set("rng", "inc", "x"),
     r"'rng': the random generator's 'inc' must be a decimal string"),
    ("infinite elapsed time", _set("elapsed", float("inf")),
     r"'elapsed' should be a finite number of seconds >= 0, got inf"),
    ("frame steps without frames", _set("frame_steps", np.array([0, 2])),
     r"'frame_steps' should be 0 increasing integers"),
]


@pytest.mark.parametrize("name, edit, message", HAND_EDITS, ids=[e[0] for e in HAND_EDITS])
def test_item5_trainer_load_state_dict_refuses_hand_edits_all_or_nothing(trained_state, name,
                                                                        edit, message):
    target = _trainer(seed=9)
    weights = {k: v.numpy().copy() for k, v in target.G.state_dict().items()}
    opt_before, rng_before = target.opt_g.state_dict(), mg.get_rng_state()
    with pytest.raises(ValueError, match=message):
        target.load_state_dict(_edited(trained_state, edit))
    assert target.step == 0 and target.history == [] and target.metrics == []
    for key, value in target.G.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), weights[key])
    assert str(target.opt_g.state_dict()) == str(opt_before)
    assert mg.get_rng_state() == rng_before
    target.load_state_dict(trained_state)  # the untouched state still loads
    assert target.step == 3


@pytest.mark.parametrize("name, edit, message", [e for e in HAND_EDITS if e[0] in (
    "negative step", "step as text", "missing generator weight", "emptied loader state",
    "metrics without rows", "ragged history", "missing lr", "dropped optimizer state")],
    ids=str)
def test_item5_a_hand_edited_checkpoint_is_a_one_line_error_on_resume(run_copy, capsys, name, edit,
                                                                      message):
    edit_checkpoint(run_copy, edit)
    before = files_of(run_copy)
    line = cli_error(capsys, ["train", "--resume", run_copy, "--steps", 6, "--quiet"])
    assert re.search(message, line), line
    assert files_of(run_copy) == before


def test_item5_a_group_without_lr_is_refused_at_load_while_a_missing_parameter_state_starts_fresh():
    w = mg.nn.Parameter(mg.ones(3))
    opt = mg.optim.Adam([w, mg.nn.Parameter(mg.ones(2))], lr=0.1)
    state = opt.state_dict()
    del state["param_groups"][0]["lr"]
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: param_groups\[0\] lacks the "
                                         r"option\(s\) \['lr'\] \(a Adam group needs \['betas', "
                                         r"'eps', 'lr', 'weight_decay'\]\)"):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.1  # unchanged
    w.grad = mg.ones(3)
    opt.step()
    state = opt.state_dict()
    assert list(state["state"]) == [0]  # the second parameter has no state yet: as in PyTorch
    del state["param_groups"][0]["amsgrad"]  # PyTorch fills this one in (__setstate__)
    fresh = mg.optim.Adam([mg.nn.Parameter(mg.ones(3)), mg.nn.Parameter(mg.ones(2))], lr=0.5,
                          amsgrad=True)
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["lr"] == 0.1 and fresh.param_groups[0]["amsgrad"] is False
    assert list(fresh.state_dict()["state"]) == [0]


def test_item5_pytorch_accepts_a_group_without_lr_and_fails_only_at_the_step():
    torch = pytest.importorskip("torch")
    w = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.Adam([w], lr=0.1)
    state = opt.state_dict()
    del state["param_groups"][0]["lr"]
    opt.load_state_dict(state)  # PyTorch: no complaint here ...
    w.grad = torch.ones(3)
    with pytest.raises(KeyError, match="lr"):
        opt.step()  # ... but here: minigan refuses at load, where the cause is


# ----------------------------------------------------------------------------- items 6-8: .pth


def _global(module, name):
    return b"c" + f"{module}\n{name}\n".encode()


def _text(value):
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _int(value):
    if -2**31 <= value < 2**31:
        return b"J" + struct.pack("<i", value)
    data = value.to_bytes(8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data  # LONG1


def _tuple(*parts):
    return b"(" + b"".join(parts) + b"t"


def _tensor(key, numel, size, stride, offset=0):
    """The pickle opcodes torch.save writes for one float32 tensor viewing storage `key`."""
    storage = _tuple(_text("storage"), _global("torch", "FloatStorage"), _text(key), _text("cpu"),
                     _int(numel)) + b"Q"
    return (_global("torch._utils", "_rebuild_tensor_v2")
            + _tuple(storage, _int(offset), _tuple(*map(_int, size)), _tuple(*map(_int, stride)),
                     b"\x89", _global("collections", "OrderedDict") + b")R") + b"R")


def _dict_pickle(**tensors):
    return b"\x80\x02}" + b"".join(_text(k) + v + b"s" for k, v in tensors.items()) + b"."


def _pth(path, data_pkl: bytes, storages=None, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/version", "3\n")
        for key, data in (storages or {}).items():
            archive.writestr(zipfile.ZipInfo(f"archive/data/{key}"), data, compress_type=compression)
    return path


def _genuine(path):
    """A file as torch.save({"w": torch.arange(3.)}) writes it."""
    return _pth(path, _dict_pickle(w=_tensor("0", 3, (3,), (1,))),
                {"0": np.arange(3, dtype=np.float32).tobytes()})


def test_items6_7_the_hand_built_pth_is_what_pytorch_reads(tmp_path):
    expected = np.arange(3, dtype=np.float32)
    np.testing.assert_array_equal(mg.load(_genuine(tmp_path / "g.pth"))["w"], expected)
    torch = pytest.importorskip("torch")
    assert torch.load(tmp_path / "g.pth", weights_only=True)["w"].tolist() == expected.tolist()


@pytest.mark.parametrize("name, make, message", [
    ("zero strides", lambda p: _pth(p, _dict_pickle(w=_tensor("0", 1, (8000, 8000), (0, 0))),
                                    {"0": b"\0" * 4}),
     r"a tensor of size \(8000, 8000\) with stride \(0, 0\) repeats elements of its storage"),
    ("bzip2 bomb", lambda p: _pth(p, _dict_pickle(w=_tensor("0", 25_000_000, (25_000_000,), (1,))),
                                  {"0": bytes(100_000_000)}, zipfile.ZIP_BZIP2),
     r"member 'archive/data/0' uses compression method 12"),
    ("memo index", lambda p: _pth(p, b"\x80\x02}r" + struct.pack("<I", 1 << 24) + b"."),
     r"its pickle uses the memo index 16777216 in a pickle of 4 opcodes"),
    ("declared bytes", lambda p: _pth(p, b"\x80\x04\x8e" + struct.pack("<Q", 1 << 28) + b"abc."),
     r"is damaged: its pickle cannot be read"),
    ("declared storage", lambda p: _pth(p, _dict_pickle(w=_tensor("0", 1 << 40, (4,), (1,))),
                                        {"0": b"\0" * 16}),
     r"storage '0' has 16 bytes, expected 4398046511104"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_item6_a_small_pth_cannot_make_load_allocate_more_than_it_holds(tmp_path, name, make,
                                                                         message):
    path = make(tmp_path / "bomb.pth")
    assert path.stat().st_size < 200_000
    peak, result = _peak_bytes(lambda: mg.load(path))
    assert isinstance(result, ValueError) and re.search(message, str(result)), result
    assert peak < 8 << 20, f"{peak:,} bytes allocated by a {path.stat().st_size:,}-byte file"


def test_item6_a_zip_member_claiming_more_than_deflate_can_give_is_refused(tmp_path):
    path = _pth(tmp_path / "lie.pth", _dict_pickle(w=_tensor("0", 1 << 28, (1 << 28,), (1,))),
                {"0": np.arange(3, dtype=np.float32).tobytes()})
    data = bytearray(path.read_bytes())
    # the central directory's record of archive/data/0: its uncompressed size (offset 24) lies
    record = data.rindex(b"PK\x01\x02", 0, data.index(b"archive/data/0", data.index(b"PK\x01\x02")))
    struct.pack_into("<I", data, record + 24, 1 << 30)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"member 'archive/data/0' claims 1,073,741,824 bytes "
                                         r"from 12 stored bytes"):
        mg.load(path)


def test_item6_views_share_their_storage_instead_of_copying_it(tmp_path):
    views = _dict_pickle(a=_tensor("0", 6, (2, 3), (3, 1)), t=_tensor("0", 6, (3, 2), (1, 3)),
                         row=_tensor("0", 6, (3,), (1,), offset=3))
    got = mg.load(_pth(tmp_path / "v.pth", views, {"0": np.arange(6, dtype=np.float32).tobytes()}))
    np.testing.assert_array_equal(got["t"], got["a"].T)
    np.testing.assert_array_equal(got["row"], [3, 4, 5])
    assert np.shares_memory(got["a"], got["t"])  # as torch.load: views of one storage


_BUILD_ON_STORAGE = (b"\x80\x02" + _global("torch", "FloatStorage")
                     + b"}" + _text("dtype") + _text("<U1") + b"sb.")
_BUILD_ON_FUNCTION = (b"\x80\x02" + _global("torch._utils", "_rebuild_tensor_v2") + b"N}"
                      + _text("__defaults__") + _tuple(b"\x88") + b"s\x86b.")


@pytest.mark.parametrize("payload", [_BUILD_ON_STORAGE, _BUILD_ON_FUNCTION],
                         ids=["storage type", "rebuild function"])
def test_item7_a_pth_cannot_change_the_reader_for_later_files(tmp_path, payload):
    from minigan.formats import pytorch

    with pytest.raises(ValueError):
        mg.load(_pth(tmp_path / "evil.pth", payload))
    assert pytorch.ALLOWED[("torch", "FloatStorage")].dtype == np.float32
    assert pytorch._rebuild_tensor_v2.__defaults__ == (False, None, None)
    np.testing.assert_array_equal(mg.load(_genuine(tmp_path / "g.pth"))["w"], [0, 1, 2])


@pytest.mark.parametrize("payload, what", [
    (b"\x80\x02" + _global("torch._utils", "_rebuild_tensor_v2") + b".", "_Reader"),
    (b"\x80\x02}" + _text("f") + _global("torch._utils", "_rebuild_parameter") + b"s.", "_Reader"),
    (b"\x80\x02" + _global("torch", "FloatStorage") + b".", "_StorageType"),
    (b"\x80\x02" + _global("collections", "OrderedDict") + b".", "type"),
])
def test_item7_a_pth_gets_only_data_back_never_a_reader_object(tmp_path, payload, what):
    with pytest.raises(ValueError, match=rf"is refused: it holds a {what} where only tensors, "
                                         r"numbers, strings and containers may be"):
        mg.load(_pth(tmp_path / "evil.pth", payload))


def test_item7_a_pth_nested_deeper_than_a_checkpoint_may_be_is_refused(tmp_path):
    deep = b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b"."  # 5,000 nested lists, built without recursion
    with pytest.raises(ValueError, match=r"containers nested more than 100 deep"):
        mg.load(_pth(tmp_path / "deep.pth", deep))


_EVIL = _dict_pickle(weight=_global("posix", "system") + _tuple(_text("echo pwned")) + b"R")


def test_item8_a_malicious_pth_through_the_cli_is_one_line_and_exit_2(ring_run, tmp_path, capsys):
    evil = _pth(tmp_path / "evil.pth", _EVIL)
    line = cli_error(capsys, ["sample", "--checkpoint", evil, "--out", tmp_path / "s.npy"])
    assert line == (f"error: PyTorch checkpoint {str(evil)!r} is refused: its pickle asks for the "
                    "global 'posix.system', which is not on the allow list of tensor-rebuilding "
                    "functions and plain containers (loading it could run arbitrary code)")
    run = tmp_path / "run"
    shutil.copytree(ring_run, run)
    shutil.copy(evil, run / "checkpoint.npz")
    before = files_of(run)
    line = cli_error(capsys, ["train", "--resume", run, "--steps", 6, "--quiet"])
    assert "checkpoint.npz' is refused: its pickle asks for the global 'posix.system'" in line
    assert files_of(run) == before and not (tmp_path / "s.npy").exists()


# ----------------------------------------------------------------------------- item 9


def _st(header=None, body=b"\0" * 8, raw=None):
    text = raw if raw is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


_W = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


def _w(**fields):
    return _st({"w": {**_W, **fields}})


SAFETENSORS_CASES = {
    "valid": _st({"w": _W}),
    "valid with metadata": _st({"__metadata__": {"a": "b"}, "w": _W}),
    "metadata null": _st({"__metadata__": None, "w": _W}),
    "extra field": _w(extra=1),
    "empty": _st({}, body=b""),
    "scalar": _st({"w": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}, body=b"\0" * 4),
    "shape as strings": _w(shape=["2"]),
    "shape as floats": _w(shape=[2.0]),
    "shape as booleans": _w(shape=[True]),
    "negative shape": _w(shape=[-2]),
    "shape not a list": _w(shape=2),
    "shape overflowing int64": _w(shape=[2**62, 2**62]),
    "shape over 64 bits": _w(shape=[2**70]),
    "offsets as strings": _w(data_offsets=["0", "8"]),
    "offsets as floats": _w(data_offsets=[0.0, 8.0]),
    "offsets as booleans": _w(data_offsets=[False, 8]),
    "offset in exponent form": _st(raw=b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}'),
    "three offsets": _w(data_offsets=[0, 8, 8]),
    "negative offset": _w(data_offsets=[-8, 0]),
    "offsets reversed": _w(data_offsets=[8, 0]),
    "metadata value not a string": _st({"__metadata__": {"a": 1}, "w": _W}),
    "metadata a list": _st({"__metadata__": ["a"], "w": _W}),
    "metadata nested": _st({"__metadata__": {"a": {"b": "c"}}, "w": _W}),
    "unknown dtype": _w(dtype="X9"),
    "dtype not a string": _w(dtype=1),
    "missing dtype": _st({"w": {"shape": [2], "data_offsets": [0, 8]}}),
    "entry not an object": _st({"w": [1]}),
    "header a list": _st(raw=b"[1]"),
    "header not JSON": _st(raw=b"{abc"),
    "NaN in the header": _st(raw=b'{"w":{"dtype":"F32","shape":[NaN],"data_offsets":[0,8]}}'),
    "size mismatch": _w(shape=[3]),
    "gap": _st({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}),
    "overlap": _st({"a": _W, "b": _W}),
    "trailing bytes": _st({"w": _W}, body=b"\0" * 12),
    "truncated": _st({"w": _W}, body=b"\0" * 4),
    "header length too large": struct.pack("<Q", 2**63) + b"{}",
    "invalid UTF-8": _st(raw=b'{"\xff": 1}'),
}


@pytest.mark.parametrize("name", SAFETENSORS_CASES)
def test_item9_safetensors_headers_are_refused_exactly_when_the_reference_refuses(tmp_path, name):
    reference = pytest.importorskip("safetensors.numpy")
    data = SAFETENSORS_CASES[name]
    try:
        reference.load(data)
        reference_accepts = True
    except Exception:  # noqa: BLE001 -- the library's SafetensorError
        reference_accepts = False
    path = tmp_path / "x.safetensors"
    path.write_bytes(data)
    if reference_accepts:
        assert set(mg.load(path)) == set(reference.load(data))
    else:
        with pytest.raises(ValueError, match=re.escape(repr(str(path)))):
            mg.load(path)


def test_item9_at_least_23_malformed_headers_are_compared():
    assert sum(not n.startswith(("valid", "metadata null", "extra", "empty", "scalar"))
               for n in SAFETENSORS_CASES) >= 23


# ----------------------------------------------------------------------------- item 10


@pytest.fixture
def specials(tmp_path):
    """A named pipe and a listening-less Unix socket, each under a .npy, .png, .json and plain name."""
    made = {}
    for suffix in ("", ".npy", ".png", ".json"):
        os.mkfifo(tmp_path / f"fifo{suffix}")
        made[f"fifo{suffix}"] = tmp_path / f"fifo{suffix}"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(tmp_path / f"sock{suffix}"))
        made[f"sock{suffix}"] = tmp_path / f"sock{suffix}"
        sock.close()
    return made


def test_item10_pipes_sockets_and_devices_are_refused_never_read_or_written(ring_run, specials,
                                                                           tmp_path, capsys):
    np.save(tmp_path / "s.npy", np.zeros((4, 2), np.float32))
    ckpt = ring_run / "checkpoint.npz"
    cases = [
        (["train", *RING, "--config", specials["fifo"]], "is not a regular file: it is a named pipe"),
        (["train", *RING, "--config", "/dev/zero"], "is not a regular file: it is a character device"),
        (["train", *RING, "--out", specials["fifo"]], "is not a folder: it is a named pipe"),
        (["train", *RING, "--out", specials["sock"]], "is not a folder: it is a socket"),
        (["sample", "--checkpoint", ckpt, "--out", specials["fifo.npy"]],
         "is not a regular file: it is a named pipe"),
        (["sample", "--checkpoint", ckpt, "--out", specials["sock.png"]],
         "is not a regular file: it is a socket"),
        (["sample", "--checkpoint", specials["fifo.npy"], "--out", tmp_path / "x.npy"],
         "is not a regular file: it is a named pipe"),
        (["evaluate", "--samples", specials["fifo.npy"], "--dataset", "ring"],
         "is not a regular file: it is a named pipe"),
        (["evaluate", "--samples", tmp_path / "s.npy", "--dataset", "ring", "--out",
          specials["fifo.json"]], "is not a regular file: it is a named pipe"),
        (["evaluate", "--samples", tmp_path / "s.npy", "--dataset", "ring", "--out",
          specials["sock.json"]], "is not a regular file: it is a socket"),
    ]
    for argv, message in cases:
        line = cli_error(capsys, argv, seconds=30)
        assert message in line, (argv, line)
    assert not (tmp_path / "x.npy").exists() and not (tmp_path / "s_metrics.json").exists()


# ----------------------------------------------------------------------------- item 11


def test_item11_every_count_in_the_settings_table_has_a_range():
    from minigan.gan.settings import SETTINGS

    for s in SETTINGS:
        if s.type is int:
            assert s.low is not None and s.high is not None, s.name
        if s.type in (float, tuple):
            assert s.low is not None, s.name


@pytest.mark.parametrize("flag, value, expected", [
    ("--steps", 10**26, "an integer in [1, 100,000,000]"),
    ("--epochs", 1e300, "a finite number in (0, 100000]"),
    ("--n-critic", 10**12, "an integer in [1, 1,000]"),
    ("--n-samples", 10**12, "an integer in [1, 1,000,000]"),
    ("--unroll", 10**9, "an integer in [0, 100]"),
    ("--latent-dim", 10**9, "an integer in [1, 10,000]"),
    ("--width", 10**9, "an integer in [1, 10,000]"),
    ("--num-fixed", 10**12, "an integer in [1, 1,024]"),
    ("--image-size", 100000, "an integer in [1, 256]"),
])
def test_item11_settings_beyond_their_range_exit_2_at_once(tmp_path, capsys, flag, value, expected):
    line = cli_error(capsys, ["train", *RING, flag, value, "--out", tmp_path / "r"], seconds=30)
    assert f"argument {flag}: must be {expected}, got {str(value)!r}" in line
    assert not (tmp_path / "r").exists()


def test_item11_epochs_that_make_too_many_steps_exit_2(tmp_path, capsys):
    line = cli_error(capsys, ["train", *RING, "--batch-size", 1, "--epochs", 2000,
                              "--out", tmp_path / "r"])
    assert ("--epochs 2000 is 200,000,000 steps (100,000 batches per epoch, 1 per step): steps "
            "must be an integer in [1, 100,000,000], got 200000000") in line


def test_item11_a_run_that_cannot_fit_in_memory_exits_2_before_allocating(tmp_path, capsys,
                                                                          monkeypatch):
    from minigan.gan import recipes

    line = cli_error(capsys, ["train", "--model", "dcgan64", "--width", 10000, "--quiet",
                              "--out", tmp_path / "r"])
    assert re.search(r"error: this run needs about [\d.e+]+ GiB of memory \(weights and optimizer "
                     r"state .* GiB.*\), and this machine has [\d.]+ GiB available: lower --width",
                     line), line
    monkeypatch.setattr(recipes, "available_memory", lambda: 1 << 20)  # a 1 MiB machine
    line = cli_error(capsys, ["train", *RING, "--out", tmp_path / "r"])
    assert "this machine has 0.000977 GiB available" in line
    assert not (tmp_path / "r").exists()


def test_item11_sampling_more_than_fits_exits_2(ring_run, tmp_path, capsys, monkeypatch):
    from minigan.gan import recipes

    monkeypatch.setattr(recipes, "available_memory", lambda: 1 << 20)
    line = cli_error(capsys, ["sample", "--checkpoint", ring_run / "checkpoint.npz", "--n",
                              1_000_000, "--out", tmp_path / "s.npy"])
    assert "--n 1,000,000 needs about 0.0149 GiB of memory (samples 0.0149 GiB)" in line


@pytest.mark.parametrize("model, dataset, extra", [
    ("mlp", "ring", {}), ("mlp", "sample", {"pack": 2, "minibatch": "stddev"}),
    ("dcgan", "sample", {"minibatch": "discrimination"}), ("dcgan64", "sample", {}),
    ("cgan", "sample", {}), ("dcgan", "sample", {"spectral_norm": True}),
])
def test_item11_the_memory_estimate_counts_the_weights_exactly(model, dataset, extra):
    from minigan.gan.recipes import build_models, count_weights, data_shape_of

    config = default_config(model, dataset, width=11, latent_dim=7, batch_size=8, **extra)
    G, D, _ = build_models(config, data_shape_of(config))
    real = tuple(sum(v.numpy().size for v in m.state_dict().values()) for m in (G, D))
    rng = mg.get_rng_state()
    assert count_weights(config) == real
    assert mg.get_rng_state() == rng


# ----------------------------------------------------------------------------- item 12


def test_item12_a_config_nested_100000_deep_is_a_message(tmp_path, capsys):
    (tmp_path / "c.json").write_text('{"extra": ' + "[" * 100_000 + "]" * 100_000 + "}")
    line = cli_error(capsys, ["train", *RING, "--config", tmp_path / "c.json"])
    assert line.endswith("c.json: nested more than 100 levels deep")


@pytest.mark.parametrize("text, message", [
    ("[1]", r"config.json must hold a JSON object of settings, got list"),
    ("{}", r"config.json does not say which dataset the run used; give it with --dataset"),
    ('{"dataset": 3}', r"config.json: dataset must be one of 'sample'"),
])
def test_item12_evaluate_run_with_a_damaged_config_json_is_a_message(ring_run, tmp_path, capsys,
                                                                     text, message):
    run = tmp_path / "run"
    shutil.copytree(ring_run, run)
    (run / "config.json").write_text(text)
    line = cli_error(capsys, ["evaluate", "--run", run])
    assert re.search(message, line), line


def test_item12_a_npy_declaring_a_huge_shape_is_refused_unread(tmp_path, capsys):
    with open(tmp_path / "huge.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False,
                                                 "shape": (10**12, 2)})
        f.write(b"\0" * 64)
    line = cli_error(capsys, ["evaluate", "--samples", tmp_path / "huge.npy", "--dataset", "ring"])
    assert line.endswith("huge.npy declares a float32 array of shape (1000000000000, 2) "
                         "(8,000,000,000,000 bytes) but holds only 64 bytes of data")


# ----------------------------------------------------------------------------- item 13


def test_item13_betas_on_the_command_line_as_in_the_config_file(tmp_path, capsys):
    assert run_cli(["train", *RING, "--steps", 1, "--betas", 0.5, 0.9, "--out", tmp_path / "r"]) == 0
    assert json.loads((tmp_path / "r" / "config.json").read_text())["betas"] == [0.5, 0.9]
    assert mg.load(tmp_path / "r" / "checkpoint.npz")["opt_g"]["param_groups"][0]["betas"] == (0.5, 0.9)
    line = cli_error(capsys, ["train", *RING, "--betas", 0.5, 1.5, "--out", tmp_path / "q"])
    assert "argument --betas: must be two numbers in [0, 1), got '1.5'" in line


# ----------------------------------------------------------------------------- found by fuzzing


SMALL_IMAGES = ["--width", 4, "--latent-dim", 4, "--batch-size", 8, "--num-fixed", 4,
                "--n-samples", 8, "--steps", 2, "--quiet"]


@pytest.mark.parametrize("argv, message", [
    (["--model", "cgan", *SMALL_IMAGES, "--num-classes", 3],
     r"num_classes must be 10 for model 'cgan' \(the classes of 'sample'\), got 3"),
    ([*RING, "--minibatch", "stddev", "--batch-size", 6],
     r"minibatch 'stddev' takes groups of 4: batch_size \(divided by pack\) must be a multiple of "
     r"it, got 6"),
    ([*RING, "--unroll", 2, "--feature-matching"],
     r"choose feature_matching or unroll, not both \(got feature_matching and unroll 2\)"),
    ([*RING, "--pack", 4, "--num-fixed", 6],
     r"pack must be a positive integer dividing num_fixed \(6\), got 4"),
])
def test_settings_that_used_to_fail_after_the_first_write_are_refused_before_it(tmp_path, capsys,
                                                                              argv, message):
    """Each of these ran, wrote config.json and a checkpoint, then stopped with a traceback or an
    error at the first step."""
    line = cli_error(capsys, ["train", *argv, "--out", tmp_path / "r"])
    assert re.search(message, line), line
    assert not (tmp_path / "r").exists()


def test_an_out_below_a_file_is_named(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    line = cli_error(capsys, ["train", *RING, "--out", tmp_path / "afile" / "run"])
    assert line.endswith(f"--out {tmp_path / 'afile' / 'run'}: {tmp_path / 'afile'} is not a "
                         "folder: it is a regular file")


def test_a_pipe_inside_a_run_folder_is_refused_before_the_resume_writes(run_copy, capsys):
    (run_copy / "history.csv").unlink()
    os.mkfifo(run_copy / "history.csv")  # writing the history would block forever
    before = files_of(run_copy)
    line = cli_error(capsys, ["train", "--resume", run_copy, "--steps", 6, "--quiet"], seconds=60)
    assert line.endswith("holds history.csv, which is a named pipe: minigan writes only regular "
                         "files there")
    assert files_of(run_copy) == before


def test_ctrl_c_is_a_message_and_exit_130_and_the_run_resumes(tmp_path, capsys, monkeypatch):
    out = tmp_path / "r"
    step = Trainer.train_step

    def interrupted_at_step_3(self):
        if self.step == 2:
            raise KeyboardInterrupt
        return step(self)

    monkeypatch.setattr(Trainer, "train_step", interrupted_at_step_3)
    try:
        status = run_cli(["train", *RING, "--steps", 5, "--checkpoint-every", 1, "--out", out])
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped main() as a traceback")
    assert status == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and "interrupted; a run's last checkpoint is kept" in err
    assert mg.load(out / "checkpoint.npz")["step"] == 2
    monkeypatch.setattr(Trainer, "train_step", step)
    assert run_cli(["train", "--resume", out, "--quiet"]) == 0  # the lock went with the run
    assert mg.load(out / "checkpoint.npz")["step"] == 5


def test_evaluate_refuses_to_overwrite_a_runs_config(ring_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(ring_run, run)
    before = files_of(run)
    line = cli_error(capsys, ["evaluate", "--run", run, "--out", run / "config.json"])
    assert "would overwrite the config.json of the run in" in line
    assert files_of(run) == before


@pytest.mark.parametrize("argv, message", [
    (["train-evaluator", "--epochs", -1], r"argument --epochs: must be an integer in \[1, 1,000\]"),
    (["train-evaluator", "--batch-size", 0], r"argument --batch-size: must be an integer in "
                                             r"\[1, 60,000\]"),
    (["train-evaluator", "--lr", "nan"], r"argument --lr: must be a finite number > 0, got 'nan'"),
    (["evaluate", "--run", ".", "--n", -5], r"argument --n: must be an integer in \[1, 1,000,000\]"),
    (["evaluate", "--run", ".", "--seed", -1], r"argument --seed: must be an integer in \[0, "),
    (["bench", "--steps", 10**12], r"argument --steps: must be an integer in \[1, 1,000\]"),
    (["evaluate", "--samples", "", "--dataset", "ring"], r"argument --samples: must be a path, "
                                                         r"got ''"),
    (["sample", "--checkpoint", "", "--out", "x.npy"], r"argument --checkpoint: must be a path"),
])
def test_the_other_commands_check_their_flags_before_any_work(tmp_path, capsys, monkeypatch, argv,
                                                             message):
    """train-evaluator used to load (or fail to find) the data first and exit 1 on --epochs -1."""
    monkeypatch.chdir(tmp_path)
    line = cli_error(capsys, argv)
    assert re.search(message, line), line
    assert os.listdir(tmp_path) == []
