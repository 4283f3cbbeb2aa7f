"""minigan.gan.uses (lesson 22, experiments/augmentation.py and memorisation.py): the split, the class-
balanced subsets, classic augmentation, the classifier trainer and the membership AUC."""

import numpy as np
import pytest

import minigan as mg
from minigan.gan import uses


def test_halves_split_every_index_once_and_reproducibly():
    first, second = uses.halves(11, seed=3)
    assert len(first) == 5 and len(second) == 6
    assert sorted(np.concatenate([first, second]).tolist()) == list(range(11))
    again = uses.halves(11, seed=3)
    assert first.tolist() == again[0].tolist() and second.tolist() == again[1].tolist()


def test_class_balanced_subset():
    labels = np.array([0, 1, 2] * 5 + [2, 2])
    chosen = uses.class_balanced_subset(labels, 4, np.random.default_rng(0))
    assert np.bincount(labels[chosen]).tolist() == [4, 4, 4]
    assert len(set(chosen.tolist())) == 12 and chosen.tolist() == sorted(chosen.tolist())
    with pytest.raises(ValueError, match="class 0 has 5 examples, fewer than per_class=6"):
        uses.class_balanced_subset(labels, 6, np.random.default_rng(0))


def test_classic_augment_flips_and_shifts_within_the_image():
    """One bright pixel at (row 2, column 1) of a 6x6 image: a shift of up to 2 moves it to rows 0..4;
    columns -1..3 unflipped or 2..6 flipped (column 4 after the flip), of which 0..5 stay in the image."""
    image = np.full((1, 1, 6, 6), -1.0, np.float32)
    image[0, 0, 2, 1] = 1.0
    out = uses.classic_augment(np.repeat(image, 400, axis=0), np.random.default_rng(0), max_shift=2)
    assert out.shape == (400, 1, 6, 6) and out.dtype == np.float32
    assert set(np.unique(out)) <= {-1.0, 1.0}                      # moved, never blended
    positions = [tuple(np.argwhere(o[0] == 1.0)[0]) for o in out if (o == 1.0).any()]
    assert {r for r, _ in positions} == {0, 1, 2, 3, 4}
    assert {c for _, c in positions} == {0, 1, 2, 3, 4, 5}
    assert 300 < len(positions) < 400                              # some shifts push the pixel out


@pytest.mark.slow
def test_train_classifier_learns_a_separable_problem_and_is_reproducible():
    rng = np.random.default_rng(0)
    images = np.full((40, 1, 28, 28), -1.0, np.float32)
    labels = np.arange(40) % 2
    images[labels == 1, :, :14] = 1.0                             # class 1: top half bright
    images += rng.normal(0, 0.1, images.shape).astype(np.float32)
    model = uses.train_classifier(images, labels, steps=30, batch_size=16, seed=0)
    assert not model.training
    assert uses.accuracy(model, images, labels) == 1.0
    again = uses.train_classifier(images, labels, steps=30, batch_size=16, seed=0)
    np.testing.assert_array_equal(model.classifier.weight.detach().numpy(), again.classifier.weight.detach().numpy())


def test_train_classifier_takes_half_of_each_batch_from_the_extra_source():
    """With `extra`, real images keep half of every batch: a model trained on 2 real images of class
    0 and many extra images of class 1 still learns class 0."""
    real = np.full((2, 1, 28, 28), -1.0, np.float32)
    extra = np.full((200, 1, 28, 28), 1.0, np.float32)
    model = uses.train_classifier(real, np.zeros(2), steps=20, batch_size=8, seed=0,
                                  extra=(extra, np.ones(200)), num_classes=2)
    assert uses.predict(model, real).tolist() == [0, 0]
    assert (uses.predict(model, extra[:10]) == 1).all()


def test_membership_auc():
    assert uses.membership_auc([3, 4, 5], [0, 1, 2]) == 1.0
    assert uses.membership_auc([0, 1, 2], [3, 4, 5]) == 0.0
    assert uses.membership_auc([1, 1], [1, 1, 1]) == 0.5          # ties count one half
    assert uses.membership_auc([1, 3], [2]) == 0.5
    rng = np.random.default_rng(0)
    assert abs(uses.membership_auc(rng.normal(size=3000), rng.normal(size=3000)) - 0.5) < 0.02
    with pytest.raises(ValueError, match="scores of both groups, got 0 and 2"):
        uses.membership_auc([], [1, 2])


def test_discriminator_scores_and_conditional_samples_restore_the_modes():
    from minigan.gan import ConditionalDiscriminator28, ConditionalGenerator28

    mg.manual_seed(0)
    G, D = ConditionalGenerator28(latent_dim=4, width=4), ConditionalDiscriminator28(width=4)

    class Holder:                                                   # what conditional_samples needs of a Trainer
        def sample(self, z, labels):
            from minigan.gan import generate
            return generate(G, z, labels)
    Holder.G = G
    images = uses.conditional_samples(Holder(), np.array([0, 3, 3, 9, 1]), batch=2)
    assert images.shape == (5, 1, 28, 28) and G.training
    scores = uses.discriminator_scores(D, images, np.array([0, 3, 3, 9, 1]), batch=2)
    assert scores.shape == (5,) and D.training
    with mg.no_grad():
        D.eval()
        direct = D(mg.tensor(images), mg.tensor(np.array([0, 3, 3, 9, 1]), dtype=mg.int64)).numpy().ravel()
    np.testing.assert_allclose(scores, direct, rtol=1e-4, atol=1e-8)   # batches of 2 vs one batch: float32 rounding


def test_memorisation_only_refuses_a_run_it_does_not_have():
    """experiments/memorisation.py --only (finishing a run cut short): a pair outside --per-class x
    --seeds, or not PER_CLASS:SEED, is refused with exit 2 naming it, before anything trains."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "experiments" / "memorisation.py"
    done = subprocess.run([sys.executable, str(script), "--per-class", "10", "100", "--seeds", "2",
                           "--only", "100:1", "500:0", "x:y"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--only: expected PER_CLASS:SEED pairs from --per-class and --seeds, got 500:0 x:y" in done.stderr
    assert "Traceback" not in done.stderr


def test_memorisation_refuses_a_training_set_the_pool_cannot_give():
    """--per-class above the pool's smallest class (463 images of class 8) is refused with exit 2
    before anything trains (it used to fail after the smaller sizes had trained)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "experiments" / "memorisation.py"
    done = subprocess.run([sys.executable, str(script), "--per-class", "10", "500"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--per-class: expected at most 463 (the pool's smallest class), got 500" in done.stderr
    assert "Traceback" not in done.stderr


def test_memorisation_only_keeps_the_logged_rows_of_the_other_runs(tmp_path, monkeypatch):
    """--only merges: the results file's rows of the (per-class, seed) pairs not re-run are kept (with
    the date they were measured), those re-run and those outside --per-class are dropped; a file of
    other checkpoints is refused."""
    import importlib.util
    import json
    from pathlib import Path
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location(
        "memorisation", Path(__file__).resolve().parents[1] / "experiments" / "memorisation.py")
    memorisation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(memorisation)
    monkeypatch.setattr(memorisation, "RESULTS", tmp_path)
    runs = [{"per_class": p, "seed": s, "steps": 500} for p in (10, 100, 500) for s in (0, 1)]
    (tmp_path / "memorisation.json").write_text(json.dumps(
        {"machine": {"date": "2026-12-07T09:49:44"}, "seeds": 2, "checkpoints": [500], "runs": runs}))
    args = SimpleNamespace(per_class=[10, 100, 450], seeds=2, checkpoints=[500])
    kept = memorisation.logged_rows(args, [(100, 1), (450, 0), (450, 1)])
    assert [(r["per_class"], r["seed"]) for r in kept] == [(10, 0), (10, 1), (100, 0)]
    assert {r["measured"] for r in kept} == {"2026-12-07T09:49:44"}
    with pytest.raises(SystemExit, match="expected --seeds 2 --checkpoints 500 1000"):
        memorisation.logged_rows(SimpleNamespace(per_class=[10], seeds=2, checkpoints=[500, 1000]), [(10, 1)])
