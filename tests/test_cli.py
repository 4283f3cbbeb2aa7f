"""The command line: `python -m minigan train | sample | bench` and what they write."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan.cli import main


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    """One short default run on the bundled sample, shared by the tests below."""
    out = tmp_path_factory.mktemp("runs") / "dcgan"
    assert main(["train", "--steps", "20", "--out", str(out), "--quiet"]) == 0
    return out


def test_train_writes_every_output_file(dcgan_run):
    names = {p.name for p in dcgan_run.iterdir()}
    for name in ("config.json", "history.csv", "checkpoint.npz", "samples.npy", "samples.png",
                 "losses.png", "d_outputs.png", "training.gif", "samples_step000000.png"):
        assert name in names, name


def test_train_outputs_have_the_stated_contents(dcgan_run):
    config = json.loads((dcgan_run / "config.json").read_text())
    assert (config["model"], config["dataset"], config["loss"], config["steps"]) == ("dcgan", "sample", "bce", 20)
    rows = list(csv.DictReader(open(dcgan_run / "history.csv")))
    assert len(rows) == 20 and rows[-1]["step"] == "20"
    assert list(rows[0]) == ["step", "epoch", "d_loss", "d_real", "d_fake", "d_grad_norm", "g_loss",
                             "g_grad_norm", "d_fake_after", "time"]
    assert all(np.isfinite(float(r["d_loss"])) for r in rows)
    samples = np.load(dcgan_run / "samples.npy")
    assert samples.shape == (2500, 1, 28, 28) and samples.dtype == np.float32
    assert samples.min() >= -1 and samples.max() <= 1
    state = mg.load(dcgan_run / "checkpoint.npz")
    assert state["step"] == 20 and state["config"]["steps"] == 20
    assert state["fixed_noise"].shape == (64, config["latent_dim"])


def test_the_pictures_are_real_images(dcgan_run):
    from PIL import Image

    with Image.open(dcgan_run / "samples.png") as grid:
        assert grid.size[0] > 200 and grid.size[1] > 200
    with Image.open(dcgan_run / "training.gif") as gif:
        assert gif.n_frames == 2  # the fixed-noise grid at step 0 and at the end (sample_every=100)


def test_an_existing_run_folder_is_never_overwritten(dcgan_run, tmp_path):
    before = (dcgan_run / "checkpoint.npz").read_bytes()
    out = tmp_path / "twice"
    assert main(["train", "--model", "mlp", "--dataset", "ring", "--steps", "3", "--out", str(out), "--quiet"]) == 0
    assert main(["train", "--model", "mlp", "--dataset", "ring", "--steps", "3", "--out", str(out), "--quiet"]) == 0
    assert (tmp_path / "twice-2" / "checkpoint.npz").exists()
    assert (dcgan_run / "checkpoint.npz").read_bytes() == before


def test_resume_continues_the_run(tmp_path):
    out = tmp_path / "ring"
    assert main(["train", "--model", "mlp", "--dataset", "ring", "--steps", "10", "--out", str(out), "--quiet"]) == 0
    assert main(["train", "--resume", str(out), "--steps", "15", "--quiet"]) == 0
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert [int(r["step"]) for r in rows] == list(range(1, 16))
    assert mg.load(out / "checkpoint.npz")["step"] == 15
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["num_modes"] == 8 and 0 <= metrics["high_quality"] <= 1


def test_resume_of_a_folder_without_a_run_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path), "--quiet"]) == 2
    assert "no checkpoint.npz there (is it a minigan run folder?)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_config_file_and_flags(tmp_path, capsys):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"model": "mlp", "dataset": "ring", "steps": 4, "width": 16}))
    out = tmp_path / "run"
    assert main(["train", "--config", str(config), "--steps", "5", "--out", str(out), "--quiet"]) == 0
    written = json.loads((out / "config.json").read_text())
    assert (written["steps"], written["width"], written["model"]) == (5, 16, "mlp")
    config.write_text(json.dumps({"stepz": 4}))
    assert main(["train", "--config", str(config), "--quiet"]) == 2
    assert f"error: --config {config}: unknown config keys ['stepz']" in capsys.readouterr().err


def test_a_missing_dataset_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    import dataclasses

    from minigan.datasets import SOURCES

    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setitem(SOURCES, "mnist", dataclasses.replace(SOURCES["mnist"], mirrors=("http://127.0.0.1:9/",)))
    assert main(["train", "--dataset", "mnist", "--steps", "1", "--out", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "train-images-idx3-ubyte" in err


def test_sample_writes_npy_and_png(dcgan_run, tmp_path):
    assert main(["sample", "--checkpoint", str(dcgan_run / "checkpoint.npz"), "--n", "10",
                 "--out", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (10, 1, 28, 28)
    assert main(["sample", "--checkpoint", str(dcgan_run / "checkpoint.npz"), "--n", "16",
                 "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").stat().st_size > 1000
    assert main(["sample", "--checkpoint", str(dcgan_run / "checkpoint.npz"),
                 "--out", str(tmp_path / "s.txt")]) == 2


def test_python_dash_m_minigan_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "minigan", "train", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--n-critic" in result.stdout
    result = subprocess.run([sys.executable, "-m", "minigan", "train", "--model", "resnet"], capture_output=True, text=True)
    assert result.returncode == 2 and "argument --model: must be one of 'mlp', 'dcgan', " \
        "'dcgan64', 'cgan', 'pix2pix', 'cyclegan', 'srgan', 'inpaint', 'progan', 'stylegan', got 'resnet'" in result.stderr


@pytest.mark.parametrize("flags, key, value", [
    (["--minibatch", "discrimination"], "minibatch", "discrimination"),
    (["--minibatch", "stddev", "--pack", "2"], "pack", 2),
    (["--feature-matching"], "feature_matching", True),
    (["--feature-matching", "no"], "feature_matching", False),
    (["--unroll", "1"], "unroll", 1),
    (["--instance-noise", "0.1"], "instance_noise", 0.1),
    (["--two-sided-smoothing", "0.1"], "two_sided_smoothing", 0.1),
    (["--lr-g", "1e-3", "--lr-d", "2.5e-4"], "lr_d", 2.5e-4),
])
def test_each_remedy_flag_trains_on_the_ring_and_is_kept_in_the_config(tmp_path, flags, key, value):
    """One flag per mode-collapse remedy; the ring's picture skips D's landscape when D scores a
    point together with its batch (minibatch layers, packing)."""
    out = tmp_path / "run"
    argv = ["train", "--model", "mlp", "--dataset", "ring", "--steps", "4", "--batch-size", "32",
            "--out", str(out), "--quiet", *flags]
    assert main(argv) == 0
    config = json.loads((out / "config.json").read_text())
    assert config[key] == value
    assert np.isfinite(np.load(out / "samples.npy")).all()
    assert (out / "samples.png").stat().st_size > 1000


def test_the_spectral_norm_flag_normalises_every_weight_of_d(tmp_path):
    from minigan.gan.recipes import build_models, default_config

    config = default_config("mlp", "ring", spectral_norm=True)
    G, D, _ = build_models(config, (2,))
    names = [name for name, _ in D.named_parameters()]
    assert names and all(not n.endswith(".weight") for n in names if "weight" in n)
    assert sum(n.endswith("weight_orig") for n in names) == 3      # the MLP's three Linear layers
    assert not any(n.endswith("weight_orig") for n, _ in G.named_parameters())
    out = tmp_path / "run"
    assert main(["train", "--model", "mlp", "--dataset", "ring", "--steps", "4", "--batch-size", "32",
                 "--spectral-norm", "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "config.json").read_text())["spectral_norm"] is True
