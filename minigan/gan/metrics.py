"""What did the GAN learn? Metrics computed from scratch.

2-D mixtures (the VEEGAN protocol, Srivastava et al. 2017): draw 2,500 samples; a sample is of
*high quality* when it lies within 3 standard deviations of its nearest mode; a mode is *covered*
when it is the nearest mode of at least one high-quality sample.
"""

from __future__ import annotations

import numpy as np


def mode_metrics(samples, centers, std: float, threshold: float = 3.0) -> dict:
    """Mode coverage of 2-D samples (N, 2) against mode centres (K, 2) of a mixture with `std`.

    Returns modes_covered (int), num_modes, high_quality (fraction of samples within threshold*std
    of their nearest centre), kl_to_uniform (KL(p || uniform) of the histogram p of high-quality
    samples over their nearest modes; 0 for a perfectly balanced generator, inf with no
    high-quality sample) and counts (high-quality samples per mode).
    """
    samples = np.asarray(samples, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(f"mode_metrics expects samples of shape (N, {centers.shape[1]}), got "
                         f"{samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=2)  # (N, K)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] <= threshold * std
    counts = np.bincount(nearest[good], minlength=len(centers))
    if counts.sum() == 0:
        kl = float("inf")
    else:
        p = counts / counts.sum()
        nonzero = p > 0
        kl = float(np.sum(p[nonzero] * np.log(p[nonzero] * len(centers))))
    return {
        "modes_covered": int((counts > 0).sum()),
        "num_modes": int(len(centers)),
        "high_quality": float(good.mean()) if len(samples) else 0.0,
        "kl_to_uniform": kl,
        "counts": counts.tolist(),
    }


# ----------------------------------------------------------------------------- images
#
# Images are judged through a classifier's penultimate features (minigan.gan.evaluator): the
# Fréchet distance compares the two feature distributions as Gaussians, the classifier score and
# class coverage read its predicted classes, precision and recall compare the two sets of features
# point by point.


def _check_features(features, name: str) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), got {features.shape}")
    if len(features) < 2:
        raise ValueError(f"{name} needs at least 2 samples (rows), got {len(features)}")
    if not np.all(np.isfinite(features)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return features


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """features: (N, D) -> (mean (D,), covariance (D, D)) in float64 (covariance with N - 1)."""
    features = _check_features(features, "features")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(features.shape[1], -1)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The square root of a symmetric positive semi-definite matrix, through its eigendecomposition
    M = V diag(w) V^T -> V diag(sqrt(w)) V^T. Rounding can make tiny eigenvalues negative: they are
    set to 0 (the matrix is PSD in exact arithmetic)."""
    w, v = np.linalg.eigh((matrix + matrix.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1, cov1, mu2, cov2) -> float:
    """The Fréchet (2-Wasserstein) distance between N(mu1, cov1) and N(mu2, cov2):

        FD = |mu1 - mu2|^2 + tr(cov1) + tr(cov2) - 2 tr((cov1^1/2 cov2 cov1^1/2)^1/2)

    (the last trace equals tr((cov1 cov2)^1/2), the form FID is usually written in). Both square
    roots are of symmetric PSD matrices, taken by symmetric eigendecomposition in float64, so a
    singular covariance (fewer samples than dimensions, dead ReLU units) needs no special care.
    mu: (D,), cov: (D, D).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    cov1, cov2 = np.asarray(cov1, np.float64), np.asarray(cov2, np.float64)
    d = mu1.shape[0] if mu1.ndim == 1 else -1
    for name, value, shape in (("mu1", mu1, (d,)), ("mu2", mu2, (d,)), ("cov1", cov1, (d, d)),
                               ("cov2", cov2, (d, d))):
        if value.shape != shape or d < 1:
            raise ValueError(f"frechet_distance: {name} must have shape "
                             f"{shape if d > 0 else '(D,)'} "
                             f"(mu1 has shape {mu1.shape}), got {value.shape}")
    root1 = _psd_sqrt(cov1)
    middle = root1 @ cov2 @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    cross = np.sqrt(np.clip(eigenvalues, 0, None)).sum()
    value = float(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * cross)
    return max(value, 0.0)  # rounding can leave -1e-13 for identical distributions


def frechet_distance_from_features(features1, features2) -> float:
    """FD between the Gaussians fitted to two feature sets (N1, D) and (N2, D)."""
    f1 = _check_features(features1, "features1")
    f2 = _check_features(features2, "features2")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(f"frechet_distance_from_features: features1 has {f1.shape[1]} dimensions, "
                         f"features2 has {f2.shape[1]}")
    return frechet_distance(*feature_statistics(f1), *feature_statistics(f2))


def _check_probabilities(probabilities) -> np.ndarray:
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"class probabilities must have shape (N, K) with N >= 1, got {p.shape}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("class probabilities must be non-negative and sum to 1 along each row")
    return p


def classifier_score(probabilities) -> float:
    """The Inception Score with our classifier: exp(mean over samples of KL(p(y|x) || p(y))), where
    p(y) is the mean of the p(y|x). probabilities: (N, K), rows summing to 1.

    From 1 (every sample gets the same class distribution) to K (every sample is classified with
    certainty, and the classes are used equally often). Computed over all N samples at once.
    """
    p = _check_probabilities(probabilities)
    marginal = p.mean(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


def class_coverage(probabilities) -> dict:
    """How the predicted classes (argmax of probabilities (N, K)) are spread.

    Returns shares (the fraction of samples predicted as each class, a list of K floats),
    classes_below_half (how many classes get less than half their fair share 1/K),
    classes_missing (how many get no sample) and kl_to_uniform (KL(shares || uniform), 0 when
    balanced, inf-free: empty classes add nothing).
    """
    p = _check_probabilities(probabilities)
    k = p.shape[1]
    shares = np.bincount(p.argmax(axis=1), minlength=k) / len(p)
    used = shares > 0
    return {
        "shares": [float(s) for s in shares],
        "classes_below_half": int((shares < 0.5 / k).sum()),
        "classes_missing": int((~used).sum()),
        "kl_to_uniform": float((shares[used] * np.log(shares[used] * k)).sum()),
    }


def _pairwise_sq_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a_i - b_j|^2 (len(a), len(b)), computed as |a|^2 + |b|^2 - 2 a.b and clipped at 0."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0)


def _knn_radii(features: np.ndarray, k: int, batch: int) -> np.ndarray:
    """The squared distance from each row to its k-th nearest other row (N,)."""
    radii = np.empty(len(features))
    for start in range(0, len(features), batch):
        d = _pairwise_sq_distances(features[start:start + batch], features)
        # the row itself sits at distance 0 and is the 0-th smallest: the k-th other is index k
        radii[start:start + batch] = np.partition(d, k, axis=1)[:, k]
    return radii


def _inside_manifold(points: np.ndarray, centers: np.ndarray, radii: np.ndarray,
                     batch: int) -> np.ndarray:
    """For each point, whether it lies in at least one ball (center, radius) (N,) bool."""
    inside = np.empty(len(points), dtype=bool)
    for start in range(0, len(points), batch):
        d = _pairwise_sq_distances(points[start:start + batch], centers)
        inside[start:start + batch] = (d <= radii[None, :]).any(axis=1)
    return inside


def precision_recall(real_features, fake_features, k: int = 3, batch: int = 1000) -> dict:
    """Precision and recall of a generated distribution (Kynkäänniemi et al. 2019).

    Each set's manifold is the union of balls around its points, each ball reaching that point's
    k-th nearest neighbour in the same set. precision = the fraction of generated samples inside the
    real manifold (are the samples realistic?); recall = the fraction of real samples inside the
    generated manifold (is all of the real data produced?). real: (N, D), fake: (M, D), N, M > k.
    Distances in float64, in batches of `batch` rows (memory batch * max(N, M) floats).
    """
    real = _check_features(real_features, "real_features")
    fake = _check_features(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"precision_recall: real_features have {real.shape[1]} dimensions, "
                         f"fake_features have {fake.shape[1]}")
    if not isinstance(k, (int, np.integer)) or k < 1 or k >= min(len(real), len(fake)):
        raise ValueError("precision_recall: k must be an integer in "
                         f"1..{min(len(real), len(fake)) - 1} "
                         f"(fewer than the samples in each set), got {k!r}")
    real_radii = _knn_radii(real, k, batch)
    fake_radii = _knn_radii(fake, k, batch)
    return {
        "precision": float(_inside_manifold(fake, real, real_radii, batch).mean()),
        "recall": float(_inside_manifold(real, fake, fake_radii, batch).mean()),
    }


def density_coverage(real_features, fake_features, k: int = 5, batch: int = 1000) -> dict:
    """Density and coverage (Naeem et al. 2020), the outlier-robust counterparts of
    precision/recall.

    Only the real set gets k-NN balls (ball i reaches real point i's k-th nearest real neighbour):

        density  = 1/(k M) * sum_j #{i : fake_j in ball_i}      (how many real balls hold a
                                                                 sample; about 1 for fakes
                                                                 distributed like the data, can
                                                                 exceed 1)
        coverage = 1/N * #{i : ball_i holds at least one fake}  (which real neighbourhoods are
                                                                 reached)

    A single real outlier, whose ball is huge, adds at most 1/k to a sample's density and 1/N to
    coverage, where it would make k-NN precision count the sample as realistic.
    real: (N, D), fake: (M, D), k < N. Distances in float64, in batches of `batch` rows.
    """
    real = _check_features(real_features, "real_features")
    fake = _check_features(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"density_coverage: real_features have {real.shape[1]} dimensions, "
                         f"fake_features have {fake.shape[1]}")
    if not isinstance(k, (int, np.integer)) or k < 1 or k >= len(real):
        raise ValueError(f"density_coverage: k must be an integer in 1..{len(real) - 1} "
                         f"(fewer than the real samples), got {k!r}")
    radii = _knn_radii(real, k, batch)
    balls_holding = 0
    covered = np.zeros(len(real), dtype=bool)
    for start in range(0, len(fake), batch):
        inside = _pairwise_sq_distances(fake[start:start + batch],
                                        real) <= radii[None, :]  # (batch, N)
        balls_holding += int(inside.sum())
        covered |= inside.any(axis=0)
    return {"density": balls_holding / (k * len(fake)), "coverage": float(covered.mean())}


# ----------------------------------------------------------------------------- image-to-image
#
# A translation has a right answer (the target), so besides the feature-based metrics above it can
# be measured pixel by pixel: PSNR. And blur, the typical failure of a pixel loss, has a measure of
# its own: the energy of the image gradient.


def _check_image_pair(output, target, who: str):
    output, target = np.asarray(output, np.float64), np.asarray(target, np.float64)
    if output.shape != target.shape or output.ndim != 4 or len(output) == 0:
        raise ValueError(f"{who} expects two arrays of images of one shape (N, C, H, W) with "
                         f"N >= 1, got {output.shape} and {target.shape}")
    return output, target


def psnr(output, target, data_range: float = 2.0, mask=None) -> float:
    """Peak signal-to-noise ratio in dB, the mean over images of 10 log10(data_range^2 / MSE_i).

    output, target: (N, C, H, W); data_range: max - min of the pixel scale (2 for [-1, 1]);
    mask: (H, W) bool, only these pixels count (the filled-in region of an inpainting). Higher is
    closer; +6 dB is half the root-mean-square error. An image equal to its target (MSE 0) counts
    as 100 dB, so one exact copy does not make the mean infinite.
    """
    output, target = _check_image_pair(output, target, "psnr")
    diff = (output - target) ** 2
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != output.shape[2:] or not mask.any():
            raise ValueError(f"psnr: mask must be a non-empty (H, W) = {output.shape[2:]} bool "
                             f"array, got shape {mask.shape}")
        diff = diff[:, :, mask]
    mse = diff.reshape(len(diff), -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        values = np.where(mse > 0, 10 * np.log10(data_range ** 2 / np.maximum(mse, 1e-300)), 100.0)
    return float(np.minimum(values, 100.0).mean())


def gradient_energy(images) -> float:
    """Sharpness: the mean squared difference between neighbouring pixels,
    mean over images and pixels of (x[i, j+1] - x[i, j])^2 + (x[i+1, j] - x[i, j])^2 (halved:
    the mean of the two). images: (N, C, H, W). A blurred image has less of it than a sharp one
    (blur averages neighbours together); noise has more. Compare it with the same measure on real
    images: a ratio below 1 is blur."""
    images = np.asarray(images, np.float64)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"gradient_energy expects images (N, C, H, W) with N >= 1, got "
                         f"{images.shape}")
    dx = np.diff(images, axis=3) ** 2
    dy = np.diff(images, axis=2) ** 2
    return float((dx.mean() + dy.mean()) / 2)
# ----------------------------------------------------------------------------- copies and blur


def nearest_neighbours(queries, reference, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """For each row of `queries` (N, ...), its nearest row of `reference` (M, ...) in Euclidean
    distance over all remaining dimensions (pixels, features): (distances (N,), indices (N,)).

    Does a generator copy its training data? Compare the distances of its samples to the training
    set with those of real images it never saw (lesson 22). Float64, in batches of `batch` queries
    (memory batch * M floats); an exact copy is at distance 0.
    """
    q = np.asarray(queries, dtype=np.float64).reshape(len(queries), -1)
    r = np.asarray(reference, dtype=np.float64).reshape(len(reference), -1)
    if q.shape[1] != r.shape[1] or len(r) == 0:
        raise ValueError(f"nearest_neighbours: queries {np.shape(queries)} and reference "
                         f"{np.shape(reference)} must hold rows of the same size, and the "
                         f"reference at least one")
    distances, indices = np.empty(len(q)), np.empty(len(q), dtype=np.int64)
    for start in range(0, len(q), batch):
        d = _pairwise_sq_distances(q[start:start + batch], r)
        nearest = d.argmin(axis=1)
        indices[start:start + batch] = nearest
        # the exact squared distance of the winner (the expansion |a|^2 + |b|^2 - 2ab rounds)
        diff = q[start:start + batch] - r[nearest]
        distances[start:start + batch] = np.sqrt((diff * diff).sum(axis=1))
    return distances, indices


def laplacian_sharpness(images) -> np.ndarray:
    """The variance of each image's discrete Laplacian, (N, C, H, W) -> (N,): how much fine detail
    (edges, texture) an image holds. A blurred image has a smaller value than the sharp original.

    Laplacian: 4 x[i, j] - x[i-1, j] - x[i+1, j] - x[i, j-1] - x[i, j+1] on the interior pixels."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 4 or x.shape[2] < 3 or x.shape[3] < 3:
        raise ValueError(f"laplacian_sharpness expects images of shape (N, C, H, W) with "
                         f"H, W >= 3, got {x.shape}")
    lap = (4 * x[:, :, 1:-1, 1:-1] - x[:, :, :-2, 1:-1] - x[:, :, 2:, 1:-1]
           - x[:, :, 1:-1, :-2] - x[:, :, 1:-1, 2:])
    return lap.reshape(len(x), -1).var(axis=1)
