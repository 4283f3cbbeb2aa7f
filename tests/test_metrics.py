"""Measuring a GAN: the Fréchet distance, classifier score, class coverage, precision/recall, the
shipped evaluator, `python -m minigan evaluate` and the metrics recorded during training."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from minigan import gan
from minigan.cli import main
from minigan.gan import evaluator as ev, run_metrics
from minigan.gan.recipes import build, default_config
from minigan.gan.training import Trainer

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "data" / "evaluator" / "fashion-mnist.npz"
needs_weights = pytest.mark.skipif(not WEIGHTS.is_file(), reason="data/evaluator/fashion-mnist.npz is missing")


# ----------------------------------------------------------------------------- Fréchet distance


def _gaussian(seed, n=4000, d=6):
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((d, d))
    return rng.standard_normal((n, d)) @ mixing + rng.standard_normal(d)


def test_fd_of_a_sample_with_itself_is_zero():
    x = _gaussian(0)
    assert gan.frechet_distance_from_features(x, x) == pytest.approx(0.0, abs=1e-9)


def test_fd_of_a_shifted_copy_is_the_squared_shift():
    x = _gaussian(1)
    shift = np.array([0.5, -1.0, 2.0, 0.0, 0.25, 3.0])
    assert gan.frechet_distance_from_features(x, x + shift) == pytest.approx((shift ** 2).sum(), rel=1e-9)


def test_fd_in_closed_form_for_diagonal_covariances():
    """Commuting covariances: FD = |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2."""
    a, b = np.array([1.0, 4.0, 0.0, 9.0]), np.array([4.0, 1.0, 2.0, 9.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0, 3.0])
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert gan.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)


def _reference_fd(mu1, cov1, mu2, cov2):
    """float64 reference by another route: tr((cov1 cov2)^1/2) from the eigenvalues of the
    non-symmetric product (real and >= 0 in exact arithmetic)."""
    eig = np.linalg.eigvals(cov1 @ cov2).astype(complex)
    cross = np.sqrt(eig).real.sum()
    return ((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * cross


def _random_covariance(rng, d, rank):
    a = rng.standard_normal((d, rank)) * rng.uniform(0.1, 3.0, size=rank)
    return a @ a.T


@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 24), singular=st.booleans())
def test_fd_matches_a_float64_reference_on_random_covariances(seed, d, singular):
    rng = np.random.default_rng(seed)
    rank1 = max(1, d // 2) if singular else d
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    cov1, cov2 = _random_covariance(rng, d, rank1), _random_covariance(rng, d, d)
    expected = _reference_fd(mu1, cov1, mu2, cov2)
    assert gan.frechet_distance(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-6)
    assert gan.frechet_distance(mu2, cov2, mu1, cov1) == pytest.approx(expected, rel=1e-6)


def test_fd_matches_scipy_sqrtm_on_full_rank_covariances():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(7)
    for d in (2, 16, 64):
        mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
        cov1, cov2 = _random_covariance(rng, d, d), _random_covariance(rng, d, d)
        root = linalg.sqrtm(cov1 @ cov2).real
        expected = ((mu1 - mu2) ** 2).sum() + np.trace(cov1 + cov2 - 2 * root)
        assert gan.frechet_distance(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-6)


def test_fd_of_fewer_samples_than_dimensions_is_finite():
    """A rank-deficient covariance (5 samples in 20 dimensions) still gives a finite, >= 0 FD."""
    rng = np.random.default_rng(3)
    few, many = rng.standard_normal((5, 20)), rng.standard_normal((500, 20))
    value = gan.frechet_distance_from_features(few, many)
    assert np.isfinite(value) and value > 0
    assert gan.frechet_distance_from_features(few, few) == pytest.approx(0.0, abs=1e-9)


def test_fd_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"frechet_distance: cov2 must have shape \(3, 3\).*got \(2, 2\)"):
        gan.frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="features1 has 3 dimensions, features2 has 4"):
        gan.frechet_distance_from_features(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"features2 must have shape \(N, D\), got \(5,\)"):
        gan.frechet_distance_from_features(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="features1 holds NaN or infinite values"):
        gan.frechet_distance_from_features(np.full((5, 3), np.nan), np.zeros((5, 3)))


# ----------------------------------------------------------------------------- classifier score, coverage


def test_classifier_score_extremes():
    certain_balanced = np.eye(10)[np.arange(200) % 10]
    assert gan.classifier_score(certain_balanced) == pytest.approx(10.0, rel=1e-12)
    same_everywhere = np.tile([0.7, 0.2, 0.1], (50, 1))
    assert gan.classifier_score(same_everywhere) == pytest.approx(1.0, rel=1e-12)
    certain_one_class = np.eye(10)[np.zeros(30, dtype=int)]
    assert gan.classifier_score(certain_one_class) == pytest.approx(1.0, rel=1e-12)
    two_classes = np.eye(4)[np.arange(40) % 2]  # certain, two classes used equally: score 2
    assert gan.classifier_score(two_classes) == pytest.approx(2.0, rel=1e-12)


def test_class_coverage_on_hand_built_predictions():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 15 + [3] * 5)  # K = 5: fair share 20, half 10
    cov = gan.class_coverage(np.eye(5)[labels])
    assert cov["shares"] == pytest.approx([0.5, 0.3, 0.15, 0.05, 0.0])
    assert (cov["classes_below_half"], cov["classes_missing"]) == (2, 1)
    shares = np.array([0.5, 0.3, 0.15, 0.05])
    assert cov["kl_to_uniform"] == pytest.approx((shares * np.log(shares * 5)).sum())
    with pytest.raises(ValueError, match="must be non-negative and sum to 1"):
        gan.class_coverage(np.ones((3, 4)))


# ----------------------------------------------------------------------------- precision / recall


def test_precision_recall_of_identical_sets_is_one():
    x = np.random.default_rng(0).standard_normal((300, 8))
    assert gan.precision_recall(x, x.copy()) == {"precision": 1.0, "recall": 1.0}


def test_precision_recall_of_disjoint_sets_is_zero():
    rng = np.random.default_rng(1)
    real, fake = rng.standard_normal((200, 4)), rng.standard_normal((150, 4)) + 100.0
    assert gan.precision_recall(real, fake) == {"precision": 0.0, "recall": 0.0}


def test_a_subset_has_high_precision_and_low_recall():
    """Fakes = the reals of one of four far-apart clusters: all realistic, a quarter of the data."""
    rng = np.random.default_rng(2)
    centres = np.array([[0, 0], [50, 0], [0, 50], [50, 50]], dtype=float)
    real = (centres[:, None, :] + rng.standard_normal((4, 100, 2))).reshape(400, 2)
    fake = real[:100]
    result = gan.precision_recall(real, fake, k=3)
    assert result["precision"] == 1.0
    assert result["recall"] == pytest.approx(0.25)
    swapped = gan.precision_recall(fake, real, k=3)  # the other way round: low precision, full recall
    assert (swapped["precision"], swapped["recall"]) == (pytest.approx(0.25), 1.0)


def test_precision_recall_counts_balls_of_the_kth_neighbour():
    """1-D, k = 1. Real points 0, 1, 2, 10 have radii 1, 1, 1, 8: the fakes 2.9 (in 2's ball) and
    3.5 (in 10's) are inside, 19 and 30 are not. Fake points 2.9, 3.5, 19, 30 have radii 0.6, 0.6,
    11, 11: only the real 10 lies in one of their balls (19's)."""
    real = np.array([[0.0], [1.0], [2.0], [10.0]])
    fake = np.array([[2.9], [3.5], [19.0], [30.0]])
    result = gan.precision_recall(real, fake, k=1, batch=3)
    assert result == {"precision": 0.5, "recall": 0.25}


def test_precision_recall_rejects_bad_k_and_dimensions():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"k must be an integer in 1..3 .*got 4"):
        gan.precision_recall(x, x, k=4)
    with pytest.raises(ValueError, match="real_features have 2 dimensions, fake_features have 3"):
        gan.precision_recall(x, np.zeros((4, 3)))


# ----------------------------------------------------------------------------- the evaluator


def _readme_accuracy():
    text = (ROOT / "README.md").read_text()
    match = re.search(r"Fashion-MNIST evaluator[^\n]*?test accuracy (?:of )?([0-9]+\.[0-9]+)%", text)
    assert match, "README.md states the Fashion-MNIST evaluator's test accuracy"
    return float(match.group(1))


@needs_weights
def test_the_shipped_evaluator_reaches_the_accuracy_in_the_readme():
    evaluator = ev.load_evaluator("fashion-mnist")
    info = evaluator.info
    assert info["dataset"] == "fashion-mnist" and info["test_size"] == 10_000
    assert info["sha256"]["train-images-idx3-ubyte"] == mg.datasets.SOURCES["fashion-mnist"].sha256["train-images-idx3-ubyte"]
    assert round(100 * evaluator.test_accuracy, 2) == _readme_accuracy()
    assert evaluator.test_accuracy >= 0.90
    test = mg.datasets.load_dataset("sample")
    # recomputed on the bundled test split: the same predictions up to float32 rounding of the BLAS
    assert evaluator.accuracy(test.images, test.labels) == pytest.approx(evaluator.test_accuracy, abs=3e-4)


@needs_weights
def test_evaluator_features_are_128_dimensional_and_deterministic():
    evaluator = ev.load_evaluator("sample")
    images = mg.datasets.load_dataset("sample", n=64).images
    f1, p1 = evaluator.features_and_probabilities(images, batch_size=50)
    mg.manual_seed(123)
    f2, p2 = evaluator.features_and_probabilities(images, batch_size=64)
    assert f1.shape == (64, 128) and p1.shape == (64, 10) and f1.dtype == np.float64
    np.testing.assert_allclose(f1, f2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p1.sum(1), 1.0, rtol=1e-6)
    assert f1.min() >= 0  # post-ReLU features


def test_evaluator_rejects_images_of_the_wrong_shape():
    model = ev.Evaluator(ev.Classifier28(), {})
    with pytest.raises(ValueError, match=r"expects images of shape \(N, 1, 28, 28\).*got an array of shape \(4, 3, 28, 28\)"):
        model.features_and_probabilities(np.zeros((4, 3, 28, 28), np.float32))
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.features_and_probabilities(np.full((2, 1, 28, 28), np.nan, np.float32))


def test_missing_weights_name_the_command_that_trains_them(monkeypatch, tmp_path):
    monkeypatch.setattr(ev, "data_directories", lambda root=None: [tmp_path])
    with pytest.raises(ev.EvaluatorNotFoundError,
                       match=r"no evaluator weights for mnist .*python -m minigan train-evaluator --dataset mnist"):
        ev.load_evaluator("mnist")


def test_a_weights_file_of_another_kind_is_refused(tmp_path):
    mg.save({"format": "minigan-gan-checkpoint-1"}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="is not a minigan evaluator"):
        ev.load_evaluator("fashion-mnist", path=tmp_path / "x.npz")


# ----------------------------------------------------------------------------- python -m minigan evaluate


def _fake_run(folder, dataset, samples):
    folder.mkdir()
    config = default_config("mlp" if dataset == "ring" else "dcgan", dataset)
    (folder / "config.json").write_text(json.dumps(config.to_dict()))
    np.save(folder / "samples.npy", samples)
    return folder


def test_evaluate_a_2d_run_writes_mode_metrics(tmp_path, capsys):
    mg.manual_seed(5)
    points = mg.datasets.ToyMixture("ring").sample(2500)
    run = _fake_run(tmp_path / "ring", "ring", points)
    assert main(["evaluate", "--run", str(run)]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["modes_covered"], metrics["num_modes"]) == (8, 8)
    # real points: |N(0, I_2)| <= 3 with probability 1 - exp(-9/2) = 0.989
    assert metrics["high_quality"] == pytest.approx(1 - np.exp(-4.5), abs=0.01)
    assert "modes covered: 8/8" in capsys.readouterr().out


@needs_weights
def test_evaluate_real_images_gives_a_small_fd_and_noise_a_large_one(tmp_path):
    real = mg.datasets.load_dataset("sample").images
    run = _fake_run(tmp_path / "real", "sample", real[::4])  # 2,500 real test images
    assert main(["evaluate", "--run", str(run)]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["fd"] < 1.0 and metrics["precision"] > 0.7 and metrics["recall"] > 0.7
    assert metrics["classes_below_half"] == 0 and metrics["classifier_score"] > 7
    assert metrics["evaluator"] == "fashion-mnist" and metrics["num_samples"] == 2500
    noise = np.random.default_rng(0).uniform(-1, 1, (2500, 1, 28, 28)).astype(np.float32)
    np.save(tmp_path / "noise.npy", noise)
    assert main(["evaluate", "--samples", str(tmp_path / "noise.npy"), "--dataset", "sample"]) == 0
    noisy = json.loads((tmp_path / "noise_metrics.json").read_text())
    assert noisy["fd"] > 100 * max(metrics["fd"], 0.1) and noisy["recall"] == 0.0
    # not 0: a few dim real images have large k-NN balls that reach the noise (the metric's known
    # sensitivity to outliers, Kynkäänniemi et al. 2019, section 3)
    assert noisy["precision"] < 0.3


def test_evaluate_reports_samples_of_the_wrong_shape(tmp_path, capsys):
    run = _fake_run(tmp_path / "bad", "sample", np.zeros((10, 2), np.float32))
    assert main(["evaluate", "--run", str(run)]) == 2  # bad input: exit status 2
    assert re.search(r"samples.npy: the evaluator expects images of shape \(N, 1, 28, 28\).*got an array of shape \(10, 2\)",
                     capsys.readouterr().err)


def test_evaluate_without_the_evaluator_says_how_to_train_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(ev, "data_directories", lambda root=None: [tmp_path])
    run = _fake_run(tmp_path / "run", "mnist", np.zeros((10, 1, 28, 28), np.float32))
    assert main(["evaluate", "--run", str(run)]) == 2
    assert "Train them with: python -m minigan train-evaluator --dataset mnist" in capsys.readouterr().err


def test_evaluate_needs_a_run_or_samples(capsys):
    assert main(["evaluate"]) == 2  # bad input: "error: ..." and exit status 2
    assert "error: evaluate: give either --run DIR or --samples FILE" in capsys.readouterr().err


# ----------------------------------------------------------------------------- metrics during training


def _toy(**overrides):
    config = default_config("mlp", "ring", sample_every=0, checkpoint_every=0, n_samples=500, **overrides)
    mg.manual_seed(1234)
    return config, build(config, dataset=mg.datasets.load_dataset("ring", n=2048))


def test_evaluating_during_training_does_not_change_the_run():
    """The evaluation draws its noise from its own generator: weights are bit-identical with and
    without eval_every, and the same weights give the same metrics."""
    config, run = _toy(steps=20, eval_every=10)
    with_eval = Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config,
                        eval_fn=run_metrics.training_eval_fn(config, run))
    with_eval.fit(progress=False)
    config2, run2 = _toy(steps=20)
    plain = Trainer(run2.G, run2.D, run2.opt_g, run2.opt_d, run2.loader, config2)
    plain.fit(progress=False)
    for (name, a), b in zip(run.G.state_dict().items(), run2.G.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert [m["step"] for m in with_eval.metrics] == [10, 20]
    again = run_metrics.training_eval_fn(config, run)(with_eval)
    assert again == {k: v for k, v in with_eval.metrics[-1].items() if k != "step"}
    assert set(again) == {"modes_covered", "num_modes", "high_quality", "kl_to_uniform", "counts"}


def test_train_with_eval_every_writes_the_history_and_its_plot(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    assert main(["train", "--model", "mlp", "--dataset", "ring", "--steps", "20", "--eval-every", "10",
                 "--out", str(out), "--quiet"]) == 0
    rows = json.loads((out / "metrics_history.json").read_text())
    assert [r["step"] for r in rows] == [10, 20] and all(r["num_modes"] == 8 for r in rows)
    assert (out / "metrics.png").stat().st_size > 1000
    # evaluate --n draws fresh samples from the checkpoint instead of reading samples.npy
    assert main(["evaluate", "--run", str(out), "--n", "300"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["samples"] == f"300 samples of {out / 'checkpoint.npz'} (seed 0)"
    assert sum(metrics["counts"]) == round(300 * metrics["high_quality"])


def test_plot_metrics_names_what_it_expects(tmp_path):
    with pytest.raises(ValueError, match="plot_metrics: no known metric in the rows"):
        gan.plots.plot_metrics([{"step": 1, "x": 2}], tmp_path / "m.png")
