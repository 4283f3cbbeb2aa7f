"""The classifier whose features measure generated images (our stand-in for Inception-v3).

FID and the Inception Score judge images through a network trained on real photographs. minigan's
images are 28x28 greyscale, so it trains its own small LeNet-style classifier, with minigan itself,
and measures generated images through it:

    evaluator = load_evaluator("fashion-mnist")          # data/evaluator/fashion-mnist.npz
    feats, probs = evaluator.features_and_probabilities(images)   # (N, 128), (N, 10)

    python -m minigan train-evaluator --dataset fashion-mnist   # how the shipped weights were made

The network (no pooling op in minigan: stride-2 convolutions halve the image instead):

    (N, 1, 28, 28) -> Conv 5x5 stride 2 -> (N, 32, 14, 14) -> ReLU
                   -> Conv 5x5 stride 2 -> (N, 64, 7, 7)   -> ReLU -> Flatten
                   -> Linear 3136 -> 128 -> ReLU           <- the features (penultimate layer)
                   -> Linear 128 -> 10                     <- class logits

A weights file is an mg.save .npz holding the state dict together with what it was trained on (the
dataset, the sha256 of its files), how (epochs, batch size, learning rate, seed) and the accuracy
it reached on the test split.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import minigan as mg
from minigan import functional as F
from minigan import nn, optim
from minigan.datasets import DataLoader, load_dataset
from minigan.datasets.download import BUNDLED_DATA_DIR, cache_directory, data_directories
from minigan.datasets.sources import SOURCES

EVALUATOR_FORMAT = "minigan-evaluator-1"
EVALUATOR_DATASETS = ("fashion-mnist", "mnist")
FEATURE_DIM = 128


def evaluator_name(dataset: str) -> str:
    """The evaluator that judges images of `dataset` ("sample" is Fashion-MNIST's test split)."""
    if dataset in ("sample", "fashion-mnist"):
        return "fashion-mnist"
    if dataset == "mnist":
        return "mnist"
    raise ValueError(f"no image evaluator for dataset {dataset!r}: expected one of "
                     f"sample, fashion-mnist, mnist")


def train_command(name: str) -> str:
    return f"python -m minigan train-evaluator --dataset {name}"


class Classifier28(nn.Module):
    """x: (N, 1, 28, 28) in [-1, 1] -> class logits (N, num_classes); .features(x) -> (N, 128)."""

    def __init__(self, num_classes: int = 10, channels: int = 1):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 32, 5, stride=2, padding=2),
            nn.ReLU(),
            nn.Conv2d(32, 64, 5, stride=2, padding=2),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, FEATURE_DIM),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(FEATURE_DIM, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


class Evaluator:
    """A trained Classifier28 and what it knows about itself (dataset, test accuracy ...)."""

    def __init__(self, model: Classifier28, info: dict):
        self.model = model.eval()
        self.info = info

    @property
    def test_accuracy(self) -> float:
        return float(self.info["test_accuracy"])

    def features_and_probabilities(self, images, batch_size: int = 500):
        """images: (N, 1, 28, 28) in [-1, 1] -> (features (N, 128), class probabilities (N, 10)),
        both float64 NumPy arrays. Computed in batches, without a graph, in eval mode."""
        images = check_images(images)
        backend = next(iter(self.model.parameters())).backend  # NumPy, or CuPy after .to("cupy")
        feats, probs = [], []
        with mg.no_grad():
            for start in range(0, len(images), batch_size):
                x = mg.tensor(np.asarray(images[start:start + batch_size],
                                         dtype=np.float32)).to(backend)
                h = self.model.features(x)
                feats.append(h.numpy().astype(np.float64))
                probs.append(F.softmax(self.model.classifier(h), dim=1).numpy().astype(np.float64))
        return np.concatenate(feats), np.concatenate(probs)

    def predict(self, images, batch_size: int = 500) -> np.ndarray:
        """The predicted class (N,) of each image."""
        return self.features_and_probabilities(images, batch_size)[1].argmax(axis=1)

    def accuracy(self, images, labels, batch_size: int = 500) -> float:
        return float((self.predict(images, batch_size) == np.asarray(labels)).mean())


def check_images(images) -> np.ndarray:
    """Images the evaluator can read: (N, 1, 28, 28), finite. Raises a ValueError saying what was
    got."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError("the evaluator expects images of shape (N, 1, 28, 28) with values in "
                         f"[-1, 1], "
                         f"got an array of shape {images.shape}")
    if len(images) == 0:
        raise ValueError("the evaluator got no images (an array of shape (0, 1, 28, 28))")
    if not np.all(np.isfinite(images)):
        raise ValueError("the evaluator got images with NaN or infinite values")
    return images


# ----------------------------------------------------------------------------- where the weights
# are


def default_weights_path(name: str) -> Path:
    """Where train-evaluator writes by default: data/evaluator/ of a source checkout, else the
    cache."""
    base = BUNDLED_DATA_DIR if BUNDLED_DATA_DIR.is_dir() else cache_directory()
    return base / "evaluator" / f"{name}.npz"


def find_weights(name: str, root=None) -> Path | None:
    """The first evaluator/<name>.npz in the data folders (see minigan.datasets.download), or
    None."""
    for folder in data_directories(root):
        candidate = folder / "evaluator" / f"{name}.npz"
        if candidate.is_file():
            return candidate
    return None


class EvaluatorNotFoundError(FileNotFoundError):
    """No weights file for the evaluator; the message says how to train it."""


def load_evaluator(dataset: str = "fashion-mnist", path=None, root=None) -> Evaluator:
    """Load the evaluator for `dataset` (or the weights file at `path`)."""
    name = evaluator_name(dataset)
    if path is None:
        path = find_weights(name, root)
        if path is None:
            searched = ", ".join(str(folder / "evaluator") for folder in data_directories(root))
            raise EvaluatorNotFoundError(
                f"no evaluator weights for {name} ({name}.npz is in none of: {searched}). "
                f"Train them with: {train_command(name)}")
    state = mg.load(path)
    if state.get("format") != EVALUATOR_FORMAT:
        raise ValueError(f"{path} is not a minigan evaluator (format {state.get('format')!r}, "
                         f"expected {EVALUATOR_FORMAT!r})")
    if state["dataset"] != name:
        raise ValueError(f"{path} holds the {state['dataset']} evaluator, not the {name} one")
    model = Classifier28(num_classes=len(state["classes"]))
    model.load_state_dict(state["model"])
    info = {k: v for k, v in state.items() if k != "model"}
    info["path"] = str(path)
    return Evaluator(model, info)


# ----------------------------------------------------------------------------- training


def train_evaluator(dataset: str = "fashion-mnist", epochs: int = 4, batch_size: int = 128,
                    lr: float = 1e-3, seed: int = 0, root=None,
                    log=print) -> tuple[Evaluator, dict]:
    """Train Classifier28 on the train split of `dataset` with Adam and cross-entropy, the learning
    rate falling linearly from `lr` to 0 over the run; report its accuracy on the test split.
    Returns (the evaluator, the state to mg.save).

    The run depends only on `seed` (weights, and the order of the batches)."""
    if dataset not in EVALUATOR_DATASETS:
        raise ValueError(f"train_evaluator: dataset must be one of {EVALUATOR_DATASETS}, got "
                         f"{dataset!r}")
    train = load_dataset(dataset, "train", root=root)
    test = load_dataset(dataset, "test", root=root)
    mg.manual_seed(seed)
    model = Classifier28(num_classes=len(train.classes))
    opt = optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(train, batch_size=batch_size, shuffle=True, seed=seed)
    evaluator = Evaluator(model, {})
    started = time.perf_counter()
    step, total_steps = 0, epochs * len(loader)
    for epoch in range(1, epochs + 1):
        model.train()
        total, correct, seen = 0.0, 0, 0
        for images, labels in loader:
            for group in opt.param_groups:
                group["lr"] = lr * (1 - step / total_steps)
            step += 1
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(labels)
            correct += int((logits.detach().numpy().argmax(1) == labels.numpy()).sum())
            seen += len(labels)
        model.eval()
        accuracy = evaluator.accuracy(test.images, test.labels)
        log(f"epoch {epoch}/{epochs}: train loss {total / seen:.4f}, train accuracy "
            f"{100 * correct / seen:.2f}%, test accuracy {100 * accuracy:.2f}% "
            f"({time.perf_counter() - started:.0f} s)")
    source = SOURCES[dataset]
    files = source.files["train"] + source.files["test"]
    state = {
        "format": EVALUATOR_FORMAT,
        "dataset": dataset,
        "classes": list(train.classes),
        "model": model.state_dict(),
        "test_accuracy": accuracy,
        "test_size": len(test),
        "train_size": len(train),
        "sha256": {f: source.sha256[f] for f in files},
        "training": {"epochs": epochs, "batch_size": batch_size, "lr": lr, "lr_decay": "linear",
                     "optimizer": "adam",
                     "seed": seed, "seconds": round(time.perf_counter() - started, 1)},
        "architecture": "Classifier28: conv5x5/2 1->32, ReLU, conv5x5/2 32->64, ReLU, "
                        "linear 3136->128, ReLU (features), linear 128->10",
    }
    evaluator.info = {k: v for k, v in state.items() if k != "model"}
    return evaluator, state
