"""Image-to-image: the four tasks, the measures, the models' shapes, the training steps, the image
pool, exact resume of every model and the command line (train / sample / evaluate)."""

import json
import re

import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.cli import main
from minigan.datasets import translation as T
from minigan.gan import metrics as M
from minigan.gan.recipes import build, default_config, make_trainer
from minigan.gan.translation import (
    ImagePool, centre_of, complete, cyclegan_step, fill_centre, frozen, inpaint_step, pix2pix_step,
)

MODELS = ("pix2pix", "cyclegan", "srgan", "inpaint")
TINY = dict(width=4, batch_size=8, sample_every=0, num_fixed=4, n_samples=40)


def run_cli(argv):
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return stop.code


@pytest.fixture(scope="module")
def sample_images():
    return mg.datasets.load_dataset("sample")


# ----------------------------------------------------------------------------- the tasks


def test_outline_is_the_boundary_of_the_silhouette():
    image = -np.ones((1, 1, 6, 6), np.float32)
    image[0, 0, 1:5, 1:5] = 0.5                  # a 4x4 square of garment
    image[0, 0, 2, 2] = -1.0                     # with a one-pixel hole
    outline = T.outline(image)[0, 0]
    expected = np.zeros((6, 6), bool)
    expected[1:5, 1:5] = True
    expected[2:4, 2:4] = False                   # the square's interior ...
    expected[2, 3] = expected[3, 2] = True       # ... except the hole's neighbours
    expected[2, 2] = False                       # the hole itself is background
    assert outline.dtype == np.float32
    np.testing.assert_array_equal(outline == 1.0, expected)
    assert set(np.unique(outline)) == {-1.0, 1.0}


def test_a_silhouette_touching_the_border_is_outlined_there():
    image = np.ones((1, 1, 3, 3), np.float32)    # all garment: only the frame is a boundary
    outline = T.outline(image)[0, 0]
    np.testing.assert_array_equal(outline == 1, [[1, 1, 1], [1, 0, 1], [1, 1, 1]])


def test_downsample_and_the_centre_mask():
    images = np.arange(2 * 16, dtype=np.float32).reshape(2, 1, 4, 4)
    low = T.downsample(images, 2)
    assert low.shape == (2, 1, 2, 2)
    assert low[0, 0, 0, 0] == np.mean([0, 1, 4, 5]) and low[1, 0, 1, 1] == np.mean([26, 27, 30, 31])
    with pytest.raises(ValueError, match="divisible by factor=3, got images of 4x4"):
        T.downsample(images, 3)
    mask = T.centre_mask(28, 14)
    assert mask.sum() == 196 and mask[7, 7] and mask[20, 20] and not mask[6, 7] and not mask[21, 20]
    masked = T.mask_centre(np.ones((1, 1, 28, 28), np.float32))
    assert (masked[0, 0][mask] == 0).all() and (masked[0, 0][~mask] == 1).all()


def test_the_tasks_of_the_sample_and_their_splits(sample_images):
    train = T.load_task("outlines")
    test = T.load_task("outlines", "held-out")
    assert (len(train), len(test)) == (8000, 2000) and train.paired
    np.testing.assert_array_equal(train.targets, sample_images.images[:8000])
    np.testing.assert_array_equal(test.targets, sample_images.images[8000:])
    np.testing.assert_array_equal(test.inputs, T.outline(sample_images.images[8000:]))
    np.testing.assert_array_equal(test.labels, sample_images.labels[8000:])
    low = T.load_task("low-res", "held-out")
    assert low.inputs.shape == (2000, 1, 7, 7) and low.targets.shape == (2000, 1, 28, 28)
    masked = T.load_task("masked")
    assert masked.inputs.shape == (8000, 1, 28, 28) and (masked.inputs[:, 0][:, T.centre_mask()] == 0).all()
    assert repr(low) == "ImagePairs('low-res', held-out, 2000 pairs: 1x7x7 -> 1x28x28)"


def test_the_unpaired_task_draws_its_two_domains_from_disjoint_halves(sample_images):
    unpaired = T.load_task("backgrounds")
    images, labels = sample_images.images[:8000], sample_images.labels[:8000]
    assert not unpaired.paired and len(unpaired) == 4000
    np.testing.assert_array_equal(unpaired.inputs, T.white_background(images[:4000]))  # A: 0..3999, on white
    np.testing.assert_array_equal(unpaired.targets, images[4000:])                     # B: 4000..7999
    np.testing.assert_array_equal(unpaired.target_labels, labels[4000:])
    sources_of_a = {row.tobytes() for row in images[:4000].reshape(4000, -1)}
    assert not any(row.tobytes() in sources_of_a for row in unpaired.targets.reshape(4000, -1))  # no pair
    held_out = T.load_task("backgrounds", "held-out")
    assert held_out.paired and len(held_out) == 2000                          # evaluation keeps the pairs


def test_white_background_turns_only_the_border_connected_dark_pixels_white():
    image = -np.ones((1, 1, 7, 7), np.float32)
    image[0, 0, 1:6, 1:6] = 0.5                 # a garment ...
    image[0, 0, 4, 4] = -1.0                    # ... with a black button inside
    image[0, 0, 1:3, 3] = -1.0                  # and a dark slit open to the top edge
    white = T.white_background(image)[0, 0]
    assert white[0, 0] == 1 and white[6, 6] == 1                  # the background
    assert white[1, 3] == 1 and white[2, 3] == 1                  # the slit reaches the border
    assert white[4, 4] == -1                                      # the button does not
    np.testing.assert_array_equal(white[image[0, 0] > -0.8], 0.5)  # the garment is untouched


def test_task_errors():
    with pytest.raises(ValueError, match="task must be one of outlines, backgrounds, low-res, masked, got 'edges'"):
        T.load_task("edges")
    with pytest.raises(ValueError, match="split must be one of train, held-out, got 'test'"):
        T.load_task("outlines", "test")
    with pytest.raises(ValueError, match=r"outline: expected square images as an array \(N, C, H, W\), got \(28, 28\)"):
        T.outline(np.zeros((28, 28)))


# ----------------------------------------------------------------------------- the measures


def test_psnr_of_known_errors():
    target = np.zeros((2, 1, 4, 4))
    output = target + np.array([0.2, 0.02])[:, None, None, None]        # MSE 0.04 and 0.0004
    expected = np.mean([10 * np.log10(4 / 0.04), 10 * np.log10(4 / 0.0004)])  # 20 dB and 40 dB
    assert M.psnr(output, target) == pytest.approx(expected) == pytest.approx(30.0)
    assert M.psnr(target, target) == 100.0
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = True
    output[:, :, 1:, 1:] = 5.0                                          # outside the mask: ignored
    assert M.psnr(output, target, mask=mask) == pytest.approx(30.0)
    with pytest.raises(ValueError, match=r"psnr expects two arrays of images of one shape"):
        M.psnr(np.zeros((2, 1, 4, 4)), np.zeros((2, 1, 4, 3)))
    with pytest.raises(ValueError, match=r"mask must be a non-empty \(H, W\)"):
        M.psnr(target, target, mask=np.zeros((4, 4), bool))


def test_gradient_energy_falls_with_blur():
    stripes = np.tile(np.array([-1.0, 1.0]), 8)[None, None, None, :].repeat(4, axis=2)   # (1, 1, 4, 16)
    assert M.gradient_energy(stripes) == pytest.approx((4.0 + 0.0) / 2)                 # dx^2 = 4, dy = 0
    blurred = (stripes + np.roll(stripes, 1, axis=3)) / 2
    assert M.gradient_energy(blurred) == 0.0
    images = mg.datasets.load_dataset("sample", n=200).images
    box = sum(np.roll(np.roll(images, i, 2), j, 3) for i in (-1, 0, 1) for j in (-1, 0, 1)) / 9
    assert M.gradient_energy(box) < 0.5 * M.gradient_energy(images)


def test_translation_metrics_of_the_identity_and_of_the_targets():
    from minigan.gan.evaluator import load_evaluator
    from minigan.gan.run_metrics import translation_metrics

    evaluator = load_evaluator("fashion-mnist")
    held_out = T.load_task("outlines", "held-out")
    perfect = translation_metrics(evaluator, held_out.targets[:300], held_out, "pix2pix")
    assert perfect["fd"] == pytest.approx(0.0, abs=1e-6) and perfect["psnr"] == 100.0
    assert perfect["sharpness"] == 1.0 and perfect["accuracy"] > 0.85 and perfect["num_samples"] == 300
    identity = translation_metrics(evaluator, held_out.inputs[:300], held_out, "pix2pix")
    assert identity["fd"] > 100 and identity["accuracy"] < perfect["accuracy"] - 0.3
    with pytest.raises(ValueError, match="got 2001 translations, but the held-out split has 2000 inputs"):
        translation_metrics(evaluator, np.zeros((2001, 1, 28, 28)), held_out, "pix2pix")


# ----------------------------------------------------------------------------- the models


def test_pix2pix_and_context_encoder_shapes():
    from minigan.gan.models.inpaint import ContextEncoder28, RegionDiscriminator14
    from minigan.gan.models.pix2pix import PatchDiscriminator28, UNetGenerator28

    x = mg.randn(3, 1, 28, 28)
    G, D = UNetGenerator28(width=4), PatchDiscriminator28(2, width=4)
    y = G(x)
    assert y.shape == (3, 1, 28, 28) and np.abs(y.detach().numpy()).max() <= 1
    assert D(x, y).shape == (3, 1, 7, 7)
    assert PatchDiscriminator28(1, width=4)(y).shape == (3, 1, 7, 7)
    assert [m.p for m in G.modules() if isinstance(m, nn.Dropout)] == [0.5, 0.5]
    C, R = ContextEncoder28(width=4, bottleneck=8), RegionDiscriminator14(width=4)
    assert C(x).shape == (3, 1, 14, 14) and R(C(x)).shape == (3, 1)


def test_the_unet_skips_carry_the_outline_to_the_output():
    """Cut the bottleneck off (zero its output): the U-Net's output still depends on its input,
    through the skips; the encoder-decoder without them would give one image for every input."""
    from minigan.gan.models.pix2pix import UNetGenerator28

    mg.manual_seed(0)
    G = UNetGenerator28(width=4).eval()
    G.down4[0].weight.data.zero_()
    G.down4[0].bias.data.zero_()
    with mg.no_grad():
        a, b = G(mg.randn(1, 1, 28, 28)).numpy(), G(mg.randn(1, 1, 28, 28)).numpy()
    assert np.abs(a - b).mean() > 1e-3


def test_srgan_and_cyclegan_shapes():
    from minigan.gan.models.cyclegan import ResnetGenerator28
    from minigan.gan.models.srgan import SRDiscriminator28, SRResNet28

    G = SRResNet28(width=4, blocks=2)
    hr = G(mg.randn(2, 1, 7, 7))
    assert hr.shape == (2, 1, 28, 28) and SRDiscriminator28(width=4)(hr).shape == (2, 1)
    assert ResnetGenerator28(width=4, blocks=2)(mg.randn(2, 1, 28, 28)).shape == (2, 1, 28, 28)


# ----------------------------------------------------------------------------- the steps


def _pix2pix(adv_weight=1.0):
    from minigan.gan.models.pix2pix import PatchDiscriminator28, UNetGenerator28

    mg.manual_seed(0)
    G, D = UNetGenerator28(width=4, dropout=0.0), PatchDiscriminator28(2, width=4)
    opt_g, opt_d = mg.optim.Adam(G.parameters(), 2e-4), mg.optim.Adam(D.parameters(), 2e-4)
    x, y = mg.randn(4, 1, 28, 28), mg.tanh(mg.randn(4, 1, 28, 28))
    return G, D, opt_g, opt_d, x, y


def test_pix2pix_step_follows_the_paper():
    G, D, opt_g, opt_d, x, y = _pix2pix()
    d_before = {k: v.numpy().copy() for k, v in D.state_dict().items()}
    with mg.no_grad():
        fake = G(x)
        expected_d = 0.5 * mg.gan.d_loss_bce(D(x, y), D(x, fake)).item()
        expected_l1 = (fake - y).abs().mean().item()
    row = pix2pix_step(G, D, opt_g, opt_d, x, y, pixel_weight=100.0, adv_weight=1.0)
    assert set(row) == {"d_loss", "d_real", "d_fake", "g_adv", "g_loss", "g_l1"}
    assert row["d_loss"] == pytest.approx(expected_d, rel=1e-5)
    assert row["g_l1"] == pytest.approx(expected_l1, rel=1e-5)
    assert row["g_loss"] == pytest.approx(row["g_adv"] + 100 * row["g_l1"], rel=1e-5)
    assert any(not np.array_equal(v.numpy(), d_before[k]) for k, v in D.state_dict().items())
    assert all(p.requires_grad for p in D.parameters())  # unfrozen after G's step


def test_without_an_adversary_d_is_never_touched():
    G, D, opt_g, opt_d, x, y = _pix2pix()
    d_before = {k: v.numpy().copy() for k, v in D.state_dict().items()}
    row = pix2pix_step(G, D, opt_g, opt_d, x, y, pixel_weight=100.0, adv_weight=0.0)
    assert set(row) == {"g_loss", "g_l1"} and row["g_loss"] == pytest.approx(100 * row["g_l1"])
    for k, v in D.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), d_before[k])
    assert all(p.grad is None for p in D.parameters()) and opt_d.state == {}


def test_frozen_restores_requires_grad_even_after_an_error():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.bias.requires_grad_(False)
    with pytest.raises(RuntimeError, match="boom"):
        with frozen(a, b):
            assert not any(p.requires_grad for p in [*a.parameters(), *b.parameters()])
            raise RuntimeError("boom")
    assert a.weight.requires_grad and a.bias.requires_grad and b.weight.requires_grad
    assert not b.bias.requires_grad


def test_inpaint_step_judges_and_fills_only_the_centre():
    from minigan.gan.models.inpaint import ContextEncoder28, RegionDiscriminator14

    mg.manual_seed(0)
    G, D = ContextEncoder28(width=4, bottleneck=8), RegionDiscriminator14(width=4)
    opt_g, opt_d = mg.optim.Adam(G.parameters(), 2e-4), mg.optim.Adam(D.parameters(), 2e-4)
    images = mg.tensor(mg.datasets.load_dataset("sample", n=8).images)
    masked = mg.tensor(T.mask_centre(images.numpy()))
    with mg.no_grad():
        expected_mse = ((G(masked) - centre_of(images)) ** 2).mean().item()
    row = inpaint_step(G, D, opt_g, opt_d, masked, images, pixel_weight=0.999, adv_weight=0.001)
    assert row["g_mse"] == pytest.approx(expected_mse, rel=1e-5)
    assert row["g_loss"] == pytest.approx(0.999 * row["g_mse"] + 0.001 * row["g_adv"], rel=1e-5)
    filled = fill_centre(masked, centre_of(images))
    np.testing.assert_array_equal(filled.numpy(), images.numpy())
    completed = complete("inpaint", masked.numpy(), np.zeros((8, 1, 14, 14), np.float32))
    assert (completed[:, 0][:, ~T.centre_mask()] == masked.numpy()[:, 0][:, ~T.centre_mask()]).all()


def test_image_pool_fills_then_swaps_half_the_time():
    mg.manual_seed(0)
    pool = ImagePool(4)
    first = mg.tensor(np.arange(4, dtype=np.float32).reshape(4, 1, 1, 1))
    np.testing.assert_array_equal(pool.query(first).numpy(), first.numpy())   # filling: returned as is
    returned = [pool.query(mg.tensor(np.full((1, 1, 1, 1), 10.0 + k, np.float32))).item() for k in range(200)]
    from_history = sum(r < 10 or r != 10 + k for k, r in enumerate(returned))
    assert 70 < from_history < 130                                             # about half
    assert sorted(pool.images[i].item() for i in range(4)) != [0, 1, 2, 3]    # the history moved on
    assert ImagePool(0).query(first) is first
    state = pool.state_dict()
    assert state["images"].shape == (4, 1, 1, 1)
    other = ImagePool(4)
    other.load_state_dict(state)
    np.testing.assert_array_equal(np.stack(other.images), state["images"])
    with pytest.raises(ValueError, match="a pool of size 4, this pool has size 3"):
        ImagePool(3).load_state_dict(state)
    with pytest.raises(ValueError, match="size must be a non-negative integer, got -1"):
        ImagePool(-1)


def test_cyclegan_without_the_cycle_weight_has_no_tie_to_the_input():
    """The cycle term is the only one in G's loss that compares a translation with its input."""
    from minigan.gan.models.cyclegan import ResnetGenerator28
    from minigan.gan.models.pix2pix import PatchDiscriminator28

    mg.manual_seed(0)
    G_AB, G_BA = ResnetGenerator28(width=2, blocks=1), ResnetGenerator28(width=2, blocks=1)
    D_A, D_B = PatchDiscriminator28(1, 2), PatchDiscriminator28(1, 2)
    opt_g = mg.optim.Adam([*G_AB.parameters(), *G_BA.parameters()], 2e-4)
    opt_d = mg.optim.Adam([*D_A.parameters(), *D_B.parameters()], 2e-4)
    a, b = mg.randn(2, 1, 28, 28), mg.randn(2, 1, 28, 28)
    pools = ImagePool(4), ImagePool(4)
    row = cyclegan_step(G_AB, G_BA, D_A, D_B, opt_g, opt_d, a, b, *pools, cycle_weights=(10.0, 2.0),
                        identity_weight=5.0)
    assert set(row) == {"g_identity", "g_adv", "g_loss", "g_cycle_a", "g_cycle_b", "d_loss", "d_real", "d_fake"}
    assert row["g_loss"] == pytest.approx(row["g_adv"] + 10 * row["g_cycle_a"] + 2 * row["g_cycle_b"]
                                          + 5 * row["g_identity"], rel=1e-5)
    assert len(pools[0].images) == len(pools[1].images) == 2
    row = cyclegan_step(G_AB, G_BA, D_A, D_B, opt_g, opt_d, a, b, *pools, cycle_weights=(0.0, 0.0),
                        identity_weight=0.0)
    assert row["g_loss"] == pytest.approx(row["g_adv"], rel=1e-6)


# ----------------------------------------------------------------------------- training and resume


def _trainer(model, out=None, steps=4, **overrides):
    config = default_config(model, **{**TINY, "steps": steps, "checkpoint_every": 2, **overrides})
    return make_trainer(build(config), config, out_dir=out)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("adv_weight", [1.0, 0.0])
def test_history_columns_are_the_ones_each_step_records(model, adv_weight):
    """The checkpoint reader's list of a run's history columns (training.history_columns) is what
    the model's step records, with and without the adversary."""
    from minigan.gan.training import HISTORY_COLUMNS, history_columns

    trainer = _trainer(model, steps=1, adv_weight=adv_weight)
    trainer.fit(progress=False)
    assert set(trainer.history[0]) == set(history_columns(trainer.config))
    assert ("d_loss" in trainer.history[0]) == bool(adv_weight)
    assert history_columns(default_config("dcgan")) == HISTORY_COLUMNS


@pytest.mark.parametrize("model", MODELS)
def test_exact_resume_of_every_model(model, tmp_path):
    """Stopped at step 2 and resumed (a fresh process would build the same objects): bit-identical
    weights, optimizer states, image pools and history (its time column aside)."""
    straight = _trainer(model)
    straight.fit(progress=False)
    first = _trainer(model, tmp_path)
    first.fit(steps=2, progress=False)
    resumed = _trainer(model, tmp_path, seed=1)  # other initial weights: all replaced by the checkpoint
    resumed.load_checkpoint(tmp_path / "checkpoint.npz")
    assert resumed.step == 2
    resumed.fit(progress=False)
    for net in ("G", "D"):
        ours, theirs = getattr(resumed, net).state_dict(), getattr(straight, net).state_dict()
        for key in theirs:
            np.testing.assert_array_equal(ours[key].numpy(), theirs[key].numpy(), err_msg=f"{net} {key}")
    assert str(resumed.opt_g.state_dict()) == str(straight.opt_g.state_dict())
    def strip(history):
        return [{k: v for k, v in row.items() if k != "time"} for row in history]
    assert strip(resumed.history) == strip(straight.history) and len(straight.history) == 4
    for ours, theirs in zip(resumed.pools, straight.pools):
        np.testing.assert_array_equal(np.stack(ours.images), np.stack(theirs.images))
    np.testing.assert_array_equal(resumed.sample_fixed(), straight.sample_fixed())


def test_the_trainer_snapshots_translate_the_fixed_held_out_inputs():
    trainer = _trainer("inpaint", steps=2)
    held_out = T.load_task("masked", "held-out")
    np.testing.assert_array_equal(trainer.fixed_noise.numpy(), held_out.inputs[:4])
    fixed = trainer.sample_fixed()
    assert fixed.shape == (4, 1, 28, 28)
    outside = ~T.centre_mask()
    np.testing.assert_array_equal(fixed[:, 0][:, outside], held_out.inputs[:4, 0][:, outside])  # context kept
    assert trainer.sample_many(10).shape == (10, 1, 28, 28)


@pytest.mark.parametrize("model", MODELS)
def test_translate_gives_every_input_its_own_output_whatever_the_batch(model):
    """translate's batches (TRANSLATE_BATCH, or any other size) only split the work: each input
    gets G's eval-mode output for it, in order, whether the batches divide the inputs or not."""
    from minigan.gan.settings import MODEL_TASK
    from minigan.gan.translation import TRANSLATE_BATCH, translate
    G = build(default_config(model, "sample", **TINY)).G
    task = T.load_task(MODEL_TASK[model], "held-out")
    x = task.inputs[:TRANSLATE_BATCH + 5]
    whole = translate(G, x, batch_size=len(x))
    assert whole.shape[0] == len(x) and G.training
    for batch_size in (TRANSLATE_BATCH, 7, 1):
        np.testing.assert_allclose(translate(G, x, batch_size=batch_size), whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(translate(G, x[::-1]), whole[::-1], rtol=1e-5, atol=1e-6)


def test_a_checkpoint_without_the_pools_is_refused_and_changes_nothing(tmp_path):
    trainer = _trainer("cyclegan", tmp_path, steps=2)
    trainer.fit(progress=False)
    state = mg.load(tmp_path / "checkpoint.npz")
    del state["pools"]
    fresh = _trainer("cyclegan", steps=2)
    before = {k: v.numpy().copy() for k, v in fresh.G.state_dict().items()}
    with pytest.raises(ValueError, match="lacks CycleGAN's two image pools"):
        fresh.load_state_dict(state)
    assert fresh.step == 0
    for k, v in fresh.G.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_lr_decay_linear_second_half():
    from minigan.gan.training import lr_factor

    assert [lr_factor(s, 10, "linear-second-half") for s in (0, 5, 6, 8, 10)] == pytest.approx([1, 1, 0.8, 0.4, 0])
    trainer = _trainer("cyclegan", steps=4, lr_decay="linear-second-half")
    trainer.fit(progress=False)
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(2e-4 * 0.5)   # set for step 4 of 4: t=3


# ----------------------------------------------------------------------------- settings and the CLI


@pytest.mark.parametrize("argv, message", [
    (["--model", "pix2pix", "--loss", "lsgan"], r"model 'pix2pix' trains with the 'bce' loss of its paper, got loss 'lsgan'"),
    (["--model", "cyclegan", "--n-critic", "2"], r"--n-critic applies to the noise-to-image GANs, not to model 'cyclegan'"),
    (["--model", "dcgan", "--cycle-weights", "3", "3"], r"--cycle-weights applies to the image-to-image models, not to model 'dcgan'"),
    (["--model", "cyclegan", "--cycle-weights", "3"], r"argument --cycle-weights: expected 2 arguments"),
    (["--model", "cyclegan", "--cycle-weights", "3", "-1"], r"argument --cycle-weights: must be two numbers >= 0, got '-1'"),
    (["--model", "srgan", "--adv-weight", "-1"], r"argument --adv-weight: must be a finite number >= 0, got '-1'"),
    (["--model", "pix2pix", "--dropout", "1"], r"argument --dropout: must be a finite number in \[0, 1\), got '1'"),
    (["--model", "inpaint", "--batch-size", "9000"], r"batch_size must be at most the task's size \(8000 pairs in 'masked'\), got 9000"),
    (["--model", "pix2pix", "--dataset", "ring"], r"model 'pix2pix' does not work on toy data"),
])
def test_bad_image_to_image_settings_exit_2(argv, message, tmp_path, capsys):
    assert run_cli(["train", *argv, "--quiet", "--out", tmp_path / "r"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"error: .*" + message, err), err
    assert "Traceback" not in err and not (tmp_path / "r").exists()


def test_cyclegan_defaults_to_its_least_squares_loss():
    config = default_config("cyclegan")
    assert (config.loss, config.lr_decay, config.cycle_weights, config.identity_weight) == \
        ("lsgan", "linear-second-half", (10.0, 10.0), 5.0)


def test_train_sample_evaluate_and_resume_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "p2p"
    flags = ["--width", 4, "--batch-size", 8, "--num-fixed", 5, "--n-samples", 60, "--quiet"]
    assert run_cli(["train", "--model", "pix2pix", "--steps", 3, "--sample-every", 2, *flags, "--out", out]) == 0
    for name in ("config.json", "history.csv", "checkpoint.npz", "samples.npy", "samples.png", "training.gif",
                 "losses.png", "d_outputs.png"):
        assert (out / name).is_file(), name
    samples = np.load(out / "samples.npy")
    assert samples.shape == (60, 1, 28, 28) and np.abs(samples).max() <= 1
    header = (out / "history.csv").read_text().splitlines()[0]
    assert header == "step,epoch,d_loss,d_real,d_fake,g_adv,g_loss,g_l1,time"
    capsys.readouterr()
    assert run_cli(["evaluate", "--run", out]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "pix2pix" and metrics["task"] == "outlines" and metrics["num_samples"] == 60
    assert set(metrics) >= {"fd", "accuracy", "psnr", "sharpness"} and metrics["fd"] > 0
    assert "FD " in capsys.readouterr().out
    assert run_cli(["sample", "--checkpoint", out / "checkpoint.npz", "--n", 6, "--out", tmp_path / "t.png"]) == 0
    assert "translations of 6 held-out outlines inputs (input | output | target)" in capsys.readouterr().out
    from PIL import Image

    assert Image.open(tmp_path / "t.png").size == (3 * (6 * 30 + 2), 3 * (3 * 30 + 2))  # 3 rows of 6, padding 2
    assert run_cli(["sample", "--checkpoint", out / "checkpoint.npz", "--n", 5, "--out", tmp_path / "t.npy"]) == 0
    assert np.load(tmp_path / "t.npy").shape == (5, 1, 28, 28)
    assert run_cli(["sample", "--checkpoint", out / "checkpoint.npz", "--n", 2001, "--out", tmp_path / "u.png"]) == 2
    assert "--n must be at most the 2000 held-out inputs" in capsys.readouterr().err
    assert run_cli(["train", "--resume", out, "--steps", 4, "--quiet"]) == 0
    assert mg.load(out / "checkpoint.npz")["step"] == 4
