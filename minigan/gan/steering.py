"""Steering a trained generator: walking its latent space, measuring how smooth the walk is,
finding directions that change one attribute, editing along them (and measuring what else
changes), and editing toward a class by gradient ascent through a classifier.

    space = LatentSpace(G, "w")                  # "z" for any G; "w" for a StyleGenerator
    latents = space.sample(200, seed=0)
    images = space.images(latents)              # G in eval mode, fixed noise per sample
    path_length(space, evaluator, "linear")      # perceptual path length (Karras et al. 2019)
    values = attributes(images, evaluator)       # brightness, size, class probabilities
    d = find_direction(latents, values["brightness"])
    edited = space.images(latents + 2 * d)
    guided = classifier_guided_edit(space, latents[:8], evaluator, target=1)

Everything works on NumPy latents (N, D); only classifier_guided_edit builds a graph, through G and
the classifier, and follows the gradient with minigan's autograd.
"""

from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import functional as F
from minigan.gan.models.stylegan import COARSE, FINE, MIDDLE, StyleGenerator, noise_shapes
from minigan.gan.sampling import generate


# ----------------------------------------------------------------------------- interpolation


def lerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """Linear interpolation (1 - t) a + t b of latents a, b (D,) or (N, D); t a number or (T,)
    (then the result has a new first axis of T points)."""
    t = np.asarray(t, dtype=np.float64)
    if t.ndim:
        return np.stack([lerp(a, b, s) for s in t])
    return ((1 - t) * a + t * b).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """Spherical interpolation along the great circle between the directions of a and b:

        slerp(a, b, t) = sin((1 - t) W) / sin W * a + sin(t W) / sin W * b,  cos W = a.b / |a||b|

    For Gaussian latents it keeps the norm near its typical value sqrt(D) on the whole path, where
    a straight line passes closer to the origin (a region G rarely saw in training)."""
    t = np.asarray(t, dtype=np.float64)
    if t.ndim:
        return np.stack([slerp(a, b, s) for s in t])
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    cos = (a64 * b64).sum(-1, keepdims=True) / (np.linalg.norm(a64, axis=-1, keepdims=True)
                                                * np.linalg.norm(b64, axis=-1, keepdims=True))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    sin = np.sin(omega)
    with np.errstate(invalid="ignore", divide="ignore"):  # a, b parallel: lerp is the limit
        out = np.where(sin > 1e-6, (np.sin((1 - t) * omega) * a64 + np.sin(t * omega) * b64) / sin,
                       (1 - t) * a64 + t * b64)
    return out.astype(np.float32)


INTERPOLATIONS = {"linear": lerp, "spherical": slerp}


# ----------------------------------------------------------------------------- latent spaces


class LatentSpace:
    """Where to walk: "z" (the input of any G) or "w" (a StyleGenerator's intermediate latent,
    after the mapping network). The images of a batch of n latents use the same stochastic noise
    for the same n and noise_seed (a StyleGenerator's noise inputs), so an edit changes what the
    latent controls and nothing else."""

    def __init__(self, G, space: str = "z", noise_seed: int = 0):
        if space not in ("z", "w"):
            raise ValueError(f"space must be 'z' or 'w', got {space!r}")
        if space == "w" and not isinstance(G, StyleGenerator):
            raise ValueError(f"the w space belongs to a style-based generator; {type(G).__name__} "
                             "has only z")
        self.G, self.space, self.noise_seed = G, space, noise_seed
        self.styled = isinstance(G, StyleGenerator)

    @property
    def dim(self) -> int:
        return self.G.w_dim if self.space == "w" else self.G.latent_dim

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n latents: z ~ N(0, I), or w = mapping(z) for the w space. (n, dim) float32."""
        z = np.random.default_rng(seed).standard_normal((n, self.G.latent_dim)).astype(np.float32)
        return self.to_w(z) if self.space == "w" else z

    def to_w(self, z: np.ndarray) -> np.ndarray:
        with mg.no_grad():
            return self.G.mapping(mg.tensor(z)).numpy()

    def noise(self, n: int) -> list | None:
        if not self.styled:
            return None
        rng = np.random.default_rng(self.noise_seed)
        return [mg.tensor(rng.standard_normal(shape).astype(np.float32))
                for shape in noise_shapes(n)]

    def render(self, latents, noise=None):
        """Images (a Tensor, with the graph) of latents (a Tensor (N, dim)); G as it is (call
        it in eval mode)."""
        if not self.styled:
            return self.G(latents)
        w = self.G.mapping(latents) if self.space == "z" else latents
        return self.G.synthesis(self.G.broadcast(w), noise)

    def images(self, latents: np.ndarray, batch: int = 500) -> np.ndarray:
        """The images (N, C, 28, 28) of latents (N, dim), G in eval mode, without a graph."""
        latents = np.asarray(latents, dtype=np.float32)
        noise = self.noise(len(latents))
        parts = []
        for start in range(0, len(latents), batch):
            part = None if noise is None else [m[start:start + batch] for m in noise]
            parts.append(generate(_Rendered(self, part), mg.tensor(latents[start:start + batch])))
        return np.concatenate(parts)


class _Rendered(mg.nn.Module):
    """LatentSpace.render as a module, so that gan.generate puts G in eval mode around it."""

    def __init__(self, space: LatentSpace, noise):
        super().__init__()
        self.G, self._space, self._noise = space.G, space, noise
        self.train(space.G.training)  # gan.generate restores this mode, G's own

    def forward(self, latents):
        return self._space.render(latents, self._noise)


# ----------------------------------------------------------------------------- smoothness


def path_length(space: LatentSpace, evaluator, mode: str = "linear", n: int = 1000,
                eps: float = 1e-2, seed: int = 0) -> dict:
    """The perceptual path length (Karras et al. 2019, sec. 4.2), on the evaluator's features.

    For n random pairs of latents and t ~ U(0, 1), the images at t and t + eps along the
    interpolation (mode "linear" or "spherical") are compared through the evaluator's 128
    features: d = |f(t + eps) - f(t)|^2 / eps^2. A smooth map changes its images little for a
    small step everywhere; a map with sudden changes has large d somewhere. As in the paper, the
    1% smallest and largest values are dropped before the mean. Returns mean, median and the d's.
    """
    rng = np.random.default_rng(seed)
    a, b = space.sample(n, seed=seed), space.sample(n, seed=seed + 1)
    t = rng.uniform(0, 1 - eps, (n, 1))
    walk = INTERPOLATIONS[mode]
    pairs = np.concatenate([_along(walk, a, b, t),
                            _along(walk, a, b, t + eps)])
    noise = space.noise(n)
    if noise is not None:  # the same noise at both ends of a step
        noise = [mg.tensor(np.concatenate([m.numpy(), m.numpy()])) for m in noise]
    images = generate(_Rendered(space, noise), mg.tensor(pairs))
    features, _ = evaluator.features_and_probabilities(images)
    d = ((features[n:] - features[:n]) ** 2).sum(axis=1) / eps ** 2
    low, high = np.percentile(d, [1, 99])
    kept = d[(d >= low) & (d <= high)]
    return {"mean": float(kept.mean()), "median": float(np.median(d)), "values": d}


def _along(walk, a, b, t) -> np.ndarray:
    """walk(a[i], b[i], t[i]) for every row i."""
    return np.stack([walk(a[i], b[i], float(t[i, 0])) for i in range(len(a))])


# ----------------------------------------------------------------------------- attributes


def attributes(images: np.ndarray, evaluator) -> dict:
    """Per-image attributes of (N, 1, 28, 28) images in [-1, 1]:

        brightness   the mean grey level of the garment's pixels (those above -0.5), in [0, 1]
        size         the share of the image the garment covers (pixels above -0.5)
        class        the evaluator's predicted class; probabilities: (N, 10)
    """
    x = np.asarray(images, np.float64)[:, 0]
    garment = x > -0.5
    size = garment.mean(axis=(1, 2))
    brightness = ((x + 1) / 2 * garment).sum(axis=(1, 2)) / np.maximum(garment.sum(axis=(1, 2)), 1)
    _, probabilities = evaluator.features_and_probabilities(images)
    return {"brightness": brightness, "size": size, "class": probabilities.argmax(axis=1),
            "probabilities": probabilities}


def find_direction(latents: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The unit direction in latent space along which `values` grow fastest on average: the
    least-squares fit values ~ latents @ beta + c, beta normalised (InterFaceGAN uses a linear
    classifier's normal in the same way)."""
    latents = np.asarray(latents, np.float64)
    design = np.concatenate([latents - latents.mean(axis=0), np.ones((len(latents), 1))], axis=1)
    beta = np.linalg.lstsq(design, np.asarray(values, np.float64), rcond=None)[0][:-1]
    return (beta / np.linalg.norm(beta)).astype(np.float32)


def edit_effects(space: LatentSpace, latents: np.ndarray, direction: np.ndarray, amount: float,
                 evaluator, target: str) -> dict:
    """Move every latent by amount * direction and measure, in units of each attribute's standard
    deviation over the unedited images: the change of `target` ("brightness" or "size", or
    "p<k>" for the probability of class k) and the mean absolute change of the others (their
    drift, the entanglement). Also the share of images whose predicted class changed."""
    before = attributes(space.images(latents), evaluator)
    after = attributes(space.images(latents + amount * direction), evaluator)
    columns = {"brightness": (before["brightness"], after["brightness"]),
               "size": (before["size"], after["size"])}
    if target.startswith("p"):
        k = int(target[1:])
        columns[target] = (before["probabilities"][:, k], after["probabilities"][:, k])
    change = {name: (b_after - b_before) / max(b_before.std(), 1e-12)
              for name, (b_before, b_after) in columns.items()}
    others = [name for name in ("brightness", "size") if name != target]
    return {"target_change": float(change[target].mean()),
            "drift": float(np.mean([np.abs(change[name]).mean() for name in others])),
            "class_changed": float((before["class"] != after["class"]).mean())}


# ----------------------------------------------------------------------------- guided editing


def classifier_guided_edit(space: LatentSpace, latents: np.ndarray, evaluator, target: int,
                           steps: int = 20, lr: float = 0.1, stay: float = 0.01) -> dict:
    """Gradient ascent on the latents toward class `target`, through G and the evaluator's
    classifier, with minigan's autograd:

        maximise  log p(target | G(latent)) - stay * |latent - latent_0|^2

    (the second term keeps the edit near where it started). Returns the latents and the target
    probability after each step (the first row: before any step)."""
    start = mg.tensor(np.asarray(latents, np.float32))
    latent = start.clone().requires_grad_()
    classifier = evaluator.model
    noise = space.noise(len(latents))
    path, probabilities = [start.numpy()], []
    was_training = space.G.training
    space.G.eval()
    try:
        for step in range(steps + 1):
            logits = classifier(space.render(latent, noise))
            log_p = F.log_softmax(logits, dim=1)[:, target]
            probabilities.append(np.exp(log_p.detach().numpy().astype(np.float64)))
            if step == steps:
                break
            objective = log_p.sum() - stay * ((latent - start) ** 2).sum()
            (grad,) = mg.grad(objective, latent)
            with mg.no_grad():
                latent = (latent + lr * grad).requires_grad_()
            path.append(latent.detach().numpy())
    finally:
        space.G.train(was_training)
    return {"latents": np.stack(path), "probabilities": np.stack(probabilities)}


# ----------------------------------------------------------------------------- pictures


STYLE_LAYERS = {"coarse": COARSE, "middle": MIDDLE, "fine": FINE}


def mixing_grid(G: StyleGenerator, z_a: np.ndarray, z_b: np.ndarray, layers="coarse",
                noise_seed: int = 0) -> np.ndarray:
    """The style-mixing figure of the StyleGAN paper as (len(z_b) + 1) * (len(z_a) + 1) images,
    row by row: the top row shows the A sources (after a blank corner), the left column the B
    sources, and the image in row i, column j is A_j with the styles of `layers` ("coarse":
    the 7x7 layers, "middle": 14x14, "fine": 28x28, or a list of layer indices) taken from B_i."""
    if not isinstance(G, StyleGenerator):
        raise ValueError(f"style mixing needs a style-based generator, got {type(G).__name__}")
    taken = list(STYLE_LAYERS[layers] if isinstance(layers, str) else layers)
    space = LatentSpace(G, "w", noise_seed)
    w_a, w_b = space.to_w(np.asarray(z_a, np.float32)), space.to_w(np.asarray(z_b, np.float32))
    na, nb = len(w_a), len(w_b)
    rows = [np.full((1, G.synthesis.to_rgb.weight.shape[0], 28, 28), 1.0, np.float32),
            _synthesise(G, np.repeat(w_a[:, None], 6, axis=1), space.noise(na))]
    for i in range(nb):
        ws = np.repeat(w_a[:, None], 6, axis=1)
        ws[:, taken] = w_b[i]
        rows += [_synthesise(G, np.repeat(w_b[i:i + 1, None], 6, axis=1), space.noise(1)),
                 _synthesise(G, ws, space.noise(na))]
    return np.concatenate(rows)


def _synthesise(G: StyleGenerator, ws: np.ndarray, noise) -> np.ndarray:
    """G.synthesis(ws, noise) as NumPy images, in eval mode."""
    return generate(_Synthesis(G, noise), mg.tensor(ws))


class _Synthesis(mg.nn.Module):
    def __init__(self, G, noise):
        super().__init__()
        self.G, self._noise = G, noise
        self.train(G.training)

    def forward(self, ws):
        return self.G.synthesis(ws, self._noise)


def latent_walk(space: LatentSpace, n: int = 16, keypoints: int = 4, frames: int = 12,
                seed: int = 0) -> list:
    """A looping walk for each of n images through `keypoints` random latents, spherical in z
    (linear in w, whose distribution is not a Gaussian ball): a list of keypoints * frames image
    batches (n, C, 28, 28), the frames of a GIF."""
    points = space.sample(n * keypoints, seed=seed).reshape(keypoints, n, -1)
    walk = slerp if space.space == "z" else lerp
    ts = np.arange(frames) / frames
    pictures = []
    for k in range(keypoints):
        for t in ts:
            pictures.append(space.images(walk(points[k], points[(k + 1) % keypoints], t)))
    return pictures
