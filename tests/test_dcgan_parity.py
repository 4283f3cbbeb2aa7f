"""A DCGAN generator and discriminator in minigan and in PyTorch, with the same weights: outputs,
every parameter gradient and the BatchNorm running statistics agree over several training-mode
steps, and the state dicts move between the two libraries unchanged."""

import numpy as np
import pytest

import minigan as mg
from minigan import gan, optim

torch = pytest.importorskip("torch")
tnn = torch.nn

LATENT, WIDTH, BATCH = 16, 8, 6


def torch_generator():
    """The same layers as gan.DCGANGenerator28(LATENT, WIDTH), under the same names (net.*)."""
    g = tnn.Module()
    g.net = tnn.Sequential(
        tnn.Linear(LATENT, 2 * WIDTH * 7 * 7, bias=False), tnn.Unflatten(1, (2 * WIDTH, 7, 7)),
        tnn.BatchNorm2d(2 * WIDTH), tnn.ReLU(),
        tnn.ConvTranspose2d(2 * WIDTH, WIDTH, 4, 2, 1, bias=False), tnn.BatchNorm2d(WIDTH), tnn.ReLU(),
        tnn.ConvTranspose2d(WIDTH, 1, 4, 2, 1), tnn.Tanh())
    g.forward = lambda z: g.net(z)
    return g


def torch_discriminator():
    d = tnn.Module()
    d.net = tnn.Sequential(
        tnn.Conv2d(1, WIDTH, 4, 2, 1), tnn.LeakyReLU(0.2),
        tnn.Conv2d(WIDTH, 2 * WIDTH, 4, 2, 1, bias=False), tnn.BatchNorm2d(2 * WIDTH), tnn.LeakyReLU(0.2),
        tnn.Flatten(), tnn.Linear(2 * WIDTH * 7 * 7, 1))
    d.forward = lambda x: d.net(x)
    return d


def to_torch(state):
    return {k: torch.from_numpy(np.array(v.numpy(), copy=True)) for k, v in state.items()}


def assert_close(got, want, what, rtol=2e-4, atol=2e-5):
    """float32 agreement, relative to the size of the values compared."""
    want = np.asarray(want)
    scale = max(float(np.abs(want).max()), 1e-30)
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=atol * scale, err_msg=what)


@pytest.fixture
def pairs():
    mg.manual_seed(0)
    G, D = gan.DCGANGenerator28(LATENT, WIDTH), gan.DCGANDiscriminator28(WIDTH)
    tG, tD = torch_generator(), torch_discriminator()
    tG.load_state_dict(to_torch(G.state_dict()))
    tD.load_state_dict(to_torch(D.state_dict()))
    return G, D, tG, tD


def test_state_dict_keys_and_shapes_are_pytorchs(pairs):
    G, D, tG, tD = pairs
    for ours, theirs in ((G, tG), (D, tD)):
        mine = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
        assert mine == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        assert "net.2.num_batches_tracked" in mine or "net.3.num_batches_tracked" in mine


def test_outputs_gradients_and_running_stats_agree_over_training_steps(pairs):
    G, D, tG, tD = pairs
    opt = optim.SGD(list(G.parameters()) + list(D.parameters()), lr=0.05, momentum=0.9)
    topt = torch.optim.SGD(list(tG.parameters()) + list(tD.parameters()), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(1)
    for step in range(4):
        z = rng.standard_normal((BATCH, LATENT)).astype(np.float32)
        real = np.tanh(rng.standard_normal((BATCH, 1, 28, 28))).astype(np.float32)
        opt.zero_grad()
        topt.zero_grad()
        fake, tfake = G(mg.tensor(z)), tG(torch.from_numpy(z))
        assert_close(fake.detach().numpy(), tfake.detach().numpy(), f"G(z) at step {step}")
        loss = gan.d_loss_bce(D(mg.tensor(real)), D(fake)) + gan.g_loss_nonsaturating(D(fake))
        tloss = (torch.nn.functional.softplus(-tD(torch.from_numpy(real))).mean()
                 + torch.nn.functional.softplus(tD(tfake)).mean()
                 + torch.nn.functional.softplus(-tD(tfake)).mean())
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-5)
        loss.backward()
        tloss.backward()
        for model, tmodel, name in ((G, tG, "G"), (D, tD, "D")):
            for (key, p), tp in zip(model.named_parameters(), tmodel.parameters()):
                assert_close(p.grad.numpy(), tp.grad.numpy(), f"{name}.{key}.grad at step {step}")
        opt.step()
        topt.step()
        for model, tmodel, name in ((G, tG, "G"), (D, tD, "D")):
            theirs = tmodel.state_dict()
            for key, value in model.state_dict().items():
                assert_close(value.numpy(), theirs[key].numpy(), f"{name}.{key} after step {step}")
    assert G.state_dict()["net.2.num_batches_tracked"].item() == 4  # one G forward per step
    assert D.state_dict()["net.3.num_batches_tracked"].item() == 12  # three D forwards per step


def test_eval_mode_uses_the_running_statistics_like_pytorch(pairs):
    G, D, tG, tD = pairs
    z = np.random.default_rng(2).standard_normal((BATCH, LATENT)).astype(np.float32)
    G(mg.tensor(z))
    tG(torch.from_numpy(z))  # one training-mode pass moves the running statistics
    G.eval()
    tG.eval()
    with mg.no_grad(), torch.no_grad():
        assert_close(G(mg.tensor(z)).numpy(), tG(torch.from_numpy(z)).numpy(), "eval-mode G(z)")


def test_a_state_dict_goes_to_pytorch_and_back_unchanged(pairs):
    G, D, tG, tD = pairs
    G(mg.randn(BATCH, LATENT))  # non-trivial running statistics
    tG.load_state_dict(to_torch(G.state_dict()))
    back = gan.DCGANGenerator28(LATENT, WIDTH)
    back.load_state_dict({k: v.numpy() for k, v in tG.state_dict().items()})
    for key, value in G.state_dict().items():
        other = back.state_dict()[key]
        assert other.dtype == value.dtype
        np.testing.assert_array_equal(other.numpy(), value.numpy(), err_msg=key)


def test_a_bad_checkpoint_leaves_the_model_untouched(tmp_path, pairs):
    """A truncated file is refused with a clear error; a state dict with a wrong shape is refused
    before any parameter changes."""
    G, *_ = pairs
    before = {k: v.numpy().copy() for k, v in G.state_dict().items()}
    path = tmp_path / "g.npz"
    mg.save(G.state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="g.npz"):
        G.load_state_dict(mg.load(path))
    bad = {k: v.numpy() for k, v in G.state_dict().items()}
    bad["net.4.weight"] = np.zeros((3, 3, 4, 4), np.float32)
    with pytest.raises(RuntimeError, match=r"net.4.weight.*\(3, 3, 4, 4\).*\(16, 8, 4, 4\)|net.4.weight.*\(16, 8, 4, 4\).*\(3, 3, 4, 4\)"):
        G.load_state_dict(bad)
    for key, value in G.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)
