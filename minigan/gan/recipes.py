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
from minigan.gan.settings import (IMAGE_DATASETS, MODELS, TOY_DATASETS,  # noqa: F401 (re-exported)
                                   check_backend_available)
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
    (its paper's: bce, wgan-gp for progan)."""
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


def build(config: TrainConfig, dataset=None, root=None) -> Run:
    """Seed, pick the backend, load the data, and build models, optimizers and the loader."""
    check_backend_available(config.backend)
    mg.set_backend(config.backend)
    mg.manual_seed(config.seed)
    dataset = dataset if dataset is not None else load_training_data(config, root)
    if config.batch_size > len(dataset):
        raise ValueError(f"batch_size must be at most the dataset's size ({len(dataset)} samples "
                         f"in {config.dataset!r}), got {config.batch_size}")
    sample = dataset[0]
    data_shape = tuple(np.asarray(sample[0] if isinstance(sample, tuple) else sample).shape)
    G, D, conditional = build_models(config, data_shape)
    if config.backend != "numpy":
        G.to(config.backend)
        D.to(config.backend)
    opt_g, opt_d = build_optimizers(config, G, D)
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, drop_last=True)
    return Run(G, D, opt_g, opt_d, loader, dataset, conditional)


def make_trainer(run: Run, config: TrainConfig, out_dir=None, eval_fn=None) -> Trainer:
    """The Trainer of a built run: a ProgressiveTrainer for the growing models (progan)."""
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
    shape = (2,) if kind_of(config.dataset) == "toy" else (1, config.image_size, config.image_size)
    G, _, _ = build_models(config, shape)
    try:
        G.load_state_dict(state["G"])
    except RuntimeError as err:
        raise ValueError(f"{checkpoint}: the generator's weights do not fit the {config.model!r} "
                         f"model its config describes ({err})") from None
    return G, config
