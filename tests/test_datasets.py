"""load_dataset (bundled sample, Fashion-MNIST, MNIST), the toy mixtures and the DataLoader."""

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan.autograd import Tensor
from minigan.datasets import (
    DataLoader, ImageDataset, ToyDataset, ToyMixture, load_dataset, read_idx,
)
from minigan.datasets.download import BUNDLED_DATA_DIR
from minigan.datasets.sources import FASHION_MNIST_CLASSES, SOURCES

SHARED = Path(os.environ.get("MINIGAN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
MNIST_DIR = SHARED / "data" / "mnist"
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ----------------------------------------------------------------------------- image datasets


def test_the_bundled_sample_is_fashion_mnist_test_in_minus_one_to_one():
    data = load_dataset("sample")
    assert isinstance(data, ImageDataset) and len(data) == 10000
    assert data.images.shape == (10000, 1, 28, 28) and data.images.dtype == np.float32
    assert data.labels.shape == (10000,) and data.labels.dtype == np.int64
    assert data.images.min() == -1.0 and data.images.max() == 1.0
    assert np.bincount(data.labels).tolist() == [1000] * 10
    assert data.classes == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                            "Shirt", "Sneaker", "Bag", "Ankle boot"]
    pixels = read_idx(BUNDLED_DATA_DIR / "fashion-mnist-sample" / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(data.images[:, 0], pixels / np.float32(127.5) - np.float32(1))
    image, label = data[17]
    assert image.shape == (1, 28, 28) and label == data.labels[17]
    assert repr(data) == "ImageDataset('sample', 10000 images of 1x28x28, 10 classes)"


def test_the_sample_files_are_committed_unmodified_with_their_licence():
    folder = BUNDLED_DATA_DIR / "fashion-mnist-sample"
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.gz")}
    assert digests == {
        "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    }
    licence = (folder / "LICENSE").read_text()
    assert "The MIT License (MIT) Copyright © 2017 Zalando SE" in licence


def test_the_sample_has_one_split_and_n_keeps_the_first_images():
    first = load_dataset("sample", split="test", n=50)
    assert len(first) == 50
    np.testing.assert_array_equal(first.labels, load_dataset("sample").labels[:50])
    with pytest.raises(ValueError, match=r"load_dataset\('sample'\): n must be an integer in "
                       r"1\.\.10000, got 0"):
        load_dataset("sample", n=0)


def test_bad_names_and_splits():
    with pytest.raises(ValueError, match=r"load_dataset: unknown dataset 'cifar10', expected one of "
                       r"\['fashion-mnist', 'mnist', 'sample', 'ring', 'grid'\]"):
        load_dataset("cifar10")
    with pytest.raises(ValueError, match=r"load_dataset\('mnist'\): split must be one of "
                       r"\('train', 'test'\), got 'valid'"):
        load_dataset("mnist", split="valid")


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason="apt-get install dataset-fashion-mnist")
def test_debian_fashion_mnist_files_match_the_registered_checksums():
    prefixes = {"t10k-images-idx3-ubyte": "5b4141f0afbad91e",
                "t10k-labels-idx1-ubyte": "0402a96d92fd2663",
                "train-images-idx3-ubyte": "c59f468a2f672dc8",
                "train-labels-idx1-ubyte": "bad3541b69d91243"}
    for name, prefix in prefixes.items():
        raw = gzip.decompress((DEBIAN_FASHION / f"{name}.gz").read_bytes())
        digest = hashlib.sha256(raw).hexdigest()
        assert digest.startswith(prefix)
        assert SOURCES["fashion-mnist"].sha256[name] == digest


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason="apt-get install dataset-fashion-mnist")
def test_fashion_mnist_is_found_in_debians_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("MINIGAN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # an empty cache: Debian's copy is used
    data = load_dataset("fashion-mnist", split="test", download=False)
    assert data.images.shape == (10000, 1, 28, 28)
    assert data.classes == list(FASHION_MNIST_CLASSES)
    np.testing.assert_array_equal(data.labels, load_dataset("sample").labels)
    train = load_dataset("fashion-mnist", download=False)
    assert len(train) == 60000 and np.bincount(train.labels).tolist() == [6000] * 10


@pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
                    reason=f"the MNIST test files are not in {MNIST_DIR}")
def test_mnist_test_split_from_a_root_folder(tmp_path):
    (tmp_path / "mnist").mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / "mnist" / name).symlink_to(MNIST_DIR / name)
    data = load_dataset("mnist", split="test", root=tmp_path, download=False)
    assert data.images.shape == (10000, 1, 28, 28) and data.images.dtype == np.float32
    assert np.bincount(data.labels).tolist() == MNIST_TEST_COUNTS
    assert data.classes == [str(d) for d in range(10)]
    assert data.images.min() == -1.0 and data.images.max() == 1.0


def test_image_dataset_checks_its_shapes():
    with pytest.raises(ValueError, match=r"images must have shape \(N, C, H, W\), got \(3, 28, 28\)"):
        ImageDataset(np.zeros((3, 28, 28), np.float32), np.zeros(3, np.int64), ["a"])
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\) to match images "
                       r"\(3, 1, 2, 2\), got \(4,\)"):
        ImageDataset(np.zeros((3, 1, 2, 2), np.float32), np.zeros(4, np.int64), ["a"])


# ----------------------------------------------------------------------------- toy mixtures


def test_ring_centres_and_std():
    ring = ToyMixture("ring")
    angles = np.arange(8) * np.pi / 4
    np.testing.assert_allclose(ring.centers, 2 * np.stack([np.cos(angles), np.sin(angles)], 1),
                               atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(ring.centers, axis=1), 2.0)
    assert ring.std == 0.02


def test_grid_centres_and_std():
    grid = ToyMixture("grid")
    assert grid.centers.shape == (25, 2)
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(c) for c in grid.centers.tolist()} == expected
    assert grid.std == 0.05


@pytest.mark.parametrize("name, n", [("ring", 40_000), ("grid", 100_000)])
def test_samples_have_the_mixtures_statistics(name, n):
    mixture = ToyMixture(name)
    points = mixture.sample(n)
    assert points.shape == (n, 2) and points.dtype == np.float32
    distances = np.linalg.norm(points[:, None, :] - mixture.centers[None].astype(np.float32), axis=2)
    nearest = distances.argmin(axis=1)
    residuals = points - mixture.centers[nearest]
    np.testing.assert_allclose(residuals.std(axis=0), mixture.std, rtol=0.03)
    np.testing.assert_allclose(residuals.mean(axis=0), 0.0, atol=3 * mixture.std / np.sqrt(n) * 3)
    assert np.abs(residuals).max() < 6 * mixture.std  # every point belongs to its nearest mode
    k = len(mixture.centers)
    counts = np.bincount(nearest, minlength=k)
    sigma = np.sqrt(n * (1 / k) * (1 - 1 / k))
    assert np.abs(counts - n / k).max() < 5 * sigma  # equal weights


def test_samples_are_reproduced_by_manual_seed():
    mg.manual_seed(7)
    first = ToyMixture("grid").sample(100)
    mg.manual_seed(7)
    np.testing.assert_array_equal(ToyMixture("grid").sample(100), first)
    assert not np.array_equal(ToyMixture("grid").sample(100), first)


def test_toy_datasets_from_load_dataset():
    data = load_dataset("ring", n=1000)
    assert isinstance(data, ToyDataset) and len(data) == 1000
    assert data.points.shape == (1000, 2) and data.points.dtype == np.float32
    assert data.mixture.name == "ring" and data[3].shape == (2,)
    assert len(load_dataset("grid")) == 100_000
    with pytest.raises(ValueError, match=r"ToyMixture: name must be one of \('ring', 'grid'\), "
                       r"got 'spiral'"):
        ToyMixture("spiral")
    with pytest.raises(ValueError, match=r"ToyMixture.sample: n must be a non-negative integer, "
                       r"got -1"):
        ToyMixture("ring").sample(-1)


# ----------------------------------------------------------------------------- DataLoader


def numbered(n: int) -> ImageDataset:
    """n images whose pixels all equal their index, labelled with their index."""
    images = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None, None], (n, 1, 2, 2))
    return ImageDataset(images.copy(), np.arange(n, dtype=np.int64), ["x"])


def epoch_labels(loader) -> list:
    return [labels.numpy().tolist() for _, labels in loader]


def test_batches_are_tensors_of_the_right_shapes():
    loader = DataLoader(numbered(10), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [images.shape for images, _ in batches] == [(4, 1, 2, 2), (4, 1, 2, 2), (2, 1, 2, 2)]
    images, labels = batches[0]
    assert isinstance(images, Tensor) and isinstance(labels, Tensor)
    assert images.dtype == np.float32 and labels.dtype == np.int64
    assert images.backend == "numpy" and not images.requires_grad
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last():
    loader = DataLoader(numbered(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(numbered(3), batch_size=4, drop_last=True)) == 0
    assert list(DataLoader(numbered(3), batch_size=4, drop_last=True)) == []
    assert len(DataLoader(numbered(8), batch_size=4, drop_last=False)) == 2


def test_shuffling_visits_every_sample_exactly_once_per_epoch():
    loader = DataLoader(numbered(103), batch_size=10, shuffle=True, seed=1)
    for _ in range(3):
        seen = []
        for images, labels in loader:
            # images and labels stay paired
            np.testing.assert_array_equal(images.numpy()[:, 0, 0, 0], labels.numpy())
            seen += labels.numpy().tolist()
        assert sorted(seen) == list(range(103)) and seen != list(range(103))
    assert loader.epoch == 3


def test_a_seed_reproduces_every_epoch_and_epochs_differ():
    a = DataLoader(numbered(50), batch_size=8, shuffle=True, seed=3)
    b = DataLoader(numbered(50), batch_size=8, shuffle=True, seed=3)
    first, second = epoch_labels(a), epoch_labels(a)
    assert first != second
    mg.manual_seed(123)  # a seeded loader does not depend on the global generator
    assert epoch_labels(b) == first and epoch_labels(b) == second
    assert epoch_labels(DataLoader(numbered(50), batch_size=8, shuffle=True, seed=4)) != first


def test_manual_seed_reproduces_an_unseeded_loader():
    mg.manual_seed(11)
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True)
    run = [epoch_labels(loader), epoch_labels(loader)]
    mg.manual_seed(11)
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True)
    assert [epoch_labels(loader), epoch_labels(loader)] == run
    assert run[0] != run[1]


def test_no_shuffle_draws_no_random_numbers():
    mg.manual_seed(0)
    expected = mg.randn(3).numpy()
    mg.manual_seed(0)
    list(DataLoader(numbered(10), batch_size=3))
    np.testing.assert_array_equal(mg.randn(3).numpy(), expected)


@pytest.mark.parametrize("seed", [5, None])
def test_a_resumed_loader_visits_the_same_batches(seed):
    mg.manual_seed(2)
    loader = DataLoader(numbered(30), batch_size=4, shuffle=True, seed=seed)
    epoch_labels(loader)                       # epoch 1
    iterator = iter(loader)                    # epoch 2: stop after 3 batches and checkpoint
    [next(iterator) for _ in range(3)]
    state, rng = loader.state_dict(), mg.get_rng_state()
    assert state["epoch"] == 2 and state["batch"] == 3
    expected = [labels.numpy().tolist() for _, labels in iterator] + epoch_labels(loader)

    mg.manual_seed(99)                         # a new process: other seeds, a fresh loader
    resumed = DataLoader(numbered(30), batch_size=4, shuffle=True, seed=seed)
    resumed.load_state_dict({k: np.int64(v) for k, v in state.items()})  # as mg.load gives them
    mg.set_rng_state(rng)
    assert epoch_labels(resumed) + epoch_labels(resumed) == expected
    assert resumed.epoch == 3


def test_state_after_a_finished_epoch_starts_the_next_one():
    loader = DataLoader(numbered(12), batch_size=5, shuffle=True, seed=0)
    epoch_labels(loader)
    state = loader.state_dict()
    assert state["batch"] == 3
    expected = epoch_labels(loader)
    resumed = DataLoader(numbered(12), batch_size=5, shuffle=True, seed=0)
    resumed.load_state_dict(state)
    assert epoch_labels(resumed) == expected
    with pytest.raises(ValueError, match=r"expected the keys \['batch', 'epoch', 'epoch_seed'\], "
                                         r"got \['epoch'\]"):
        resumed.load_state_dict({"epoch": 1})
    with pytest.raises(ValueError, match=r"'batch' must be an integer in \[0, 3\], got 4"):
        resumed.load_state_dict({**state, "batch": 4})
    with pytest.raises(ValueError, match=r"'epoch' must be an integer in \[0, .*\], got '1'"):
        resumed.load_state_dict({**state, "epoch": "1"})


def test_toy_datasets_batch_as_single_tensors():
    loader = DataLoader(load_dataset("ring", n=100), batch_size=32, shuffle=True, seed=0)
    batches = list(loader)
    assert len(loader) == 4 and [b.shape for b in batches] == [(32, 2)] * 3 + [(4, 2)]
    assert all(isinstance(b, Tensor) and b.dtype == np.float32 for b in batches)


def test_any_dataset_with_len_and_getitem():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], np.float32), np.int64(i)

    x, y = next(iter(DataLoader(Squares(), batch_size=5)))
    np.testing.assert_array_equal(x.numpy(), [[0, 0], [1, 1], [2, 4], [3, 9], [4, 16]])
    assert y.dtype == np.int64 and y.numpy().tolist() == [0, 1, 2, 3, 4]


def test_bad_loader_arguments():
    with pytest.raises(ValueError, match=r"batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(numbered(3), batch_size=0)
    with pytest.raises(ValueError, match=r"DataLoader: seed must be None or a non-negative integer, "
                       r"got -1"):
        DataLoader(numbered(3), seed=-1)
