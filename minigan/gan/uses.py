"""GANs in use, measured (lesson 22 and experiments/): a classifier trained with and without
generated images, and the checks a released generator owes its data (copies, membership).

    model = train_classifier(images, labels, steps=1000, seed=0)                  # few real images
    model = train_classifier(images, labels, extra=(fake_images, fake_labels))    # + cGAN samples
    accuracy(model, test_images, test_labels)
    membership_auc(D_scores_on_training_images, D_scores_on_unseen_images)       # 0.5: no leak

The classifier is the evaluator's network (`evaluator.Classifier28`); with labels 0/1 it is also the
detector of generated images (real = 1, generated = 0).
"""

from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import functional as F
from minigan import optim
from minigan.gan.evaluator import Classifier28


def halves(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random split of range(n) into two halves (first, second): e.g. a pool to train from
    and a test set that nothing is trained on."""
    order = np.random.default_rng(seed).permutation(n)
    return order[:n // 2], order[n // 2:]


def train_cgan(images, labels, classes, steps: int, seed: int = 0, progress: bool = False):
    """A class-conditional DCGAN (the default_config("cgan") recipe) trained on these images only
    (N, 1, 28, 28) with labels (N,); returns its Trainer (G, D, .sample(z, labels))."""
    from minigan.datasets import ImageDataset
    from minigan.gan.recipes import build, default_config
    from minigan.gan.training import Trainer

    config = default_config("cgan", "sample", seed=seed, steps=steps, sample_every=0,
                            checkpoint_every=0)
    dataset = ImageDataset(np.asarray(images, np.float32), np.asarray(labels, np.int64), classes,
                           name=f"{len(images)} images")
    run = build(config, dataset=dataset)
    trainer = Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config, conditional=True)
    trainer.fit(progress=progress)
    return trainer


def conditional_samples(trainer, labels, batch: int = 500) -> np.ndarray:
    """One sample of the trainer's conditional G per label (N,), in eval mode: (N, 1, 28, 28)."""
    labels = np.asarray(labels, np.int64)
    parts = np.array_split(labels, max(1, -(-len(labels) // batch)))
    return np.concatenate([trainer.sample(mg.randn(len(part), trainer.G.latent_dim),
                                          mg.tensor(part, dtype=mg.int64))
                           for part in parts])


def discriminator_scores(D, images, labels=None, batch: int = 500) -> np.ndarray:
    """D's raw output (N,) on images (N, 1, 28, 28) (and labels, for a conditional D), in eval
    mode."""
    was_training = D.training
    D.eval()
    out = []
    try:
        with mg.no_grad():
            for start in range(0, len(images), batch):
                x = mg.tensor(np.asarray(images[start:start + batch], np.float32))
                if labels is None:
                    out.append(D(x).numpy().ravel())
                else:
                    y = mg.tensor(np.asarray(labels[start:start + batch]), dtype=mg.int64)
                    out.append(D(x, y).numpy().ravel())
    finally:
        D.train(was_training)
    return np.concatenate(out)


def class_balanced_subset(labels, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of `per_class` examples of each class in `labels` (N,), drawn without replacement by
    `rng`, sorted. ValueError when a class has fewer than `per_class` examples."""
    labels = np.asarray(labels)
    chosen = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise ValueError(f"class_balanced_subset: class {c} has {len(members)} examples, "
                             f"fewer than per_class={per_class}")
        chosen.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def classic_augment(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """The augmentation a GAN competes with: each image (N, C, H, W) in [-1, 1] flipped left-right
    with probability 1/2 and shifted by up to `max_shift` pixels in each direction (the uncovered
    border filled with -1, the background). Returns new images."""
    n, _, h, w = images.shape
    flip = rng.random(n) < 0.5
    out = np.where(flip[:, None, None, None], images[..., ::-1], images)
    border = (max_shift, max_shift)
    padded = np.pad(out, ((0, 0), (0, 0), border, border), constant_values=-1.0)
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, n))
    shifted = [padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)]
    return np.stack(shifted).astype(images.dtype)


def train_classifier(images, labels, steps: int = 1000, batch_size: int = 64, lr: float = 1e-3,
                     seed: int = 0, extra=None, augment: bool = False,
                     num_classes: int | None = None) -> Classifier28:
    """A Classifier28 trained with Adam on cross-entropy for `steps` batches, from seed `seed`.

    images: (N, 1, 28, 28) in [-1, 1]; labels: (N,) integers. extra: optional (images, labels) of
    another source (generated images): each batch then takes half its examples from each source,
    so the real images keep their weight however many extra ones there are. augment: pass the real
    half of each batch through classic_augment. Every run makes the same number of steps, so the
    variants compared in lesson 22 get the same compute. Returned in eval mode.
    """
    images, labels = np.asarray(images, np.float32), np.asarray(labels, np.int64)
    sources = [(images, labels)]
    if extra is not None:
        sources.append(tuple(np.asarray(a) for a in extra))
    k = num_classes or int(max(int(lab.max()) for _, lab in sources)) + 1
    rng = np.random.default_rng(seed)
    mg.manual_seed(seed)
    model = Classifier28(num_classes=k)
    opt = optim.Adam(model.parameters(), lr=lr)
    shares = [batch_size // len(sources)] * len(sources)
    shares[0] += batch_size - sum(shares)
    model.train()
    for _ in range(steps):
        xs, ys = [], []
        for i, ((x, y), share) in enumerate(zip(sources, shares)):
            pick = rng.integers(0, len(x), share)
            xs.append(classic_augment(x[pick], rng) if augment and i == 0 else x[pick])
            ys.append(y[pick])
        loss = F.cross_entropy(model(mg.tensor(np.concatenate(xs).astype(np.float32))),
                               mg.tensor(np.concatenate(ys), dtype=mg.int64))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def predict(model, images, batch_size: int = 500) -> np.ndarray:
    """The class (N,) a classifier gives each image (eval mode, no graph)."""
    out = []
    with mg.no_grad():
        for start in range(0, len(images), batch_size):
            x = mg.tensor(np.asarray(images[start:start + batch_size], np.float32))
            out.append(model(x).numpy().argmax(1))
    return np.concatenate(out)


def accuracy(model, images, labels) -> float:
    """The share of `images` that `model` classifies as `labels`."""
    return float((predict(model, images) == np.asarray(labels)).mean())


def membership_auc(member_scores, nonmember_scores) -> float:
    """How well a score tells training members from non-members: the probability that a random
    member scores higher than a random non-member (ties count 1/2), i.e. the area under the ROC
    curve. 0.5: the score carries no membership information; 1: it separates them perfectly.

    Used with the discriminator's output (Hayes et al. 2019): a D that has memorised its training
    images scores them higher than unseen real images of the same distribution."""
    a = np.asarray(member_scores, np.float64).ravel()
    b = np.asarray(nonmember_scores, np.float64).ravel()
    if len(a) == 0 or len(b) == 0:
        raise ValueError(f"membership_auc needs scores of both groups, got {len(a)} and {len(b)}")
    greater = (a[:, None] > b[None, :]).mean()                  # every (member, non-member) pair
    ties = (a[:, None] == b[None, :]).mean()
    return float(greater + 0.5 * ties)
