"""Nothing a user saved is lost or silently wrong -- the NaN guard, resume, the Trainer's and the
command line's handling of bad input. Optimizer state, hostile checkpoint files and IDX files are
in test_optim.py, test_checkpoint_attacks.py and test_idx.py."""

import json
import re

import numpy as np
import pytest

import minigan as mg
from minigan.cli import main
from minigan.gan.recipes import build, default_config
from minigan.gan.settings import SETTINGS, TrainConfig
from minigan.gan.training import Trainer, TrainingDiverged

RING = ["--model", "mlp", "--dataset", "ring", "--width", "16", "--batch-size", "32", "--quiet"]


def run_cli(argv):
    """main()'s exit status, argparse's SystemExit included."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return stop.code


def files_of(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    """A 4-step ring run (checkpoint at the end)."""
    out = tmp_path_factory.mktemp("runs") / "ring"
    assert run_cli(["train", *RING, "--steps", 4, "--out", out]) == 0
    return out


def _trainer(out=None, **overrides):
    config = default_config("mlp", "ring", **{"width": 16, "batch_size": 32, "steps": 20,
                                              "sample_every": 0, **overrides})
    mg.manual_seed(1234)  # the same 1,024 points for every trainer
    run = build(config, dataset=mg.datasets.load_dataset("ring", n=1024))
    return Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config, out_dir=out)


# ----------------------------------------------------------------------------- item 1


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_item1_a_generator_that_overflows_is_never_the_last_good_checkpoint(tmp_path, capsys):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"lr_g": 1e30, "lr_decay": "none", "checkpoint_every": 1}))
    out = tmp_path / "r"
    assert run_cli(["train", *RING, "--steps", 3, "--config", config, "--out", out]) == 1
    err = capsys.readouterr().err
    assert re.search(r"error: training diverged at step 1: G's output for the fixed noise is not "
                     r"finite; the last good checkpoint \(.*checkpoint.npz, step 0\) was kept", err)
    good = mg.load(out / "checkpoint.npz")
    assert good["step"] == 0
    assert all(np.abs(w).max() < 10 for w in good["G"].values())
    assert not (out / "samples.npy").exists()


def test_item1_a_non_finite_weight_or_optimizer_state_is_never_saved(tmp_path):
    trainer = _trainer(tmp_path)
    trainer.fit(steps=2, progress=False)
    before = (tmp_path / "checkpoint.npz").read_bytes()
    trainer.opt_g.state[trainer.G.net[0].weight]["exp_avg_sq"][0, 0] = np.nan
    with pytest.raises(TrainingDiverged, match=r"at step 2: opt_g's state\[0\]\['exp_avg_sq'\] is "
                                               r"not finite; the last good checkpoint"):
        trainer.save_checkpoint()
    trainer.opt_g.state[trainer.G.net[0].weight]["exp_avg_sq"][0, 0] = 0
    trainer.G.net[2].bias.array[0] = np.inf
    with pytest.raises(TrainingDiverged, match=r"G's 'net.2.bias' is not finite"):
        trainer.save_checkpoint()
    assert (tmp_path / "checkpoint.npz").read_bytes() == before


def test_item1_metrics_json_is_valid_json_even_with_infinities(tmp_path):
    from minigan.serialization import write_json

    write_json(tmp_path / "m.json", {"kl_to_uniform": float("inf"), "x": [float("nan"), 1.0]})
    text = (tmp_path / "m.json").read_text()
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {"kl_to_uniform": None,
                                                                        "x": [None, 1.0]}


# ----------------------------------------------------------------------------- item 2


def test_item2_a_refused_resume_writes_nothing_and_the_run_still_resumes(ring_run, capsys):
    before = files_of(ring_run)
    assert run_cli(["train", "--resume", ring_run, "--width", 64, "--quiet"]) == 2
    assert "width (the checkpoint has 16, now 64)" in capsys.readouterr().err
    assert run_cli(["train", "--resume", ring_run, "--dataset", "grid", "--quiet"]) == 2
    assert "dataset (the checkpoint has 'ring', now 'grid')" in capsys.readouterr().err
    assert run_cli(["train", "--resume", ring_run, "--steps", 3, "--quiet"]) == 2
    assert "--steps 3 is fewer than the 4 steps the run" in capsys.readouterr().err
    assert files_of(ring_run) == before


def test_item2_resume_then_continues(ring_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(ring_run, copy)
    assert run_cli(["train", "--resume", copy, "--steps", 6, "--quiet"]) == 0
    assert mg.load(copy / "checkpoint.npz")["step"] == 6
    assert json.loads((copy / "config.json").read_text())["steps"] == 6


# ----------------------------------------------------------------------------- item 3


def test_item3_extending_a_linear_schedule_says_how_it_continues(ring_run, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(ring_run, copy)
    assert json.loads((copy / "config.json").read_text())["lr_decay"] == "linear"
    assert run_cli(["train", "--resume", copy, "--steps", 8, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert ("note: lr_decay is linear, so the learning rates follow the new total: at step 4 they "
            "go from 0 to 0.5 times their initial value and reach 0 at step 8") in out


def test_item3_resume_is_bit_identical_when_the_total_is_unchanged_or_the_lr_constant(tmp_path):
    """The README's claim, both halves."""
    for decay, first_total in (("linear", 12), ("none", 6)):
        straight = _trainer(lr_decay=decay, steps=12)
        straight.fit(progress=False)
        first = _trainer(tmp_path / decay, lr_decay=decay, steps=first_total)
        first.fit(steps=6, progress=False)
        first.save_checkpoint()
        resumed = _trainer(tmp_path / decay, lr_decay=decay, steps=12, seed=5)
        resumed.load_checkpoint(tmp_path / decay / "checkpoint.npz")
        resumed.fit(progress=False)
        for a, b in zip(straight.G.state_dict().values(), resumed.G.state_dict().values()):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert straight.history == [{**r, "time": s["time"]} for r, s in
                                    zip(resumed.history, straight.history)]


# ----------------------------------------------------------------------------- item 4


@pytest.mark.parametrize("part", ["D", "opt_g", "rng"])
def test_item4_trainer_load_state_dict_is_all_or_nothing(part):
    source = _trainer()
    source.fit(steps=3, progress=False)
    state = source.state_dict()
    target = _trainer(seed=7)
    before = {k: v.numpy().copy() for k, v in target.G.state_dict().items()}
    before_d = {k: v.numpy().copy() for k, v in target.D.state_dict().items()}
    rng_before = mg.get_rng_state()
    if part == "D":
        state["D"]["net.0.weight"] = np.zeros((3, 3), np.float32)
    elif part == "opt_g":
        state["opt_g"]["param_groups"][0]["lr"] = float("inf")
    else:
        state["rng"] = {"broken": 1}
    with pytest.raises((ValueError, RuntimeError, KeyError, TypeError)):
        target.load_state_dict(state)
    for k, v in target.G.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    for k, v in target.D.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before_d[k])
    assert target.step == 0 and target.history == []
    assert str(mg.get_rng_state()) == str(rng_before)


# ----------------------------------------------------------------------------- item 12


def test_item12_a_resumed_run_has_the_frames_of_an_uninterrupted_one(tmp_path):
    def image_trainer(out, steps, seed=0):
        config = default_config("dcgan", "sample", width=4, latent_dim=8, batch_size=8,
                                steps=steps, sample_every=4, num_fixed=4, seed=seed)
        run = build(config, dataset=mg.datasets.load_dataset("sample", n=64))  # no RNG used
        return Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config, out_dir=out)

    straight = image_trainer(None, 6)
    straight.fit(progress=False)
    first = image_trainer(tmp_path, 3)
    first.fit(progress=False)
    assert first.frame_steps == [0, 3]  # a finished run ends with its final generator
    resumed = image_trainer(tmp_path, 6, seed=1)
    resumed.load_checkpoint(tmp_path / "checkpoint.npz")
    resumed.fit(progress=False)
    assert resumed.frame_steps == straight.frame_steps == [0, 4, 6]
    assert len(resumed.frames) == 3


# ----------------------------------------------------------------------------- items 9-11


def _config_case(text):
    return ("config", text)


# (command line or config-file text, what the message must say). Each must exit 2 with
# "error: ...", naming the setting, what was expected and what was got.
BAD = [
    (["--steps", "-5"], r"argument --steps: must be an integer in \[1, 100,000,000\], got '-5'"),
    (["--steps", "abc"], r"argument --steps: must be an integer in \[1, 100,000,000\], got 'abc'"),
    (["--epochs", "0"], r"argument --epochs: must be a finite number in \(0, 100000\], got '0'"),
    (["--epochs", "inf"], r"argument --epochs: must be a finite number in \(0, 100000\], got 'inf'"),
    (["--eval-every", "-1"], r"argument --eval-every: must be an integer in \[0, 100,000,000\], got '-1'"),
    (["--n-critic", "0"], r"argument --n-critic: must be an integer in \[1, 1,000\], got '0'"),
    (["--width", "0"], r"argument --width: must be an integer in \[1, 10,000\], got '0'"),
    (["--latent-dim", "0"], r"argument --latent-dim: must be an integer in \[1, 10,000\], got '0'"),
    (["--lr", "nan"], r"argument --lr: must be a finite number > 0, got 'nan'"),
    (["--dataset", "sample", "--batch-size", "20000"], r"batch_size must be at most the "
     r"dataset's size \(10000 samples in 'sample'\), got 20000"),
    (["--model", "dcgan"], r"model 'dcgan' does not work on toy data \('ring'\)"),
    (_config_case("[1, 2]"), r"--config .*c.json must hold a JSON object of settings, got list"),
    (_config_case("null"), r"--config .*c.json must hold a JSON object of settings, got null"),
    (_config_case('{"steps": 3'), r"--config .*c.json: not valid JSON"),
    (_config_case('{"steps": "abc"}'), r"c.json: steps must be an integer in \[1, 100,000,000\], "
                                   r"got 'abc'"),
    (_config_case('{"steps": true}'), r"c.json: steps must be an integer in \[1, 100,000,000\], "
                                   r"got True"),
    (_config_case('{"lr_g": "fast"}'), r"c.json: lr_g must be a finite number > 0, got 'fast'"),
    (_config_case('{"lr_g": Infinity, "lr_decay": "none"}'),
     r"c.json: lr_g must be a finite number > 0, got inf"),
    (_config_case('{"betas": 5}'), r"c.json: betas must be two numbers in \[0, 1\), got 5"),
    (_config_case('{"checkpoint_every": 0.5}'),
     r"c.json: checkpoint_every must be an integer in \[0, 100,000,000\], got 0.5"),
    (_config_case('{"label_smoothing": 2}'),
     r"c.json: label_smoothing must be a finite number in \[0, 1\), got 2"),
    (_config_case('{"latent_dim": 2.5}'), r"c.json: latent_dim must be an integer in \[1, 10,000\], "
                                        r"got 2.5"),
    (_config_case('{"gp_weight": "x"}'), r"c.json: gp_weight must be a finite number >= 0, "
                                         r"got 'x'"),
    (_config_case('{"n_samples": 0}'), r"c.json: n_samples must be an integer in "
                                     r"\[1, 1,000,000\], got 0"),
    (_config_case('{"optimizer": "sgd"}'), r"c.json: optimizer must be one of 'adam', "
                                           r"'rmsprop', got 'sgd'"),
    (_config_case('{"stepz": 3}'), r"c.json: unknown config keys \['stepz'\]"),
]


@pytest.mark.parametrize("case, message", BAD, ids=[str(c[0])[:40] for c in BAD])
def test_items9_10_bad_settings_exit_2_with_a_message(case, message, tmp_path, capsys):
    argv = ["train", "--model", "mlp", "--dataset", "ring", "--quiet", "--out", tmp_path / "r"]
    if case[0] == "config":
        (tmp_path / "c.json").write_text(case[1])
        argv += ["--config", tmp_path / "c.json"]
    else:
        argv = [a for a in argv if a not in ("--model", "mlp")] + list(case) \
            if case[0] == "--model" else argv + list(case)
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    assert re.search(r"error: .*" + message, err), err
    assert "Traceback" not in err
    assert not (tmp_path / "r").exists()  # nothing written


def test_item9_cupy_without_a_gpu_is_a_message(tmp_path, capsys):
    if mg.cuda_available():
        pytest.skip("a GPU is present")
    assert run_cli(["train", *RING, "--backend", "cupy", "--out", tmp_path / "r"]) == 2
    assert "error: backend 'cupy' needs CuPy and a CUDA GPU" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["bench", "--steps", "0"], r"argument --steps: must be an integer in \[1, 1,000\], got '0'"),
    (["bench", "--steps", "-3"], r"argument --steps: must be an integer in \[1, 1,000\], got '-3'"),
    (["sample", "--checkpoint", "x.npz", "--out", "s.npy", "--n", "0"],
     r"argument --n: must be an integer in \[1, 1,000,000\], got '0'"),
])
def test_item9_bench_and_sample_flags_are_checked(argv, message, capsys):
    assert run_cli(argv) == 2
    assert re.search(message, capsys.readouterr().err)


def test_item9_sample_or_resume_with_a_foreign_checkpoint_is_a_message(ring_run, tmp_path, capsys):
    mg.save({"weights": np.ones(3)}, tmp_path / "other.npz")
    assert run_cli(["sample", "--checkpoint", tmp_path / "other.npz", "--out",
                    tmp_path / "s.npy"]) == 2
    assert "is not a minigan GAN checkpoint" in capsys.readouterr().err
    state = mg.load(ring_run / "checkpoint.npz")
    state["config"]["width"] = 32  # another model's config: the weights do not fit
    mg.save(state, tmp_path / "mismatch.npz")
    assert run_cli(["sample", "--checkpoint", tmp_path / "mismatch.npz", "--out",
                    tmp_path / "s.npy"]) == 2
    assert "the generator's weights do not fit the 'mlp' model" in capsys.readouterr().err


@pytest.mark.parametrize("samples, message", [
    (np.full((10, 2), np.nan, np.float32), r"must be finite, got 10 with NaN or inf"),
    (np.zeros((0, 2), np.float32), r"must have shape \(N, 2\) with N >= 1, got \(0, 2\)"),
    (np.zeros((10, 2), np.complex64), r"samples must be real numbers, got an array of dtype "
                                      r"complex64"),
])
def test_item11_evaluate_refuses_bad_2d_samples(samples, message, tmp_path, capsys):
    np.save(tmp_path / "s.npy", samples)
    assert run_cli(["evaluate", "--samples", tmp_path / "s.npy", "--dataset", "ring"]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_item11_evaluate_refuses_huge_images_and_names_bad_files(tmp_path, capsys):
    np.save(tmp_path / "big.npy", np.full((4, 1, 28, 28), 1e30, np.float32))
    assert run_cli(["evaluate", "--samples", tmp_path / "big.npy", "--dataset", "sample"]) == 2
    assert "images must have values in [-1, 1], got values from 1e+30" in capsys.readouterr().err
    np.save(tmp_path / "p.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert run_cli(["evaluate", "--samples", tmp_path / "p.npy", "--dataset", "ring"]) == 2
    assert f"{tmp_path / 'p.npy'} holds pickled Python objects" in capsys.readouterr().err
    (tmp_path / "t.npy").write_text("hello")
    assert run_cli(["evaluate", "--samples", tmp_path / "t.npy", "--dataset", "ring"]) == 2
    assert f"{tmp_path / 't.npy'} is not a .npy file (it starts with b'hello')" in \
        capsys.readouterr().err


def test_item11_a_message_from_a_command_exits_2_not_1(capsys):
    assert run_cli(["evaluate"]) == 2
    assert capsys.readouterr().err.startswith("error: evaluate: give either")


# ----------------------------------------------------------------------------- the table


def test_every_setting_is_a_train_flag_and_a_config_field():
    import argparse

    from minigan.cli import _add_train_options

    parser = argparse.ArgumentParser()
    _add_train_options(parser)
    flags = {a.dest for a in parser._actions}
    config_fields = set(TrainConfig.__dataclass_fields__)
    for s in SETTINGS:
        assert (s.name in flags) == (s.type is not dict), s.name
        assert (s.name in config_fields) == s.config, s.name
        if s.config:
            default = {} if s.type is dict else list(s.default) if s.type is tuple else s.default
            assert TrainConfig().to_dict()[s.name] == default, s.name


def test_train_config_checks_values_set_in_python():
    with pytest.raises(ValueError, match=r"latent_dim must be an integer in \[1, 10,000\], got 2.5"):
        TrainConfig(latent_dim=2.5)
    with pytest.raises(ValueError, match=r"image_size must be 28 for model 'dcgan', got 64"):
        TrainConfig(image_size=64)
    assert TrainConfig(steps=5.0).steps == 5 and type(TrainConfig(steps=5.0).steps) is int


def test_a_new_setting_is_one_row(monkeypatch):
    """What adding a setting (as the mode-collapse remedies were) does: one row gives the flag and the checks (and, when
    the module is imported, the TrainConfig field: test_every_setting_is_a_train_flag_...)."""
    import minigan.gan.settings as settings

    row = settings.Setting("my_remedy", bool, False, "a remedy of tomorrow")
    monkeypatch.setattr(settings, "SETTINGS", settings.SETTINGS + (row,))
    monkeypatch.setattr(settings, "BY_NAME", {**settings.BY_NAME, row.name: row})
    monkeypatch.setattr(settings, "CONFIG_SETTINGS", settings.CONFIG_SETTINGS + (row,))
    with pytest.raises(ValueError, match=r"c.json: my_remedy must be true or false, got 'no'"):
        settings.check_settings({"my_remedy": "no"}, "c.json")
    assert settings.check_settings({"my_remedy": True}) == {"my_remedy": True}
    import argparse

    parser = argparse.ArgumentParser()
    settings.add_flags(parser)
    assert parser.parse_args(["--my-remedy", "yes"]).my_remedy is True
    with pytest.raises(SystemExit):
        parser.parse_args(["--my-remedy", "maybe"])
