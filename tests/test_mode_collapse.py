"""Mode-collapse remedies: the minibatch layers, feature matching, label smoothing, packing, instance
noise, unrolling, and the switches that reach them from the Trainer and the command line.

Values against loops written from the papers' formulas and against PyTorch; gradients checked in
float64, first and second order."""


import numpy as np
import pytest

import minigan as mg
from minigan import gan, nn, optim
from minigan.gan.recipes import build, default_config
from minigan.gan.training import Trainer

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the test oracle) is not installed")


def f64(*shape, seed=0, requires_grad=True):
    return mg.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


# ----------------------------------------------------------------------------- minibatch discrimination


def _mbd_loop(x, T):
    """o(x_i)_b = sum_j exp(-||M_{i,b} - M_{j,b}||_1), M_i = x_i T, written as loops (Salimans et al. 2016)."""
    n, (a, b, c) = len(x), T.shape
    M = np.einsum("na,abc->nbc", x, T)
    o = np.zeros((n, b))
    for i in range(n):
        for j in range(n):
            for k in range(b):
                o[i, k] += np.exp(-np.abs(M[i, k] - M[j, k]).sum())
    return np.concatenate([x, o], axis=1)


def test_minibatch_discrimination_values_follow_the_paper():
    layer = nn.MinibatchDiscrimination(5, 3, 4)
    x = f64(6, 5, requires_grad=False)
    T = np.random.default_rng(1).standard_normal((5, 3, 4)) * 0.3
    layer.T = nn.Parameter(T)
    out = layer(x)
    assert out.shape == (6, 8)
    np.testing.assert_allclose(out.detach().numpy(), _mbd_loop(x.detach().numpy(), T), rtol=1e-12)
    # identical samples: every c_b(i, j) = 1, so o = N in every feature
    same = layer(mg.tensor(np.tile(x.detach().numpy()[:1], (6, 1)))).detach().numpy()[:, 5:]
    np.testing.assert_allclose(same, np.full((6, 3), 6.0), rtol=1e-12)


@needs_torch
def test_minibatch_discrimination_matches_a_torch_implementation():
    x = f64(7, 4, seed=2)
    T = nn.Parameter(np.random.default_rng(3).standard_normal((4, 5, 3)) * 0.5)
    layer = nn.MinibatchDiscrimination(4, 5, 3)
    layer.T = T
    out = layer(x)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    tT = torch.tensor(T.detach().numpy(), requires_grad=True)
    m = (tx @ tT.reshape(4, 15)).reshape(7, 5, 3)
    t_out = torch.cat([tx, torch.exp(-(m[:, None] - m[None]).abs().sum(3)).sum(1)], dim=1)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
    upstream = np.random.default_rng(4).standard_normal(out.shape)
    out.backward(mg.tensor(upstream))
    t_out.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.T.grad.numpy(), tT.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_minibatch_discrimination_gradcheck_first_and_second_order():
    layer = nn.MinibatchDiscrimination(3, 2, 2)

    def fn(x, T):
        layer.T = T
        return layer(x)

    x = f64(4, 3, seed=5)
    T = nn.Parameter(np.random.default_rng(6).standard_normal((3, 2, 2)) * 0.5)
    assert mg.gradcheck(fn, (x, T))
    assert mg.gradgradcheck(fn, (x, T))


def test_minibatch_discrimination_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"MinibatchDiscrimination: kernel_dims must be a positive integer, got 0"):
        nn.MinibatchDiscrimination(4, 3, 0)
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 4\), got \(2, 5\)"):
        nn.MinibatchDiscrimination(4, 3, 2)(mg.randn(2, 5))
    assert repr(nn.MinibatchDiscrimination(4, 3, 2)) == "MinibatchDiscrimination(in_features=4, out_features=3, kernel_dims=2)"
    assert [name for name, _ in nn.MinibatchDiscrimination(4, 3, 2).named_parameters()] == ["T"]


# ----------------------------------------------------------------------------- minibatch standard deviation


def _mbstd_loop(x, group_size):
    """For each sample n: the mean over features of the std over its group {k : k mod (N/G) = n mod (N/G)}."""
    n = len(x)
    g = min(group_size, n)
    groups = n // g
    extra = np.empty(n)
    for i in range(n):
        members = x[[k for k in range(n) if k % groups == i % groups]]
        extra[i] = np.sqrt(members.var(axis=0) + 1e-8).mean()
    if x.ndim == 2:
        return np.concatenate([x, extra[:, None]], axis=1)
    return np.concatenate([x, np.broadcast_to(extra[:, None, None, None], (n, 1, *x.shape[2:]))], axis=1)


@pytest.mark.parametrize("shape, group_size", [((8, 3, 2, 2), 4), ((8, 5), 2), ((6, 4), 8), ((4, 2, 3, 3), 4)])
def test_minibatch_stddev_values_follow_the_paper(shape, group_size):
    x = f64(*shape, requires_grad=False)
    out = nn.MinibatchStdDev(group_size)(x)
    assert out.shape == (shape[0], shape[1] + 1, *shape[2:])
    np.testing.assert_allclose(out.numpy(), _mbstd_loop(x.numpy(), group_size), rtol=1e-12)


@needs_torch
@pytest.mark.parametrize("shape", [(8, 3, 2, 2), (8, 5)])
def test_minibatch_stddev_matches_a_torch_implementation(shape):
    x = f64(*shape, seed=3)
    out = nn.MinibatchStdDev(4)(x)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    y = tx.reshape(4, -1, *shape[1:])
    y = ((y - y.mean(0)) ** 2).mean(0)
    s = (y + 1e-8).sqrt().reshape(y.shape[0], -1).mean(1).repeat(4)
    s = s.reshape(shape[0], 1, *([1] * (len(shape) - 2))).expand(shape[0], 1, *shape[2:])
    t_out = torch.cat([tx, s], dim=1)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
    upstream = np.random.default_rng(4).standard_normal(out.shape)
    out.backward(mg.tensor(upstream))
    t_out.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 2, 2, 2), (6, 3)])
def test_minibatch_stddev_gradcheck_first_and_second_order(shape):
    layer = nn.MinibatchStdDev(2)
    x = f64(*shape, seed=7)
    assert mg.gradcheck(layer, (x,))
    assert mg.gradgradcheck(layer, (x,))


def test_minibatch_stddev_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"MinibatchStdDev: group_size must be an integer >= 2, got 1"):
        nn.MinibatchStdDev(1)
    with pytest.raises(ValueError, match=r"the batch size 6 is not divisible by the group size 4"):
        nn.MinibatchStdDev(4)(mg.randn(6, 3))
    with pytest.raises(ValueError, match=r"expects input of shape \(N, C, H, W\) or \(N, F\), got \(4, 2, 3\)"):
        nn.MinibatchStdDev(4)(mg.randn(4, 2, 3))


# ----------------------------------------------------------------------------- label smoothing


@needs_torch
@pytest.mark.parametrize("s, two_sided", [(0.0, False), (0.1, False), (0.2, True)])
def test_label_smoothing_is_bce_with_smoothed_targets(s, two_sided):
    real, fake = f64(5, 1, seed=1), f64(5, 1, seed=2)
    ours = gan.d_loss_bce(real, fake, label_smoothing=s, two_sided=two_sided)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    tr, tf = torch.tensor(real.detach().numpy()), torch.tensor(fake.detach().numpy())
    expected = bce(tr, torch.full_like(tr, 1 - s)) + bce(tf, torch.full_like(tf, s if two_sided else 0.0))
    assert ours.item() == pytest.approx(expected.item(), rel=1e-12)
    assert mg.gradcheck(lambda a, b: gan.d_loss_bce(a, b, s, two_sided), (real, fake))
    assert mg.gradgradcheck(lambda a, b: gan.d_loss_bce(a, b, s, two_sided), (real, fake))


def test_label_smoothing_goes_through_the_loss_registry():
    real, fake = f64(4, 1, seed=1, requires_grad=False), f64(4, 1, seed=2, requires_grad=False)
    plain = gan.get_loss("bce")
    assert plain is gan.LOSSES["bce"]
    one = gan.get_loss("bce", label_smoothing=0.1)
    two = gan.get_loss("minimax", label_smoothing=0.1, two_sided=True)
    assert one.name == "bce (one-sided smoothing 0.1)" and two.name == "minimax (two-sided smoothing 0.1)"
    assert one.d_loss(real, fake).item() == gan.d_loss_bce(real, fake, 0.1).item()
    assert two.d_loss(real, fake).item() == gan.d_loss_bce(real, fake, 0.1, two_sided=True).item()
    assert two.g_loss is gan.g_loss_minimax
    with pytest.raises(ValueError, match=r"label smoothing applies to the BCE losses \(bce, minimax\), got loss 'wgan-gp'"):
        gan.get_loss("wgan-gp", label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\), got 1.0"):
        gan.get_loss("bce", label_smoothing=1.0)
    with pytest.raises(ValueError, match=r"d_loss_bce: label_smoothing must be in \[0, 1\), got -0.1"):
        gan.d_loss_bce(real, fake, -0.1)


def test_smoothing_moves_the_optimal_discriminator_as_derived():
    """For one point with densities p (data) and q (G), the loss p*BCE(a, 1-s) + q*BCE(a, t_f) is
    minimised at sigmoid(a) = (p (1 - s) + q t_f) / (p + q): checked by minimising over a grid."""
    p, q, s = 0.7, 0.3, 0.2
    a = mg.tensor(np.linspace(-5, 5, 20001)[:, None])
    for two_sided, t_f in ((False, 0.0), (True, s)):
        # d_loss_bce averages over its arguments; weight the real and fake terms by p and q
        values = [p * gan.d_loss_bce(a[i:i + 1], mg.tensor([[-50.0]]), s, two_sided).item()
                  + q * gan.d_loss_bce(mg.tensor([[50.0]]), a[i:i + 1], s, two_sided).item()
                  for i in range(0, 20001, 10)]
        best = 1 / (1 + np.exp(-a.numpy()[::10][int(np.argmin(values)), 0]))
        assert best == pytest.approx((p * (1 - s) + q * t_f) / (p + q), abs=2e-3)


# ----------------------------------------------------------------------------- feature matching


@needs_torch
def test_feature_matching_loss_value_gradients_and_torch():
    real, fake = f64(6, 4, seed=1, requires_grad=False), f64(5, 4, seed=2)
    ours = gan.g_loss_feature_matching(real, fake)
    expected = ((real.detach().numpy().mean(0) - fake.detach().numpy().mean(0)) ** 2).sum()
    assert ours.item() == pytest.approx(expected, rel=1e-12)
    tf = torch.tensor(fake.detach().numpy(), requires_grad=True)
    ((torch.tensor(real.numpy()).mean(0) - tf.mean(0)) ** 2).sum().backward()
    ours.backward()
    np.testing.assert_allclose(fake.grad.numpy(), tf.grad.numpy(), rtol=1e-12)
    fake.grad = None
    assert mg.gradcheck(lambda f: gan.g_loss_feature_matching(real, f), (fake,))
    assert mg.gradgradcheck(lambda f: gan.g_loss_feature_matching(real, f), (fake,))
    with pytest.raises(ValueError, match=r"expects features of shape \(N, F\) and \(M, F\), got \(6, 4\) and \(5, 3\)"):
        gan.g_loss_feature_matching(real, mg.randn(5, 3))


@pytest.mark.parametrize("make, x", [
    (lambda: gan.MLPDiscriminator((2,), (8, 8)), lambda: mg.randn(4, 2)),
    (lambda: gan.MLPDiscriminator((2,), (8, 8), minibatch="discrimination"), lambda: mg.randn(4, 2)),
    (lambda: gan.DCGANDiscriminator28(4, 1), lambda: mg.randn(4, 1, 28, 28)),
    (lambda: gan.DCGANDiscriminator28(4, 1, minibatch="stddev"), lambda: mg.randn(4, 1, 28, 28)),
    (lambda: gan.DCGANDiscriminator64(2, 1), lambda: mg.randn(2, 1, 64, 64)),
])
def test_discriminator_features_are_the_input_of_the_last_layer(make, x):
    mg.manual_seed(0)
    D, x = make(), x()
    D.eval()
    features = D.features(x)
    assert features.ndim == 2 and features.shape[0] == x.shape[0]
    last = list(D.net)[-1] if not isinstance(list(D.net)[-1], nn.Flatten) else list(D.net)[-2]
    head = last(features) if isinstance(last, nn.Linear) else last(features.reshape(x.shape[0], -1, 4, 4)).reshape(-1, 1)
    np.testing.assert_allclose(head.detach().numpy(), D(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_g_step_with_feature_matching_trains_g_only():
    mg.manual_seed(0)
    G, D = gan.MLPGenerator(2, (2,), (8,)), gan.MLPDiscriminator((2,), (8,))
    before = [p.detach().numpy().copy() for p in D.parameters()]
    real, z = mg.randn(16, 2), mg.randn(16, 2)
    stats = gan.g_step(G, D, optim.Adam(G.parameters(), lr=1e-2), z, gan.LOSSES["bce"], real=real,
                       feature_matching=True)
    with mg.no_grad():
        expected = gan.g_loss_feature_matching(D.features(real), D.features(G(z)))
    assert stats["g_loss"] > 0 and expected.item() < stats["g_loss"]  # one Adam step lowered it
    assert all(np.array_equal(b, p.detach().numpy()) and p.grad is None for b, p in zip(before, D.parameters()))
    with pytest.raises(ValueError, match=r"g_step: feature matching and unrolling need the real batch"):
        gan.g_step(G, D, optim.Adam(G.parameters()), z, gan.LOSSES["bce"], feature_matching=True)


# ----------------------------------------------------------------------------- PacGAN


def test_packed_discriminator_sees_m_samples_side_by_side():
    inner = gan.MLPDiscriminator((6,), (8,))
    D = gan.Packed(inner, 3)
    x = mg.randn(9, 2)
    expected = inner(mg.tensor(x.numpy().reshape(3, 6)))
    np.testing.assert_array_equal(D(x).detach().numpy(), expected.detach().numpy())
    images = mg.randn(4, 1, 28, 28)
    packed = gan.Packed(gan.DCGANDiscriminator28(4, 2), 2)._packed(images)
    assert packed.shape == (2, 2, 28, 28)
    np.testing.assert_array_equal(packed.numpy()[1, 1], images.numpy()[3, 0])  # pack 1 holds samples 2, 3
    with pytest.raises(ValueError, match=r"Packed\(pack=3\): the batch size 8 is not divisible by 3"):
        D(mg.randn(8, 2))
    with pytest.raises(ValueError, match=r"Packed: pack must be an integer >= 2, got 1"):
        gan.Packed(inner, 1)


# ----------------------------------------------------------------------------- unrolled GAN


def test_unrolled_scores_equal_d_after_k_sgd_steps():
    mg.set_default_dtype(mg.float64) if hasattr(mg, "set_default_dtype") else None
    try:
        mg.manual_seed(0)
        D = gan.MLPDiscriminator((2,), (5,))
        real, fake = f64(6, 2, seed=1, requires_grad=False), f64(6, 2, seed=2)
        loss, lr = gan.LOSSES["bce"], 0.3
        scores = gan.unrolled_scores(D, real, fake, loss, 2, lr)
        # the same two steps with a real optimizer on a copy of D
        copy = gan.MLPDiscriminator((2,), (5,))
        copy.load_state_dict(D.state_dict())
        opt = optim.SGD(copy.parameters(), lr=lr)
        for _ in range(2):
            opt.zero_grad()
            loss.d_loss(copy(real), copy(fake.detach())).backward()
            opt.step()
        np.testing.assert_allclose(scores.detach().numpy(), copy(fake.detach()).detach().numpy(), rtol=1e-10)
        assert all(p.grad is None for p in D.parameters())  # D itself unchanged and untouched
        # the gradient w.r.t. the fakes flows through both unrolled steps (second order)
        assert mg.gradcheck(lambda f: gan.unrolled_scores(D, real, f, loss, 2, lr).sum(), (fake,))
    finally:
        mg.set_default_dtype(mg.float32) if hasattr(mg, "set_default_dtype") else None


# ----------------------------------------------------------------------------- steps and switches


def test_grad_norm_is_the_norm_of_all_gradients():
    layer = nn.Linear(3, 2)
    assert gan.grad_norm(layer) == 0.0
    layer(mg.randn(4, 3)).sum().backward()
    expected = np.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum()) for p in layer.parameters()))
    assert gan.grad_norm(layer) == pytest.approx(expected, rel=1e-12)


def test_instance_noise_changes_what_d_sees_and_nothing_else():
    mg.manual_seed(0)
    G, D = gan.MLPGenerator(2, (2,), (8,)), gan.MLPDiscriminator((2,), (8,))
    real, z = mg.randn(32, 2), mg.randn(32, 2)
    plain = gan.d_step(G, D, optim.SGD(D.parameters(), lr=0.0), real, z, gan.LOSSES["bce"])
    noisy = gan.d_step(G, D, optim.SGD(D.parameters(), lr=0.0), real, z, gan.LOSSES["bce"], instance_noise=5.0)
    assert plain["d_loss"] != noisy["d_loss"]
    again = gan.d_step(G, D, optim.SGD(D.parameters(), lr=0.0), real, z, gan.LOSSES["bce"], instance_noise=0.0)
    assert again["d_loss"] == plain["d_loss"]


REMEDY_CONFIGS = [
    {"label_smoothing": 0.2}, {"two_sided_smoothing": 0.2}, {"instance_noise": 0.1},
    {"feature_matching": True}, {"minibatch": "discrimination"}, {"minibatch": "stddev"}, {"pack": 4},
    {"unroll": 2}, {"lr_d": 4e-3, "lr_g": 1e-3},
]


@pytest.mark.parametrize("remedy", REMEDY_CONFIGS, ids=lambda r: next(iter(r)))
def test_each_remedy_is_one_config_key_of_the_trainer(remedy):
    config = default_config("mlp", "ring", steps=3, batch_size=16, width=8, sample_every=0,
                            checkpoint_every=0, **remedy)
    run = build(config)
    trainer = Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
    history = trainer.fit(progress=False)
    assert len(history) == 3 and all(np.isfinite(row["g_loss"]) for row in history)
    if "minibatch" in remedy:
        assert any(type(m).__name__.startswith("Minibatch") for m in run.D.modules())
    if "pack" in remedy:
        assert isinstance(run.D, gan.Packed) and run.D.discriminator.net[1].in_features == 8


def test_remedy_settings_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match=r"pack must be a positive integer dividing batch_size \(16\), got 3"):
        build(default_config("mlp", "ring", batch_size=16, pack=3))
    with pytest.raises(ValueError, match=r"minibatch must be one of 'none', 'discrimination', 'stddev', got 'std'"):
        default_config("mlp", "ring", minibatch="std")  # refused by the settings table, before any work
    config = default_config("mlp", "ring", label_smoothing=0.1, two_sided_smoothing=0.1)
    run = build(default_config("mlp", "ring"))
    with pytest.raises(ValueError, match=r"set label_smoothing \(one-sided\) or two_sided_smoothing, not both"):
        Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
    wgan = default_config("mlp", "ring", loss="wgan-gp", label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"label smoothing applies to the BCE losses"):
        Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, wgan)


def test_dcgan64_defaults_drop_smoothing_for_non_bce_losses():
    assert default_config("dcgan64", "sample").label_smoothing == 0.1
    assert default_config("dcgan64", "sample", loss="wgan-gp").label_smoothing == 0.0


def test_sample_draws_from_g_in_eval_mode():
    mg.manual_seed(0)
    G = gan.DCGANGenerator28(8, 4)
    out = gan.sample(G, 5, batch_size=2, seed=3)
    assert out.shape == (5, 1, 28, 28) and G.training
    np.testing.assert_allclose(out, gan.sample(G, 5, batch_size=5, seed=3), rtol=1e-4, atol=1e-8)
    labels = gan.sample(gan.ConditionalGenerator28(8, 10, 4), 12, seed=0)
    assert labels.shape == (12, 1, 28, 28)
    with pytest.raises(ValueError, match=r"sample: n must be a positive integer, got 0"):
        gan.sample(G, 0)


def test_mode_collapse_rerun_refuses_other_steps_and_unknown_remedies(tmp_path):
    """experiments/mode_collapse.py --rerun keeps the committed rows, so it refuses (exit 2, before
    anything trains) a --steps other than theirs and a remedy it does not know."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "experiments" / "mode_collapse.py"
    common = ["--out", str(tmp_path), "--runs", str(tmp_path / "runs.jsonl"), "--workers", "1"]
    done = subprocess.run([sys.executable, str(script), "--rerun", "minibatch discrimination", "--steps", "10", *common],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--rerun: expected the steps of the runs in mode_collapse.json (no --steps: the recipe's 2000), got --steps 10" in done.stderr
    done = subprocess.run([sys.executable, str(script), "--rerun", "minibatch", *common],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "unknown remedies ['minibatch']" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "runs.jsonl").exists()
