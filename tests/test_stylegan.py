"""The style-based generator (Karras et al. 2019): the mapping network, AdaIN, the noise inputs,
style mixing, the running mean w-bar and the truncation trick; training from the command line's
defaults."""

import numpy as np
import pytest

import minigan as mg
from minigan import gan
from minigan.gan.models.stylegan import (NUM_WS, AdaIN, MappingNetwork, NoiseInjection, StyleGenerator,
                                         noise_shapes, num_parameters)
from minigan.gan.models.dcgan import DCGANGenerator28
from minigan.gan.recipes import build, default_config, make_trainer


@pytest.fixture
def float64():
    mg.set_default_dtype(np.float64)
    yield
    mg.set_default_dtype(np.float32)


def _fixed_noise(n):
    return [mg.randn(*shape) for shape in noise_shapes(n)]


# ----------------------------------------------------------------------------- AdaIN


def test_adain_gives_each_channel_the_mean_and_std_of_its_style(float64):
    adain = AdaIN(3, 5)
    x, w = mg.randn(4, 3, 6, 6) * 5 + 3, mg.randn(4, 5)
    y = adain(x, w).detach().numpy()
    style = adain.style(w).detach().numpy().reshape(4, 2, 3)
    scale, bias = 1 + style[:, 0], style[:, 1]
    np.testing.assert_allclose(y.mean(axis=(2, 3)), bias, atol=1e-10)
    # instance norm divides by sqrt(var + 1e-5): the std is |scale| * sqrt(var / (var + eps))
    var = x.detach().numpy().var(axis=(2, 3))
    np.testing.assert_allclose(y.std(axis=(2, 3)), np.abs(scale) * np.sqrt(var / (var + 1e-5)), rtol=1e-10)


def test_adain_forgets_the_inputs_statistics():
    adain, w = AdaIN(2, 4), mg.randn(3, 4)
    x = mg.randn(3, 2, 5, 5)
    np.testing.assert_allclose(adain(x * 10 + 4, w).detach().numpy(), adain(x, w).detach().numpy(), atol=1e-4)


def test_adain_is_differentiable_twice(float64):
    adain = AdaIN(2, 3)
    x, w = mg.randn(2, 2, 3, 3, requires_grad=True), mg.randn(2, 3, requires_grad=True)
    assert mg.gradcheck(adain, (x, w))
    assert mg.gradgradcheck(adain, (x, w))


# ----------------------------------------------------------------------------- noise, mapping


def test_noise_injection_adds_one_map_scaled_per_channel():
    inject = NoiseInjection(3)
    x, noise = mg.randn(2, 3, 4, 4), mg.randn(2, 1, 4, 4)
    np.testing.assert_array_equal(inject(x, noise).detach().numpy(), x.detach().numpy())   # strength starts at 0
    inject.weight.array[...] = [0.0, 1.0, -2.0]
    out = inject(x, noise).detach().numpy() - x.detach().numpy()
    np.testing.assert_allclose(out[:, 1], noise.detach().numpy()[:, 0], rtol=1e-6)
    np.testing.assert_allclose(out[:, 2], -2 * noise.detach().numpy()[:, 0], rtol=1e-6)
    assert not np.allclose(inject(x).detach().numpy(), inject(x).detach().numpy())           # fresh noise each call


def test_mapping_normalises_z_first():
    mapping = MappingNetwork(8, 6, layers=3)
    z = mg.randn(5, 8)
    assert mapping(z).shape == (5, 6)
    np.testing.assert_allclose(mapping(z * 3.5).detach().numpy(), mapping(z).detach().numpy(), rtol=1e-4, atol=1e-6)
    assert sum(isinstance(m, gan.models.progan.EqualizedLinear) for m in mapping.modules()) == 3
    assert mapping.net[1].lr_multiplier == 0.01
    slow = gan.models.progan.EqualizedLinear(400, 300, lr_multiplier=0.01)   # stored at N(0, 100^2) ...
    assert slow.weight.detach().numpy().std() == pytest.approx(100, rel=0.02)
    assert slow.scale == pytest.approx(0.01 * np.sqrt(2 / 400))               # ... used at He's scale


# ----------------------------------------------------------------------------- the generator


def test_generator_output_and_size_match_dcgans_at_width_8():
    G = StyleGenerator(width=8)
    assert G(mg.randn(3, 64)).shape == (3, 1, 28, 28)
    assert abs(num_parameters(G) / num_parameters(DCGANGenerator28(64, 8)) - 1) < 0.05


def test_training_forward_updates_the_running_mean_w():
    G = StyleGenerator(16, 16, width=2, style_mixing=0.0)
    z = mg.randn(8, 16)
    G(z)
    with mg.no_grad():
        w = G.mapping(z).detach().numpy()
    np.testing.assert_allclose(G.w_avg.detach().numpy(), (1 - 0.995) * w.mean(axis=0), rtol=1e-5)
    G.eval()
    G(z)
    np.testing.assert_allclose(G.w_avg.detach().numpy(), (1 - 0.995) * w.mean(axis=0), rtol=1e-5)  # not in eval mode


def test_truncation_psi_0_gives_the_mean_image_and_1_changes_nothing():
    G = StyleGenerator(16, 16, width=2)
    G.w_avg.copy_(mg.randn(16))
    G.eval()
    z, noise = mg.randn(4, 16), _fixed_noise(4)
    with mg.no_grad():
        plain = G(z, noise).detach().numpy()
        G.truncation_psi = 0.0
        mean_image = G(z, noise).detach().numpy()
        expected = G.synthesis(G.broadcast(G.w_avg.reshape(1, -1).repeat(4, 1)), noise).detach().numpy()
        G.truncation_psi = 0.5
        half = G.truncate(G.broadcast(G.mapping(z)), 0.5).detach().numpy()
    np.testing.assert_allclose(mean_image, expected, rtol=1e-5, atol=1e-6)
    assert np.abs(plain - mean_image).max() > 1e-3
    w = G.mapping(z).detach().numpy()
    np.testing.assert_allclose(half[:, 0], G.w_avg.detach().numpy() + 0.5 * (w - G.w_avg.detach().numpy()), rtol=1e-5, atol=1e-6)


def test_mix_takes_coarse_layers_from_one_and_fine_from_the_other():
    G = StyleGenerator(16, 16, width=2)
    a, b = G.broadcast(mg.randn(2, 16)), G.broadcast(mg.randn(2, 16))
    mixed = G.mix(a, b, 2).detach().numpy()
    assert mixed.shape == (2, NUM_WS, 16)
    np.testing.assert_array_equal(mixed[:, :2], a.detach().numpy()[:, :2])
    np.testing.assert_array_equal(mixed[:, 2:], b.detach().numpy()[:, 2:])


def test_style_mixing_in_training_draws_a_second_latent_and_a_crossover():
    G = StyleGenerator(16, 16, width=2, style_mixing=1.0)
    z, noise = mg.randn(3, 16), _fixed_noise(3)
    mg.manual_seed(7)
    out = G(z, noise).detach().numpy()
    mg.manual_seed(7)
    with mg.no_grad():
        ws = G.broadcast(G.mapping(z))
        assert mg.rand(1).item() < 1.0
        crossover = int(mg.randint(1, NUM_WS, (1,)).item())
        expected = G.synthesis(G.mix(ws, G.broadcast(G.mapping(mg.randn(3, 16))), crossover), noise).detach().numpy()
        unmixed = G.synthesis(ws, noise).detach().numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(out, unmixed, atol=1e-4)


def test_resampling_the_noise_alone_changes_details_only_once_it_has_strength():
    G = StyleGenerator(16, 16, width=2).eval()
    z = mg.randn(2, 16)
    with mg.no_grad():
        np.testing.assert_array_equal(G(z).detach().numpy(), G(z).detach().numpy())     # zero strength: no effect
        for layer in G.synthesis.layers:
            layer.noise.weight.array[...] = 0.5
        assert not np.allclose(G(z).detach().numpy(), G(z).detach().numpy())


# ----------------------------------------------------------------------------- training


def test_stylegan_trains_from_its_defaults_with_resume(tmp_path):
    config = default_config("stylegan", "sample", width=2, latent_dim=8, batch_size=4, steps=4, sample_every=2,
                            checkpoint_every=0, n_samples=4, num_fixed=4)
    assert (config.loss, config.style_mixing, config.mapping_layers, config.drift) == ("wgan-gp", 0.9, 4, 0.001)
    data = mg.datasets.load_dataset("sample", n=32)
    run = build(config, dataset=data)
    assert isinstance(run.G, StyleGenerator) and int(run.D.stage.item()) == 2
    trainer = make_trainer(run, config, out_dir=tmp_path)
    trainer.fit(progress=False)
    assert trainer.sample_many(5).shape == (5, 1, 28, 28)
    assert np.abs(trainer.G.w_avg.detach().numpy()).sum() > 0
    with pytest.raises(ValueError, match="--style-mixing applies to model stylegan, not to model 'progan'"):
        default_config("progan", "sample", style_mixing=0.5)
