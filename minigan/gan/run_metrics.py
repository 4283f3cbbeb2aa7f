"""Measuring what a GAN learned: the metrics of generated samples against the real data, behind
`python -m minigan evaluate` (minigan/cli.py) and the metrics the Trainer records every
`eval_every` steps (training_eval_fn).

2-D runs get the VEEGAN mode metrics (gan.metrics.mode_metrics). Image runs are judged through the
evaluator's features (gan.evaluator), against the real test split of the dataset:

    fd                   Fréchet distance of the feature Gaussians (lower is better; 0 = the same)
    classifier_score     the Inception Score with our classifier (1 .. 10, higher is better)
    precision, recall    k-NN manifolds, k = 3 (on equally many real and generated samples)
    classes_below_half   classes predicted for less than half their fair share of the samples
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minigan.paths import open_regular_file
from minigan.serialization import _read_npy_header
from minigan.datasets import load_dataset
from minigan.datasets.toy import TOY_NAMES as TOY_DATASETS
from minigan.gan import metrics as M
from minigan.gan.sampling import sample
from minigan.gan.evaluator import check_images, evaluator_name, load_evaluator

EVAL_SEED = 0          # the noise (and the real subset for precision/recall) of every evaluation
PR_NEIGHBOURS = 3


# ----------------------------------------------------------------------------- images


@dataclass
class Reference:
    """The real side of every comparison: the evaluator's features of a dataset's test split."""

    dataset: str
    features: np.ndarray    # (N, 128) float64
    mu: np.ndarray          # (128,)
    cov: np.ndarray         # (128, 128)


def reference_images(dataset: str, root=None) -> np.ndarray:
    """The real test split the metrics compare with: Fashion-MNIST's is the bundled "sample"."""
    name = evaluator_name(dataset)
    data = load_dataset("sample" if name == "fashion-mnist" else name, "test", root=root)
    return data.images


_REFERENCES: dict = {}  # (weights file, dataset, root) -> Reference: computed once per process


def _compute_reference(evaluator, dataset: str, root) -> Reference:
    features, _ = evaluator.features_and_probabilities(reference_images(dataset, root))
    mu, cov = M.feature_statistics(features)
    return Reference(evaluator_name(dataset), features, mu, cov)


def reference_for(evaluator, dataset: str, root=None) -> Reference:
    """The evaluator's features of the real test split of `dataset` (10,000 images, a few seconds;
    kept for the next call with the same weights file, unchanged, and the same data)."""
    path = evaluator.info.get("path")
    if path is None or not Path(path).is_file():  # an evaluator that only lives in memory
        return _compute_reference(evaluator, dataset, root)
    key = (path, Path(path).stat().st_mtime_ns, evaluator_name(dataset),
           None if root is None else str(root))
    if key not in _REFERENCES:
        _REFERENCES[key] = _compute_reference(evaluator, dataset, root)
    return _REFERENCES[key]


def to_evaluator_images(samples) -> np.ndarray:
    """Generated images as the evaluator reads them: (N, 1, 28, 28); 64x64 samples are resized."""
    samples = np.asarray(samples)
    if samples.ndim == 4 and samples.shape[1] == 1 and samples.shape[2] == samples.shape[3] != 28:
        from minigan.datasets.images import resize_images

        samples = resize_images(samples.astype(np.float32), 28)
    return check_images(samples)


def image_metrics(evaluator, reference: Reference, samples) -> dict:
    """Every image metric of `samples` (N, 1, 28, 28) in [-1, 1] against the reference.

    Precision and recall compare the generated features with as many real ones, drawn from the
    reference without replacement with a fixed seed (the k-NN radii depend on the set size).
    """
    images = to_evaluator_images(samples)
    features, probabilities = evaluator.features_and_probabilities(images)
    n = min(len(features), len(reference.features))
    order = np.random.default_rng(EVAL_SEED).permutation(len(reference.features))
    real = reference.features[order[:n]]
    coverage = M.class_coverage(probabilities)
    result = {
        "fd": M.frechet_distance(*M.feature_statistics(features), reference.mu, reference.cov),
        "classifier_score": M.classifier_score(probabilities),
        **M.precision_recall(real, features[:n], k=PR_NEIGHBOURS),
        "classes_below_half": coverage["classes_below_half"],
        "classes_missing": coverage["classes_missing"],
        "class_shares": coverage["shares"],
        "num_samples": int(len(images)),
    }
    return result


def toy_metrics(dataset: str, samples) -> dict:
    from minigan.datasets import ToyMixture

    mixture = ToyMixture(dataset)
    return M.mode_metrics(samples, mixture.centers, mixture.std)


def check_samples(samples, dataset: str) -> np.ndarray:
    """Samples a metric can use: real, finite, at least one, of the data's shape; images within
    [-1, 1] (what a tanh generator gives). Raises a ValueError saying what was got."""
    samples = np.asarray(samples)
    if samples.dtype.kind not in "fiu":
        raise ValueError(f"samples must be real numbers, got an array of dtype {samples.dtype}")
    if dataset in TOY_DATASETS:
        if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
            raise ValueError(f"samples of the {dataset!r} mixture must have shape (N, 2) with "
                             f"N >= 1, got {samples.shape}")
        if not np.isfinite(samples).all():
            raise ValueError(f"samples of the {dataset!r} mixture must be finite, got "
                             f"{int((~np.isfinite(samples)).any(axis=1).sum())} with NaN or inf")
        return samples
    images = to_evaluator_images(samples)
    if np.abs(images).max() > 1 + 1e-6:
        raise ValueError(f"images must have values in [-1, 1], got values from {images.min():g} "
                         f"to {images.max():g}")
    return images


def load_samples(path: Path) -> np.ndarray:
    """A .npy file of samples; ValueError naming the file if it cannot be one. Its header is
    checked before anything is allocated: the array it declares must fit in the file's bytes."""
    with open_regular_file(path, str(path)) as file:  # a FIFO or a device: refused, never read
        head = file.read(6)
        if head != b"\x93NUMPY":
            raise ValueError(f"{path} is not a .npy file (it starts with {head!r})")
        file.seek(0)
        try:
            shape, _, dtype = _read_npy_header(file)
        except ValueError as err:
            raise ValueError(f"{path} is not a readable .npy file ({err})") from None
        if dtype.hasobject:
            raise ValueError(f"{path} holds pickled Python objects, which minigan never loads "
                             "(unpickling can run arbitrary code)")
        declared = math.prod(shape) * dtype.itemsize
        held = os.fstat(file.fileno()).st_size - file.tell()
        if declared > held:
            raise ValueError(f"{path} declares a {dtype} array of shape {shape} ({declared:,} "
                             f"bytes) but holds only {held:,} bytes of data")
        file.seek(0)
        try:
            return np.lib.format.read_array(file, allow_pickle=False)
        except ValueError as err:
            raise ValueError(f"{path} is not a readable .npy file ({err})") from None


def evaluate_samples(samples, dataset: str, evaluator=None, reference=None, root=None) -> dict:
    """The metrics of generated samples of `dataset`: mode metrics for the 2-D mixtures, image
    metrics (loading the evaluator and computing the reference when not given) otherwise."""
    samples = check_samples(samples, dataset)  # bad samples fail before the evaluator is loaded
    if dataset in TOY_DATASETS:
        return toy_metrics(dataset, samples)
    evaluator = evaluator if evaluator is not None else load_evaluator(dataset, root=root)
    reference = reference if reference is not None else reference_for(evaluator, dataset, root)
    return {**image_metrics(evaluator, reference, samples), "evaluator": evaluator_name(dataset),
            "evaluator_test_accuracy": evaluator.test_accuracy}


# ----------------------------------------------------------------------------- image-to-image


def translation_metrics(evaluator, outputs, held_out, model: str) -> dict:
    """How good the translations `outputs` of the held-out inputs are (held_out: ImagePairs; its
    first len(outputs) pairs), in four numbers:

        fd          realism: FD between the evaluator's features of the outputs and of the
                    held-out targets (the real images of the target domain; lower is better)
        accuracy    content kept: the evaluator's accuracy on the outputs, against the class of
                    each input (does a translated outline still show a sneaker?)
        psnr        closeness to the target, pixel by pixel (dB); for inpainting on the filled-in
                    centre only (the rest is copied from the input)
        sharpness   gradient_energy(outputs) / gradient_energy(targets): 1 is as sharp as the real
                    images, below 1 is blur
    """
    from minigan.datasets.translation import MASK_SIZE, centre_mask

    outputs = check_images(np.asarray(outputs))
    n = len(outputs)
    if n > len(held_out):
        raise ValueError(f"got {n} translations, but the held-out split has {len(held_out)} inputs")
    targets, labels = held_out.targets[:n], held_out.labels[:n]
    if n < 2:
        raise ValueError(f"the metrics need at least 2 translations, got {n}")
    features, probabilities = evaluator.features_and_probabilities(outputs)
    real_features, _ = evaluator.features_and_probabilities(targets)
    mask = centre_mask(targets.shape[-1], MASK_SIZE) if model == "inpaint" else None
    return {
        "fd": M.frechet_distance_from_features(real_features, features),
        "accuracy": float((probabilities.argmax(axis=1) == labels).mean()),
        "psnr": M.psnr(outputs, targets, mask=mask),
        "sharpness": M.gradient_energy(outputs) / M.gradient_energy(targets),
        "num_samples": n,
    }


# ----------------------------------------------------------------------------- during training


def draw_samples(trainer, n: int, seed: int = EVAL_SEED, batch: int = 500) -> np.ndarray:
    """n samples of the trainer's G (eval mode) from noise of its own seeded generator: the global
    random state is neither used nor changed, so evaluating does not alter the training run."""
    return sample(trainer.G, n, batch_size=batch, seed=seed)


def training_eval_fn(config, run):
    """fn(trainer) -> dict of metrics, for Trainer(eval_fn=...). The evaluator and the reference
    features are loaded once, here (so a missing evaluator stops the run before it starts)."""
    n = config.n_samples
    if getattr(run, "held_out", None) is not None:  # an image-to-image model
        evaluator = load_evaluator(config.dataset)

        def evaluate_translations(trainer) -> dict:
            outputs = trainer.sample_many(n)
            return translation_metrics(evaluator, outputs, run.held_out, config.model)
        return evaluate_translations
    if config.dataset in TOY_DATASETS:
        def evaluate_toy(trainer) -> dict:
            return toy_metrics(config.dataset, draw_samples(trainer, n))
        return evaluate_toy
    evaluator = load_evaluator(config.dataset)
    reference = reference_for(evaluator, config.dataset)

    def evaluate_images(trainer) -> dict:
        return image_metrics(evaluator, reference, draw_samples(trainer, n))
    return evaluate_images
