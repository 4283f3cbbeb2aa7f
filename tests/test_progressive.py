"""Progressive growing (Karras et al. 2018): each stabiliser as a module, the fade-in, the growing
models, the schedule, the trainer that grows (new parameters join their optimizer with fresh
state), and a checkpoint taken in the middle of a fade-in that resumes bit for bit."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan import gan, nn, optim
from minigan.gan.models.progan import (EqualizedConv2d, EqualizedLinear, PixelNorm, ProDiscriminator,
                                       ProGenerator, active_parameters, conv, fade_in, he_constant)
from minigan.gan.progressive import ProgressiveTrainer, real_at, schedule, to_full_resolution
from minigan.gan.recipes import build, default_config, make_trainer


@pytest.fixture
def float64():
    mg.set_default_dtype(np.float64)
    yield
    mg.set_default_dtype(np.float32)


# ----------------------------------------------------------------------------- pixel norm


def test_pixel_norm_gives_every_pixel_unit_rms_over_the_channels():
    x = mg.randn(3, 5, 4, 4) * 7 + 2
    y = PixelNorm()(x).detach().numpy()
    a = x.detach().numpy().astype(np.float64)
    np.testing.assert_allclose(y, a / np.sqrt((a ** 2).mean(axis=1, keepdims=True) + 1e-8), rtol=1e-5)
    np.testing.assert_allclose(np.sqrt((y ** 2).mean(axis=1)), 1.0, rtol=1e-5)


def test_pixel_norm_ignores_the_scale_of_each_pixel_and_the_other_samples():
    x = mg.randn(2, 6, 3, 3)
    scale = mg.rand(2, 1, 3, 3) * 10 + 0.1
    np.testing.assert_allclose(PixelNorm()(x * scale).detach().numpy(), PixelNorm()(x).detach().numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(PixelNorm()(x[:1]).detach().numpy(), PixelNorm()(x).detach().numpy()[:1], rtol=1e-6)


def test_pixel_norm_is_differentiable_twice(float64):
    x = mg.randn(2, 3, 2, 2, requires_grad=True)
    assert mg.gradcheck(PixelNorm(), (x,))
    assert mg.gradgradcheck(PixelNorm(), (x,))


# ----------------------------------------------------------------------------- equalized learning rate


def test_equalized_linear_stores_unit_weights_and_scales_them_by_hes_constant():
    layer = EqualizedLinear(200, 300)
    assert layer.weight.detach().numpy().std() == pytest.approx(1.0, abs=0.01)
    assert layer.scale == pytest.approx(math.sqrt(2 / 200))
    assert np.all(layer.bias.detach().numpy() == 0)
    x = mg.randn(4, 200)
    expected = x.detach().numpy() @ (layer.weight.detach().numpy() * layer.scale).T
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_equalized_conv_stores_unit_weights_and_scales_them_by_hes_constant():
    layer = EqualizedConv2d(6, 40, 3, padding=1)
    assert layer.weight.shape == (40, 6, 3, 3)
    assert layer.weight.detach().numpy().std() == pytest.approx(1.0, abs=0.05)
    assert layer.scale == pytest.approx(math.sqrt(2 / (6 * 9)))
    x = mg.randn(2, 6, 5, 5)
    plain = nn.Conv2d(6, 40, 3, padding=1)
    plain.load_state_dict({"weight": layer.weight.detach().numpy() * layer.scale, "bias": layer.bias.detach().numpy()})
    np.testing.assert_allclose(layer(x).detach().numpy(), plain(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert layer(x).shape == (2, 40, 5, 5)


def test_equalized_layers_are_differentiable_twice(float64):
    x = mg.randn(2, 3, 4, 4, requires_grad=True)
    assert mg.gradgradcheck(EqualizedConv2d(3, 2, 3, padding=1), (x,))
    assert mg.gradgradcheck(EqualizedLinear(5, 3), (mg.randn(2, 5, requires_grad=True),))


def test_the_equalized_learning_rate_moves_every_layer_at_the_same_relative_speed():
    """One Adam step changes each stored weight by about lr whatever the layer's fan-in, so the
    effective weight (stored * c) changes by lr * c: relative to its scale c, by lr. A He-initialised
    plain layer moves by lr too, which is lr / c relative to its scale: larger for wide layers."""
    lr = 1e-3
    relative = {}
    for fan_in in (8, 800):
        for equalized in (True, False):
            layer = conv(fan_in, 4, 1, equalized)
            opt = optim.Adam(layer.parameters(), lr=lr)
            before = layer.weight.detach().numpy() * (layer.scale if equalized else 1)
            (layer(mg.randn(2, fan_in, 3, 3)) ** 2).sum().backward()
            opt.step()
            after = layer.weight.detach().numpy() * (layer.scale if equalized else 1)
            relative[fan_in, equalized] = np.abs(after - before).mean() / he_constant(fan_in)
    assert relative[8, True] == pytest.approx(lr, rel=0.05) and relative[800, True] == pytest.approx(lr, rel=0.05)
    assert relative[800, False] / relative[8, False] == pytest.approx(10, rel=0.05)   # sqrt(800 / 8)


def test_the_ablation_without_equalized_lr_starts_at_the_same_function_scale():
    plain = conv(50, 30, 3, equalized=False)
    assert isinstance(plain, nn.Conv2d)
    assert plain.weight.detach().numpy().std() == pytest.approx(he_constant(50 * 9), rel=0.05)
    assert np.all(plain.bias.detach().numpy() == 0)


# ----------------------------------------------------------------------------- epsilon drift


def test_drift_adds_eps_times_the_mean_squared_real_score():
    G, D = ProGenerator(16, 2), ProDiscriminator(2)
    real, z = mg.randn(4, 1, 7, 7), mg.randn(4, 16)
    losses = []
    for drift in (0.0, 0.5):
        D_copy = ProDiscriminator(2)
        D_copy.load_state_dict(D.state_dict())
        opt = optim.SGD(D_copy.parameters(), lr=0.0)
        losses.append(gan.d_step(G, D_copy, opt, real, z, gan.LOSSES["wgan"], clip_value=100, drift=drift)["d_loss"])
    with mg.no_grad():
        expected = 0.5 * (D(real).detach().numpy().astype(np.float64) ** 2).mean()
    assert losses[1] - losses[0] == pytest.approx(expected, rel=1e-4)


# ----------------------------------------------------------------------------- fade-in and growing


def test_fade_in_is_lerp():
    old, new = mg.tensor([0.0, 2.0]), mg.tensor([4.0, -2.0])
    np.testing.assert_allclose(fade_in(old, new, 0.0).detach().numpy(), [0, 2])
    np.testing.assert_allclose(fade_in(old, new, 1.0).detach().numpy(), [4, -2])
    np.testing.assert_allclose(fade_in(old, new, 0.25).detach().numpy(), [1, 1])


def test_generator_grows_7_14_28_and_a_new_block_starts_faded_out():
    G = ProGenerator(16, 2)
    z = mg.randn(3, 16)
    assert G(z).shape == (3, 1, 7, 7) and G.resolution == 7
    before = G(z).detach().numpy()
    new = G.grow()
    assert int(G.stage.item()) == 1 and G.alpha.item() == 0.0
    assert {id(p) for p in new} == {id(p) for p in G.stage_parameters(1)}
    at_zero = G(z).detach().numpy()
    assert at_zero.shape == (3, 1, 14, 14)
    # alpha = 0: the old 7x7 image, every pixel repeated 2 x 2
    np.testing.assert_allclose(at_zero, before.repeat(2, axis=2).repeat(2, axis=3), rtol=1e-6, atol=1e-7)
    G.alpha.fill_(1.0)
    full = G(z).detach().numpy()
    G.alpha.fill_(0.3)
    old_t, new_t = np.arctanh(np.clip(at_zero, -0.999999, 0.999999)), np.arctanh(np.clip(full, -0.999999, 0.999999))
    np.testing.assert_allclose(np.arctanh(np.clip(G(z).detach().numpy(), -0.999999, 0.999999)), 0.7 * old_t + 0.3 * new_t, atol=1e-3)
    G.grow()
    assert G(z).shape == (3, 1, 28, 28)
    with pytest.raises(ValueError, match="at its last stage already"):
        G.grow()


def test_discriminator_at_alpha_zero_reads_the_downsampled_image_with_the_old_stage():
    D = ProDiscriminator(2)
    x = mg.randn(4, 1, 14, 14)
    small = mg.tensor(x.detach().numpy().reshape(4, 1, 7, 2, 7, 2).mean(axis=(3, 5)))
    old_score = D(small).detach().numpy()
    D.grow()
    np.testing.assert_allclose(D(x).detach().numpy(), old_score, rtol=1e-5, atol=1e-6)
    D.alpha.fill_(1.0)
    assert not np.allclose(D(x).detach().numpy(), old_score, atol=1e-3)


def test_a_network_built_at_the_last_stage_has_the_same_initial_weights():
    """Progressive vs full resolution from the start: the same architecture and initial weights."""
    mg.manual_seed(3)
    growing = ProGenerator(16, 2)
    mg.manual_seed(3)
    full = ProGenerator(16, 2, stage=2)
    for (name, a), b in zip(growing.state_dict().items(), full.state_dict().values()):
        if name not in ("stage", "alpha"):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)
    assert len(active_parameters(growing)) < len(active_parameters(full)) == len(list(full.parameters()))


def test_stabilisers_can_be_switched_off_one_at_a_time():
    G = ProGenerator(16, 2, pixel_norm=False)
    assert not any(isinstance(m, PixelNorm) for m in G.modules())
    assert not any(isinstance(m, nn.MinibatchStdDev) for m in ProDiscriminator(2, minibatch_std=False).modules())
    assert any(isinstance(m, nn.MinibatchStdDev) for m in ProDiscriminator(2).modules())
    plain = ProGenerator(16, 2, equalized_lr=False)
    assert not any(isinstance(m, (EqualizedConv2d, EqualizedLinear)) for m in plain.modules())
    with pytest.raises(ValueError, match="stage must be 0, 1 or 2"):
        ProGenerator(16, 2, stage=3)


# ----------------------------------------------------------------------------- the schedule


@pytest.mark.parametrize("step, expected", [(0, (0, 1.0)), (9, (0, 1.0)), (10, (1, 0.0)), (12, (1, 0.5)),
                                            (14, (1, 1.0)), (19, (1, 1.0)), (20, (2, 0.0)), (21, (2, 0.25)),
                                            (24, (2, 1.0)), (500, (2, 1.0))])
def test_schedule_stage_and_alpha(step, expected):
    assert schedule(step, grow_every=10, fade_steps=4) == expected


def test_schedule_without_growing_and_without_fading():
    assert schedule(0, grow_every=0, fade_steps=0) == (2, 1.0)
    assert schedule(10, grow_every=10, fade_steps=0) == (1, 1.0)


def test_real_images_follow_the_same_fade_as_gs():
    x = mg.randn(2, 1, 28, 28)
    a = x.detach().numpy()

    def pool(v, k):
        return v.reshape(2, 1, v.shape[2] // k, k, v.shape[3] // k, k).mean(axis=(3, 5))
    np.testing.assert_allclose(real_at(x, 0, 1.0).detach().numpy(), pool(a, 4), rtol=1e-5, atol=1e-6)
    at14 = pool(a, 2)
    blurred = pool(at14, 2).repeat(2, axis=2).repeat(2, axis=3)
    np.testing.assert_allclose(real_at(x, 1, 0.25).detach().numpy(), 0.75 * blurred + 0.25 * at14, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(real_at(x, 2, 1.0).detach().numpy(), a)
    assert to_full_resolution(pool(a, 4)).shape == (2, 1, 28, 28)


# ----------------------------------------------------------------------------- the trainer


def _run(tmp_path=None, seed=0, **overrides):
    values = dict(width=2, latent_dim=8, batch_size=4, steps=12, grow_every=4, fade_steps=2, sample_every=3,
                  checkpoint_every=0, n_samples=8, num_fixed=4, seed=seed)
    config = default_config("progan", "sample", **{**values, **overrides})
    mg.manual_seed(1234)
    run = build(config, dataset=mg.datasets.load_dataset("sample", n=48))
    return make_trainer(run, config, out_dir=tmp_path)


def test_progan_defaults_are_the_papers_recipe():
    config = default_config("progan", "sample")
    assert (config.loss, config.n_critic, config.lr_g, config.betas, config.drift, config.gp_weight) == \
        ("wgan-gp", 1, 1e-3, (0.0, 0.99), 0.001, 10.0)
    assert config.pixel_norm and config.equalized_lr and config.minibatch_std
    assert default_config("progan", "sample", loss="bce").n_critic == 1


def test_trainer_grows_and_new_parameters_join_the_optimizer_with_fresh_state():
    trainer = _run()
    assert isinstance(trainer, ProgressiveTrainer)
    assert len(trainer.opt_g.param_groups) == len(trainer.opt_d.param_groups) == 1
    trainer.fit(steps=4, progress=False)
    old = trainer.G.stage_parameters(0)[0]
    assert trainer.opt_g.state[old]["step"] == 4
    trainer.train_step()                                   # step 5: stage 1 begins
    assert trainer.stage == 1 and len(trainer.opt_g.param_groups) == len(trainer.opt_d.param_groups) == 2
    new = trainer.G.stage_parameters(1)
    assert trainer.opt_g.param_groups[1]["params"] == new
    assert trainer.opt_g.state[new[0]]["step"] == 1 and trainer.opt_g.state[old]["step"] == 5
    unused = trainer.G.stage_parameters(2)[0]
    assert unused not in trainer.opt_g.state and unused.grad is None
    rows = trainer.fit(progress=False)
    assert [(r["stage"], r["alpha"]) for r in rows] == [(0, 1.0)] * 4 + [(1, 0.0), (1, 0.5)] + [(1, 1.0)] * 2 + \
        [(2, 0.0), (2, 0.5), (2, 1.0), (2, 1.0)]
    assert trainer.sample_many(3).shape == (3, 1, 28, 28)
    assert len({f.shape for f in trainer.frames}) == 1 and trainer.frames[0].shape == (4, 1, 28, 28)


def test_full_resolution_from_the_start_is_grow_every_zero():
    trainer = _run(grow_every=0, fade_steps=0)
    assert trainer.stage == 2 and len(trainer.opt_g.param_groups) == 1
    assert len(trainer.opt_g.param_groups[0]["params"]) == len(list(trainer.G.parameters()))
    trainer.fit(steps=2, progress=False)
    assert trainer.history[-1]["stage"] == 2 and trainer.sample_fixed().shape == (4, 1, 28, 28)


def test_a_checkpoint_taken_in_the_middle_of_a_fade_in_resumes_bit_exactly(tmp_path):
    straight = _run(fade_steps=4)
    straight.fit(progress=False)

    first = _run(tmp_path, fade_steps=4)
    first.fit(steps=10, progress=False)         # stage 2 began at step 9 (alpha 0), then 0.25
    assert (first.stage, first.G.alpha.item()) == (2, 0.25)
    first.save_checkpoint()
    resumed = _run(tmp_path, seed=99, fade_steps=4)   # everything must come from the checkpoint
    assert resumed.stage == 0
    resumed.load_checkpoint(tmp_path / "checkpoint.npz")
    assert resumed.stage == 2 and len(resumed.opt_g.param_groups) == 3
    resumed.fit(progress=False)

    for model in ("G", "D"):
        for (name, a), b in zip(getattr(straight, model).state_dict().items(), getattr(resumed, model).state_dict().values()):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=f"{model}.{name}")
    for opt in ("opt_g", "opt_d"):
        a, b = getattr(straight, opt).state_dict(), getattr(resumed, opt).state_dict()
        assert a["param_groups"] == b["param_groups"]
        for index, entries in a["state"].items():
            for key, value in entries.items():
                np.testing.assert_array_equal(np.asarray(value), np.asarray(b["state"][index][key]), err_msg=f"{opt} {index} {key}")

    def untimed(history):
        return [{k: v for k, v in row.items() if k != "time"} for row in history]
    assert untimed(straight.history) == untimed(resumed.history)
    np.testing.assert_array_equal(straight.sample_fixed(), resumed.sample_fixed())
    np.testing.assert_array_equal(np.stack(straight.frames), np.stack(resumed.frames))


def test_loading_an_earlier_stage_goes_back_and_a_refused_checkpoint_changes_nothing(tmp_path):
    early = _run(tmp_path)
    early.fit(steps=2, progress=False)
    early.save_checkpoint()
    late = _run()
    late.fit(steps=9, progress=False)
    late.load_checkpoint(tmp_path / "checkpoint.npz")
    assert late.stage == 0 and len(late.opt_g.param_groups) == 1 and late.step == 2

    bad = mg.load(tmp_path / "checkpoint.npz")
    bad["opt_d"]["param_groups"][0]["lr"] = -1.0
    fresh = _run()
    fresh.fit(steps=5, progress=False)
    before = {k: v.detach().numpy().copy() for k, v in fresh.G.state_dict().items()}
    with pytest.raises(ValueError):
        fresh.load_state_dict(bad)
    assert fresh.stage == 1 and len(fresh.opt_g.param_groups) == 2 and fresh.step == 5
    for key, value in fresh.G.state_dict().items():
        np.testing.assert_array_equal(value.detach().numpy(), before[key], err_msg=key)

    del bad["G"]["stage"]
    with pytest.raises(ValueError, match="no valid growing stage"):
        fresh.load_state_dict(bad)


def test_settings_of_progressive_growing_are_checked():
    with pytest.raises(ValueError, match="fade_steps must be at most grow_every"):
        default_config("progan", "sample", grow_every=10, fade_steps=20)
    with pytest.raises(ValueError, match="--grow-every applies to model progan, not to model 'dcgan'"):
        default_config("dcgan", "sample", grow_every=10)
    with pytest.raises(ValueError, match="--pixel-norm applies to model progan and stylegan"):
        default_config("dcgan", "sample", pixel_norm=False)


# ----------------------------------------------------------------------------- the command line


def test_train_progan_from_the_command_line_and_resume_in_a_fade(tmp_path, capsys):
    from minigan.cli import main

    common = ["--width", "2", "--latent-dim", "8", "--batch-size", "4", "--grow-every", "3", "--fade-steps", "2",
              "--n-samples", "8", "--num-fixed", "4", "--sample-every", "2", "--quiet"]
    assert main(["train", "--model", "progan", "--steps", "7", "--checkpoint-every", "7", "--out",
                 str(tmp_path / "run"), *common]) == 0
    out = capsys.readouterr().out
    assert "training progan on sample with the wgan-gp loss for 7 steps" in out
    state = mg.load(tmp_path / "run" / "checkpoint.npz")
    assert int(state["G"]["stage"]) == 2 and float(state["G"]["alpha"]) == 0.0   # step 7 began stage 2
    assert len(state["opt_g"]["param_groups"]) == 3
    assert np.load(tmp_path / "run" / "samples.npy").shape == (8, 1, 28, 28)
    assert main(["train", "--resume", str(tmp_path / "run"), "--steps", "9", "--quiet"]) == 0
    assert "resuming" in capsys.readouterr().out
    history = (tmp_path / "run" / "history.csv").read_text().splitlines()
    assert history[0].endswith(",stage,alpha") and len(history) == 10
    assert history[-1].endswith(",2,1.0")


@pytest.mark.parametrize("flags, message", [
    (["--model", "progan", "--grow-every", "-1"], "argument --grow-every: must be an integer in [0, 100,000,000], got '-1'"),
    (["--model", "progan", "--grow-every", "5", "--fade-steps", "9"], "fade_steps must be at most grow_every (5), got 9"),
    (["--model", "dcgan", "--equalized-lr", "no"], "--equalized-lr applies to model progan and stylegan, not to model 'dcgan'"),
    (["--model", "stylegan", "--grow-every", "5"], "--grow-every applies to model progan, not to model 'stylegan'"),
    (["--model", "progan", "--minibatch", "stddev"], "minibatch and pack are available for the mlp and dcgan models"),
])
def test_bad_progressive_flags_exit_2_and_write_nothing(tmp_path, capsys, flags, message):
    from minigan.cli import main

    try:
        code = main(["train", *flags, "--out", str(tmp_path / "run")])
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
