"""Steering a generator (minigan.gan.steering): interpolation, latent spaces, the perceptual path
length, attributes and directions, edits, classifier-guided editing, the mixing grid, latent
walks; and the sample command's --truncation, --mix and --walk."""

import numpy as np
import pytest

import minigan as mg
from minigan import gan
from minigan.cli import main
from minigan.gan import steering
from minigan.gan.evaluator import load_evaluator
from minigan.gan.models.stylegan import StyleGenerator


@pytest.fixture(scope="module")
def evaluator():
    return load_evaluator("fashion-mnist")


def _style(seed=0):
    mg.manual_seed(seed)
    G = StyleGenerator(16, 16, width=2)
    for layer in G.synthesis.layers:  # some noise strength, so that fixing the noise matters
        layer.noise.weight.array[...] = 0.3
    return G


# ----------------------------------------------------------------------------- interpolation


def test_lerp_and_slerp_end_at_their_endpoints():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    for walk in (steering.lerp, steering.slerp):
        path = walk(a, b, [0.0, 0.5, 1.0])
        assert path.shape == (3, 8)
        np.testing.assert_allclose(path[0], a, atol=1e-6)
        np.testing.assert_allclose(path[-1], b, atol=1e-6)


def test_slerp_keeps_the_norm_where_lerp_shrinks_it():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((500, 64)), rng.standard_normal((500, 64))
    mid_l = np.linalg.norm(steering.lerp(a, b, 0.5), axis=1)
    mid_s = np.linalg.norm(steering.slerp(a, b, 0.5), axis=1)
    ends = (np.linalg.norm(a, axis=1) + np.linalg.norm(b, axis=1)) / 2
    assert np.mean(mid_l / ends) == pytest.approx(1 / np.sqrt(2), rel=0.03)   # two orthogonal halves
    assert np.mean(mid_s / ends) == pytest.approx(1.0, rel=0.01)


def test_slerp_between_unit_vectors_stays_on_the_circle():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(steering.slerp(a, b, 0.5), [np.sqrt(0.5), np.sqrt(0.5)], atol=1e-7)
    np.testing.assert_allclose(steering.slerp(a, a * 2, 0.5), [1.5, 0.0], atol=1e-7)  # parallel: lerp


# ----------------------------------------------------------------------------- latent spaces


def test_latent_space_w_renders_what_g_renders_and_fixes_the_noise():
    G = _style().eval()
    z_space, w_space = steering.LatentSpace(G, "z"), steering.LatentSpace(G, "w")
    z = z_space.sample(5, seed=3)
    w = w_space.sample(5, seed=3)
    np.testing.assert_allclose(w, G.mapping(mg.tensor(z)).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(z_space.images(z), w_space.images(w), atol=1e-6)
    np.testing.assert_array_equal(w_space.images(w), w_space.images(w))       # the same noise
    other = steering.LatentSpace(G, "w", noise_seed=1).images(w)
    assert not np.allclose(other, w_space.images(w), atol=1e-4)
    assert G.training is False
    with pytest.raises(ValueError, match="the w space belongs to a style-based generator"):
        steering.LatentSpace(gan.DCGANGenerator28(16, 4), "w")


def test_path_length_is_zero_for_a_constant_generator_and_grows_with_steepness(evaluator):
    G = _style().eval()
    space = steering.LatentSpace(G, "w")
    base = steering.path_length(space, evaluator, n=40)
    assert base["values"].shape == (40,) and base["mean"] > 0
    with mg.no_grad():                                  # a G whose output does not depend on w
        for layer in G.synthesis.layers:
            layer.adain.style.weight.array[...] = 0
    assert steering.path_length(space, evaluator, n=40)["mean"] == pytest.approx(0, abs=1e-6)


def test_path_length_of_linear_and_spherical_walks_in_z(evaluator):
    G = gan.DCGANGenerator28(16, 4)
    space = steering.LatentSpace(G, "z")
    linear = steering.path_length(space, evaluator, "linear", n=30)
    spherical = steering.path_length(space, evaluator, "spherical", n=30)
    assert linear["mean"] > 0 and spherical["mean"] > 0 and linear["mean"] != spherical["mean"]


# ----------------------------------------------------------------------------- attributes, directions


def test_attributes_of_hand_made_images(evaluator):
    images = -np.ones((2, 1, 28, 28), np.float32)
    images[0, 0, :14] = 1.0            # the top half white
    images[1, 0, :7, :7] = 0.0         # a grey square of 49 pixels
    values = steering.attributes(images, evaluator)
    np.testing.assert_allclose(values["size"], [0.5, 49 / 784])
    np.testing.assert_allclose(values["brightness"], [1.0, 0.5])
    assert values["probabilities"].shape == (2, 10) and values["class"].shape == (2,)


def test_find_direction_recovers_a_planted_linear_attribute():
    rng = np.random.default_rng(0)
    latents = rng.standard_normal((400, 16))
    true = np.zeros(16)
    true[[2, 5]] = [3.0, -4.0]
    values = latents @ true + 0.1 * rng.standard_normal(400) + 7
    direction = steering.find_direction(latents, values)
    np.testing.assert_allclose(direction, true / 5, atol=0.01)
    assert np.linalg.norm(direction) == pytest.approx(1, abs=1e-6)


def test_edit_effects_measure_the_target_and_the_drift(evaluator):
    G = _style().eval()
    space = steering.LatentSpace(G, "w")
    latents = space.sample(64)
    values = steering.attributes(space.images(latents), evaluator)
    direction = steering.find_direction(latents, values["brightness"])
    effects = steering.edit_effects(space, latents, direction, 2.0, evaluator, "brightness")
    assert effects["target_change"] > 0
    assert effects["drift"] >= 0 and 0 <= effects["class_changed"] <= 1
    none = steering.edit_effects(space, latents, direction, 0.0, evaluator, "brightness")
    assert none == {"target_change": 0.0, "drift": 0.0, "class_changed": 0.0}


def test_classifier_guided_edit_raises_the_target_probability(evaluator):
    G = _style().eval()
    space = steering.LatentSpace(G, "w")
    start = space.sample(4, seed=2)
    result = steering.classifier_guided_edit(space, start, evaluator, target=1, steps=5, lr=0.5)
    assert result["latents"].shape == (6, 4, 16) and result["probabilities"].shape == (6, 4)
    np.testing.assert_array_equal(result["latents"][0], start)
    assert result["probabilities"][-1].mean() > result["probabilities"][0].mean()
    assert all(p.grad is None for p in evaluator.model.parameters())


# ----------------------------------------------------------------------------- pictures


def test_mixing_grid_copies_the_chosen_layers_from_b():
    G = _style().eval()
    rng = np.random.default_rng(0)
    z_a, z_b = rng.standard_normal((3, 16)).astype(np.float32), rng.standard_normal((2, 16)).astype(np.float32)
    grid = steering.mixing_grid(G, z_a, z_b, "fine")
    assert grid.shape == (12, 1, 28, 28)
    np.testing.assert_array_equal(grid[0], np.ones((1, 28, 28)))
    space = steering.LatentSpace(G, "w")
    w_a, w_b = space.to_w(z_a), space.to_w(z_b)
    np.testing.assert_allclose(grid[1:4], space.images(w_a), atol=1e-6)            # the A sources
    ws = np.repeat(w_a[:, None], 6, axis=1)
    ws[:, 4:] = w_b[1]
    with mg.no_grad():
        expected = G.synthesis(mg.tensor(ws), space.noise(3)).detach().numpy()
    np.testing.assert_allclose(grid[9:12], expected, atol=1e-6)                    # row 2: B_1's fine styles
    np.testing.assert_allclose(grid[8], space.images(w_b[1:2])[0], atol=1e-6)


def test_latent_walk_frames_loop():
    G = gan.DCGANGenerator28(16, 4).eval()
    frames = steering.latent_walk(steering.LatentSpace(G, "z"), n=3, keypoints=2, frames=4)
    assert len(frames) == 8 and frames[0].shape == (3, 1, 28, 28)
    assert not np.allclose(frames[0], frames[4])


# ----------------------------------------------------------------------------- the command line


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A stylegan and a dcgan checkpoint of 2 training steps each."""
    folder = tmp_path_factory.mktemp("runs")
    for model in ("stylegan", "dcgan"):
        code = main(["train", "--model", model, "--steps", "2", "--width", "2", "--batch-size", "8",
                     "--n-samples", "8", "--num-fixed", "4", "--out", str(folder / model), "--quiet"])
        assert code == 0
    return folder


def test_sample_truncation_mix_and_walk(runs, tmp_path, capsys):
    checkpoint = str(runs / "stylegan" / "checkpoint.npz")
    assert main(["sample", "--checkpoint", checkpoint, "--n", "20", "--truncation", "0",
                 "--out", str(tmp_path / "t.npy")]) == 0
    assert main(["sample", "--checkpoint", checkpoint, "--n", "20", "--out", str(tmp_path / "p.npy")]) == 0
    truncated, plain = np.load(tmp_path / "t.npy"), np.load(tmp_path / "p.npy")
    assert truncated.shape == plain.shape == (20, 1, 28, 28)
    # psi = 0: every sample has w = w_avg; they differ only by their noise inputs
    assert truncated.std(axis=0).mean() < 0.5 * plain.std(axis=0).mean()
    assert main(["sample", "--checkpoint", checkpoint, "--mix", "coarse", "--n", "3",
                 "--out", str(tmp_path / "mix.png")]) == 0
    assert "4x4 style-mixing grid" in capsys.readouterr().out
    assert main(["sample", "--checkpoint", checkpoint, "--walk", "--space", "w", "--n", "2",
                 "--out", str(tmp_path / "walk.gif")]) == 0
    from PIL import Image
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 48


@pytest.mark.parametrize("args, message", [
    (["--truncation", "0.5"], "--truncation needs a style-based generator (model stylegan), got model 'dcgan'"),
    (["--mix", "fine"], "--mix needs a style-based generator"),
    (["--walk", "--space", "w"], "--space w needs a style-based generator"),
])
def test_style_options_on_a_dcgan_are_refused(runs, tmp_path, capsys, args, message):
    out = tmp_path / ("x.gif" if "--walk" in args else "x.png")
    assert main(["sample", "--checkpoint", str(runs / "dcgan" / "checkpoint.npz"), *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--walk", "--out", "x.png"], "--out: --walk writes a .gif"),
    (["--mix", "coarse", "--out", "x.gif"], "--out: --mix writes a .png"),
    (["--walk", "--mix", "fine", "--out", "x.gif"], "give --walk or --mix, not both"),
    (["--truncation", "0.5", "--walk", "--out", "x.gif"], "--truncation applies to samples"),
    (["--space", "w", "--out", "x.png"], "--space w applies to --walk only"),
    (["--mix", "coarse", "--n", "9", "--out", "x.png"], "--n: --mix takes at most 8 sources of each kind, got 9"),
    (["--walk", "--n", "65", "--out", "x.gif"], "--n: --walk takes at most 64 walks, got 65"),
])
def test_sample_options_that_do_not_fit_together(runs, tmp_path, capsys, args, message):
    args = [a if a not in ("x.png", "x.gif") else str(tmp_path / a) for a in args]
    assert main(["sample", "--checkpoint", str(runs / "stylegan" / "checkpoint.npz"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.glob("x.*"))


def test_truncation_out_of_range_is_an_argparse_error(runs, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["sample", "--checkpoint", str(runs / "stylegan" / "checkpoint.npz"), "--truncation", "1.5",
              "--out", "x.png"])
    assert stop.value.code == 2
    assert "argument --truncation: must be a number in [0, 1], got '1.5'" in capsys.readouterr().err
