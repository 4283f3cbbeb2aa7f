"""Defaults that work for every model/dataset pair, and building a whole run from a config.

    config = default_config("mlp", "ring")            # a TrainConfig that reaches all 8 modes
    run = build(config)                               # models, optimizers, data loader
    Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config, conditional=run.conditional)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import minigan as mg
from minigan import optim
from minigan.datasets import DataLoader, load_dataset
from minigan.datasets.images import resize_images
from minigan.gan import remedies
from minigan.gan.models import FAMILIES
from minigan.gan.models.progan import active_parameters
from minigan.gan.losses import get_loss
from minigan.gan.settings import (IMAGE_DATASETS, MODEL_LOSS, MODEL_TASK, MODELS,  # noqa: F401
                                   TOY_DATASETS, check_backend_available)  # (re-exported)
from minigan.gan.training import TrainConfig, Trainer, check_checkpoint

# Images: the hyperparameters of the papers that introduced each loss. 2-D data: larger steps, as
# the toy runs are short (experiments/ring_losses.py measures what each loss reaches on the ring).
_LOSS_DEFAULTS = {
    ("wgan", "image"): dict(optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, n_critic=5),
    ("wgan-gp", "image"): dict(lr_g=1e-4, lr_d=1e-4, betas=(0.5, 0.9), n_critic=5),
    ("wgan", "toy"): dict(optimizer="rmsprop", lr_g=5e-4, lr_d=5e-4, n_critic=5, clip_value=0.05,
                          steps=3000),
    # gp_weight 0.1 on toy data, as in the WGAN-GP authors' own toy experiments (10 is for images)
    ("wgan-gp", "toy"): dict(lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.9), n_critic=5, steps=2000,
                             gp_weight=0.1),
}

# The 25-mode grid needs wider layers than the ring.
_DATASET_DEFAULTS = {"grid": dict(width=256)}


def kind_of(dataset: str) -> str:
    if dataset in TOY_DATASETS:
        return "toy"
    if dataset in IMAGE_DATASETS:
        return "image"
    raise ValueError(f"dataset must be one of {', '.join(TOY_DATASETS + IMAGE_DATASETS)}, got "
                     f"{dataset!r}")


def default_config(model: str = "dcgan", dataset: str = "sample", loss: str | None = None,
                   source: str = "the config", **overrides) -> TrainConfig:
    """The defaults for a model/dataset/loss combination, with `overrides` on top (checked by
    minigan.gan.settings; `source` names them in error messages). loss None: the model's own
    (its paper's: bce; lsgan for cyclegan, wgan-gp for progan)."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    kind = kind_of(dataset)
    family = FAMILIES[model]
    loss = family.default_loss if loss is None else loss
    get_loss(loss)
    if kind not in family.defaults:
        raise ValueError(f"model {model!r} does not work on {kind} data ({dataset!r}); "
                         f"use --model mlp for {', '.join(TOY_DATASETS)}")
    values = dict(model=model, dataset=dataset, loss=loss)
    values.update(family.defaults[kind])
    values.update(_DATASET_DEFAULTS.get(dataset, {}) if kind == "toy" else {})
    if loss != family.default_loss:  # the family's defaults are for its own loss
        values.update(_LOSS_DEFAULTS.get((loss, kind), {}))
    if get_loss(loss).d_loss is not get_loss("bce").d_loss:
        values["label_smoothing"] = 0.0  # smoothing is defined for the BCE losses only
    values.update(overrides)
    return TrainConfig.from_dict(values, source=source)


@dataclass
class Run:
    G: object
    D: object
    opt_g: object
    opt_d: object
    loader: object
    dataset: object
    conditional: bool
    held_out: object = None    # image-to-image: the held-out ImagePairs (snapshots, evaluation)
    features: object = None    # srgan with feature_weight > 0: the feature network of its loss


def build_models(config: TrainConfig, data_shape):
    """(G, D, conditional) for the config; data_shape is one sample's shape, e.g. (1, 28, 28).

    The family's plain G and D (minigan/gan/models/, its row of FAMILIES), then the remedies that
    change D composed onto it (minigan/gan/remedies.py): a minibatch layer before its head
    (config.minibatch), PacGAN packing (config.pack: D built for pack * C channels and wrapped in
    Packed), spectral normalisation of every Linear and Conv2d (config.spectral_norm). A WGAN-GP
    critic has no BatchNorm (its gradient penalty is per sample)."""
    family = FAMILIES[config.model]
    if (config.pack != 1 or config.minibatch != "none") and not family.linear_head:
        linear = ", ".join(name for name, f in FAMILIES.items() if f.linear_head)
        raise ValueError("minibatch and pack are available for the "
                         f"{linear.replace(', ', ' and ')} "
                         f"models, got model {config.model!r}")
    if not isinstance(config.pack, int) or config.pack < 1 or config.batch_size % config.pack:
        raise ValueError("pack must be a positive integer dividing batch_size "
                         f"({config.batch_size}), "
                         f"got {config.pack!r}")
    G = family.generator(config, data_shape)
    packed_shape = (config.pack * data_shape[0], *data_shape[1:])
    D = family.discriminator(config, packed_shape, batchnorm=not get_loss(config.loss).penalty)
    remedies.add_minibatch_layer(D, config.minibatch, init=family.init)
    if config.pack > 1:
        D = remedies.Packed(D, config.pack)
    if config.spectral_norm:
        remedies.spectral_normalise(D)
    return G, D, family.conditional


def feature_network(root=None):
    """SRGAN's feature loss network: the evaluator's two convolutions and their ReLUs, (N, 1, 28,
    28) -> (N, 64, 7, 7), frozen (the paper uses VGG's convolutional features the same way)."""
    from minigan.gan.evaluator import load_evaluator

    network = load_evaluator("fashion-mnist", root=root).model.features[:4]
    network.requires_grad_(False)
    return network.eval()


def build_optimizers(config: TrainConfig, G, D):
    """Adam or RMSprop for each model, over the parameters it uses now (a growing model's later
    stages join as parameter groups when they grow: gan.progressive)."""
    g_params, d_params = active_parameters(G), active_parameters(D)
    if config.optimizer == "adam":
        return (optim.Adam(g_params, lr=config.lr_g, betas=tuple(config.betas)),
                optim.Adam(d_params, lr=config.lr_d, betas=tuple(config.betas)))
    if config.optimizer == "rmsprop":
        return optim.RMSprop(g_params, lr=config.lr_g), optim.RMSprop(d_params, lr=config.lr_d)
    raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {config.optimizer!r}")


def load_training_data(config: TrainConfig, root=None):
    """The dataset a config trains on (images resized to config.image_size)."""
    dataset = load_dataset(config.dataset, root=root)
    if kind_of(config.dataset) == "image" and config.image_size != dataset.images.shape[-1]:
        dataset.images = resize_images(dataset.images, config.image_size)
    return dataset


# ----------------------------------------------------------------------------- memory

DATA_SIZES = {"sample": 10_000, "fashion-mnist": 60_000, "mnist": 60_000}  # the train splits
TOY_POINTS = 100_000  # load_dataset's default for "ring" and "grid"


def data_shape_of(config: TrainConfig) -> tuple:
    """One sample's shape: (2,) for the 2-D mixtures, (1, image_size, image_size) for images."""
    return (2,) if kind_of(config.dataset) == "toy" else (1, config.image_size, config.image_size)


def count_weights(config: TrainConfig) -> tuple[int, int]:
    """(numbers in G's state dict, in D's) for the config, without building the full models.

    Every weight is (inputs x outputs) with each side a multiple of width, of latent_dim or a
    constant, so a count is a polynomial of degree 2 in width and 1 in latent_dim: it is exact
    from six builds at widths 1, 2, 3 and latent sizes 1, 2 (each a few thousand numbers)."""
    def counts(width: int, latent: int) -> tuple[int, int]:
        small = TrainConfig.from_dict({**config.to_dict(), "width": width, "latent_dim": latent})
        G, D, _ = build_models(small, data_shape_of(config))
        return tuple(sum(int(np.prod(v.shape)) for v in m.state_dict().values()) for m in (G, D))

    rng = mg.get_rng_state()  # the small builds draw initial weights: leave no trace
    try:
        at = {(w, z): counts(w, z) for w in (1, 2, 3) for z in (1, 2)}
    finally:
        mg.set_rng_state(rng)

    def quadratic(q1, q2, q3, w):  # the polynomial through (1, q1), (2, q2), (3, q3), at w
        return (q1 * (w - 2) * (w - 3) - 2 * q2 * (w - 1) * (w - 3) + q3 * (w - 1) * (w - 2)) // 2

    w, z = config.width, config.latent_dim
    result = []
    for part in (0, 1):
        first, second = (quadratic(*(at[(v, latent)][part] for v in (1, 2, 3)), w)
                         for latent in (1, 2))
        result.append(first + (z - 1) * (second - first))
    return result[0], result[1]


def available_memory() -> int | None:
    """Bytes this process can still use: the kernel's MemAvailable, capped by a cgroup (container)
    limit; None where neither can be read (then nothing is checked)."""
    found = []
    try:
        with open("/proc/meminfo") as f:
            found += [int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:")]
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f_max, \
                open("/sys/fs/cgroup/memory.current") as f_now:
            limit = f_max.read().strip()
            if limit != "max":
                found.append(int(limit) - int(f_now.read().strip()))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def estimate_memory(config: TrainConfig, n_data: int) -> dict:
    """The largest allocations of a training run, in bytes, by what they hold (a rough estimate:
    it catches a setting that cannot fit, not a run that is close to the limit)."""
    item = np.dtype(np.float32).itemsize
    size = int(np.prod(data_shape_of(config)))
    g, d = count_weights(config)
    frames = 0
    if kind_of(config.dataset) == "image" and config.sample_every:
        frames = config.num_fixed * size * 2 * (config.steps // config.sample_every + 2)  # uint8
    return {
        # each weight, its gradient and two optimizer moments; unrolling copies D per step
        "weights and optimizer state": item * (4 * g + (4 + 2 * config.unroll) * d),
        "activations": item * config.batch_size * 8 * max(size, 16) * config.width,
        "data": item * n_data * (size + 28 * 28 * (kind_of(config.dataset) == "image")),
        "samples": 2 * item * config.n_samples * size,
        "GIF frames": frames,
    }


def _refuse_if_too_big(parts: dict, what: str, advice: str) -> None:
    available = available_memory()
    needed = sum(parts.values())
    if available is None or needed <= available:
        return
    gib = 1 << 30
    biggest = ", ".join(f"{name} {value / gib:.3g} GiB" for name, value in
                        sorted(parts.items(), key=lambda kv: -kv[1]) if value > needed / 100)
    raise ValueError(f"{what} needs about {needed / gib:.3g} GiB of memory ({biggest}), and this "
                     f"machine has {available / gib:.3g} GiB available: {advice}")


def check_memory(config: TrainConfig, n_data: int | None = None) -> None:
    """ValueError, before anything is allocated, if the run cannot fit in the available memory
    (n_data: the number of training samples; default: the whole train split)."""
    if n_data is None:
        n_data = TOY_POINTS if kind_of(config.dataset) == "toy" else DATA_SIZES[config.dataset]
    if config.batch_size > n_data:
        raise ValueError(f"batch_size must be at most the dataset's size ({n_data} samples "
                         f"in {config.dataset!r}), got {config.batch_size}")
    _refuse_if_too_big(estimate_memory(config, n_data), "this run",
                       "lower --width, --latent-dim, --batch-size, --n-samples or --num-fixed, or "
                       "raise --sample-every")


def check_memory_for_samples(n: int, config: TrainConfig, flag: str) -> None:
    """ValueError if n samples of the config's generator (and their concatenation) cannot fit."""
    item = np.dtype(np.float32).itemsize
    _refuse_if_too_big({"samples": 2 * item * n * int(np.prod(data_shape_of(config)))},
                       f"{flag} {n:,}", f"ask for fewer samples than {n:,}")


def build(config: TrainConfig, dataset=None, root=None) -> Run:
    """Seed, pick the backend, load the data, and build models, optimizers and the loader (after
    checking that the run fits in memory: a clear ValueError instead of a MemoryError)."""
    check_backend_available(config.backend)
    check_memory(config, None if dataset is None else len(dataset))
    mg.set_backend(config.backend)
    mg.manual_seed(config.seed)
    if config.model in MODEL_TASK:
        return _build_translation(config, dataset, root)
    dataset = dataset if dataset is not None else load_training_data(config, root)
    sample = dataset[0]
    data_shape = tuple(np.asarray(sample[0] if isinstance(sample, tuple) else sample).shape)
    G, D, conditional = build_models(config, data_shape)
    if config.backend != "numpy":
        G.to(config.backend)
        D.to(config.backend)
    opt_g, opt_d = build_optimizers(config, G, D)
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, drop_last=True)
    return Run(G, D, opt_g, opt_d, loader, dataset, conditional)


def _build_translation(config: TrainConfig, dataset=None, root=None) -> Run:
    """build() for an image-to-image model: its task's train split (or `dataset`, ImagePairs) and
    held-out split, the models, the optimizers, the loader."""
    from minigan.datasets.translation import load_task

    task = MODEL_TASK[config.model]
    dataset = dataset if dataset is not None else load_task(task, "train", config.dataset, root)
    held_out = load_task(task, "held-out", config.dataset, root)
    if config.batch_size > len(dataset):
        raise ValueError(f"batch_size must be at most the task's size ({len(dataset)} pairs in "
                         f"{task!r}), got {config.batch_size}")
    G, D, _ = build_models(config, (1, 28, 28))
    if config.backend != "numpy":
        G.to(config.backend)
        D.to(config.backend)
    opt_g, opt_d = build_optimizers(config, G, D)
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, drop_last=True)
    features = feature_network(root) if config.model == "srgan" and config.feature_weight else None
    if features is not None and config.backend != "numpy":
        features.to(config.backend)
    return Run(G, D, opt_g, opt_d, loader, dataset, False, held_out, features)


def make_trainer(run: Run, config: TrainConfig, out_dir=None, eval_fn=None) -> Trainer:
    """The Trainer of a built run: a TranslationTrainer for the image-to-image models, a
    ProgressiveTrainer for the growing models (progan)."""
    if config.model in MODEL_TASK:
        from minigan.gan.translation import TranslationTrainer

        return TranslationTrainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config,
                                  run.held_out, out_dir=out_dir, eval_fn=eval_fn,
                                  features=run.features)
    trainer = Trainer
    if FAMILIES[config.model].growing:
        from minigan.gan.progressive import ProgressiveTrainer as trainer
    return trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config, out_dir=out_dir,
                   conditional=run.conditional, eval_fn=eval_fn)


GENERATOR_FORMAT = "minigan-generator-1"


def save_generator(G, config: TrainConfig, path, **info) -> None:
    """A generator alone (its weights and its run's config, plus `info`), for load_generator: a
    few hundred kB where a checkpoint also holds D and both optimizers."""
    mg.save({"format": GENERATOR_FORMAT, "config": config.to_dict(), "G": G.state_dict(), **info},
            path)


def load_generator(checkpoint):
    """(G with the checkpoint's weights, its config) from a GAN checkpoint or a file of
    save_generator (sample it with gan.sample); ValueError if the file is neither or its weights
    do not fit its config's model."""
    state = mg.load(checkpoint)
    if not (isinstance(state, dict) and state.get("format") == GENERATOR_FORMAT):
        check_checkpoint(state, f"{str(checkpoint)!r}")
    config = TrainConfig.from_dict(state["config"], source=f"{checkpoint}'s config")
    G, _, _ = build_models(config, data_shape_of(config))
    try:
        G.load_state_dict(state["G"])
    except RuntimeError as err:
        raise ValueError(f"{checkpoint}: the generator's weights do not fit the {config.model!r} "
                         f"model its config describes ({err})") from None
    return G, config
