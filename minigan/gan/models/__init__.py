"""The GAN families, one module each (as torchvision.models), and the registry the Trainer reads.

    mlp.py      MLPGenerator, MLPDiscriminator                     (Goodfellow et al. 2014)
    dcgan.py    DCGANGenerator28/64, DCGANDiscriminator28/64, dcgan_init  (Radford et al. 2016)
    cgan.py     ConditionalGenerator28, ConditionalDiscriminator28  (Mirza & Osindero 2014)
    pix2pix.py  UNetGenerator28, PatchDiscriminator28                  (Isola et al. 2017)
    cyclegan.py ResnetGenerator28, CycleGenerators, CycleDiscriminators  (Zhu et al. 2017)
    srgan.py    SRResNet28, SRDiscriminator28                          (Ledig et al. 2017)
    inpaint.py  ContextEncoder28, RegionDiscriminator14                (Pathak et al. 2016)
    progan.py   ProGenerator, ProDiscriminator and the stabilisers  (Karras et al. 2018)
    stylegan.py StyleGenerator: mapping, AdaIN, noise, mixing, truncation  (Karras et al. 2019)
    common.py   what the families share (an optional BatchNorm, D's features before its head)

A model reads like its paper: its layers in the order of the paper's figure, nothing else. The
remedies for mode collapse are composed onto a plain model (minigan/gan/remedies.py), and drawing
samples from a trained G is minigan/gan/sampling.py.

Adding a family: write ``<family>.py`` with its G and D and a ``generator(config, data_shape)`` and
``discriminator(config, data_shape, batchnorm)`` that build them from a TrainConfig, then add one
``Family`` row to FAMILIES below. ``python -m minigan train --model <name>``, the settings' checks
and the recipes' defaults all come from that row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from minigan.gan.models import cgan, cyclegan, dcgan, inpaint, mlp, pix2pix, progan, srgan, stylegan
from minigan.gan.models.cgan import ConditionalDiscriminator28, ConditionalGenerator28
from minigan.gan.models.dcgan import (
    DCGANDiscriminator28, DCGANDiscriminator64, DCGANGenerator28, DCGANGenerator64, dcgan_init,
)
from minigan.gan.models.cyclegan import CycleDiscriminators, CycleGenerators, ResnetGenerator28
from minigan.gan.models.inpaint import ContextEncoder28, RegionDiscriminator14
from minigan.gan.models.mlp import MLPDiscriminator, MLPGenerator
from minigan.gan.models.pix2pix import PatchDiscriminator28, UNetGenerator28
from minigan.gan.models.srgan import SRDiscriminator28, SRResNet28
from minigan.gan.models.progan import ProDiscriminator, ProGenerator
from minigan.gan.models.stylegan import StyleGenerator
from minigan.gan.remedies import Packed  # noqa: F401  (gan.models.Packed: where it used to live)
from minigan.gan.sampling import generate, sample  # noqa: F401  (likewise)


@dataclass(frozen=True)
class Family:
    """One row of the registry: what ``--model <name>`` builds, and on which data.

    generator(config, data_shape) -> G and discriminator(config, data_shape, batchnorm) -> D build
    the plain pair from a TrainConfig (data_shape: one sample's shape, e.g. (1, 28, 28); batchnorm
    False: the WGAN-GP critic). data: the kinds of data it trains on ("toy": 2-D points, "image").
    image_size: the image side it is built for (None: any). defaults: per kind of data, the
    TrainConfig values that differ from the settings table's defaults. conditional: G and D take
    class labels. linear_head: D ends in a Linear head (then the minibatch layers and packing
    compose onto it). init: how a layer added to D is initialised (None: PyTorch's default).
    default_loss: the loss of its paper, taken when none is asked for; its `defaults` are for that
    loss (another loss brings that loss's own defaults). growing: G and D grow during training
    (minigan/gan/progressive.py trains them).
    task: for the image-to-image models, the task G translates (minigan.datasets.translation;
    None: G draws from noise); loss: the one GAN loss it trains with, its paper's (None: any).
    """

    name: str
    generator: Callable
    discriminator: Callable
    data: tuple
    image_size: int | None
    defaults: dict = field(default_factory=dict)
    conditional: bool = False
    linear_head: bool = False
    init: Callable | None = None
    task: str | None = None
    loss: str | None = None
    default_loss: str = "bce"
    growing: bool = False


FAMILIES = {family.name: family for family in (
    Family("mlp", mlp.generator, mlp.discriminator, data=("toy", "image"), image_size=None,
           linear_head=True, defaults={
               "toy": dict(latent_dim=2, width=128, batch_size=256, lr_g=1e-3, lr_d=1e-3,
                           steps=6000,
                           lr_decay="linear", sample_every=500, checkpoint_every=2000),
               "image": dict(latent_dim=64, width=256, batch_size=64, lr_g=2e-4, lr_d=2e-4,
                             steps=3000)}),
    Family("dcgan", dcgan.generator28, dcgan.discriminator28, data=("image",), image_size=28,
           linear_head=True, init=dcgan_init, defaults={
               "image": dict(latent_dim=64, width=32, batch_size=64, steps=2000,
                             sample_every=200)}),
    Family("dcgan64", dcgan.generator64, dcgan.discriminator64, data=("image",), image_size=64,
           init=dcgan_init, defaults={
               # without label smoothing D wins within 50 steps
               "image": dict(latent_dim=100, width=16, batch_size=64, steps=1000, image_size=64,
                             label_smoothing=0.1)}),
    Family("cgan", cgan.generator, cgan.discriminator, data=("image",), image_size=28,
           conditional=True, init=dcgan_init, defaults={
               "image": dict(latent_dim=64, width=32, batch_size=64, steps=2000,
                             sample_every=200)}),
    # Image-to-image (minigan/gan/translation.py trains them): n_samples translations of held-out
    # inputs (all 2,000 of the sample's), num_fixed of them in the snapshots. Sized so that a
    # default run takes at most about 5 minutes of one core (benchmarks/results/image_to_image.md).
    Family("pix2pix", pix2pix.generator, pix2pix.discriminator, data=("image",), image_size=28,
           task="outlines", loss="bce", defaults={
               "image": dict(width=32, batch_size=32, steps=2000, sample_every=200, num_fixed=16,
                             n_samples=2000, pixel_weight=100.0, adv_weight=1.0)}),
    Family("cyclegan", cyclegan.generator, cyclegan.discriminator, data=("image",), image_size=28,
           task="backgrounds", loss="lsgan", default_loss="lsgan", defaults={
               "image": dict(width=16, batch_size=8, steps=1500, sample_every=150, num_fixed=16,
                             n_samples=2000, blocks=3, lr_decay="linear-second-half")}),
    Family("srgan", srgan.generator, srgan.discriminator, data=("image",), image_size=28,
           task="low-res", loss="bce", defaults={
               "image": dict(width=16, batch_size=16, steps=2000, sample_every=200, num_fixed=16,
                             n_samples=2000, blocks=4, pixel_weight=1.0, adv_weight=1e-2)}),
    Family("inpaint", inpaint.generator, inpaint.discriminator, data=("image",), image_size=28,
           task="masked", loss="bce", defaults={
               "image": dict(width=32, batch_size=32, steps=3000, sample_every=300, num_fixed=16,
                             n_samples=2000, pixel_weight=0.999, adv_weight=1e-2)}),
    # The paper's recipe (WGAN-GP with n_critic 1, Adam(1e-3, betas (0, 0.99)), drift 0.001), sized
    # for 2 CPU cores: 7x7 for 600 steps, 14x14 (300 of them fading in), then 28x28.
    Family("progan", progan.generator, progan.discriminator, data=("image",), image_size=28,
           default_loss="wgan-gp", growing=True, defaults={
               "image": dict(latent_dim=64, width=8, batch_size=32, steps=2400, lr_g=1e-3,
                             lr_d=1e-3, betas=(0.0, 0.99), n_critic=1, gp_weight=10.0,
                             drift=0.001, grow_every=600, fade_steps=300, sample_every=200)}),
    # The style-based G against Progressive GAN's D at full resolution, with its loss and recipe
    # (as the StyleGAN paper trains on CelebA-HQ); G about as large as dcgan's at width 8.
    Family("stylegan", stylegan.generator, stylegan.discriminator, data=("image",), image_size=28,
           default_loss="wgan-gp", defaults={
               "image": dict(latent_dim=64, width=8, batch_size=32, steps=1500, lr_g=1e-3,
                             lr_d=1e-3, betas=(0.0, 0.99), n_critic=1, gp_weight=10.0,
                             drift=0.001, sample_every=150)}),
)}

__all__ = [
    "ConditionalDiscriminator28", "ConditionalGenerator28", "ContextEncoder28",
    "CycleDiscriminators", "CycleGenerators", "DCGANDiscriminator28", "DCGANDiscriminator64",
    "DCGANGenerator28", "DCGANGenerator64", "FAMILIES", "Family", "MLPDiscriminator",
    "MLPGenerator", "Packed", "PatchDiscriminator28", "ProDiscriminator", "ProGenerator",
    "RegionDiscriminator14", "ResnetGenerator28", "SRDiscriminator28", "SRResNet28",
    "StyleGenerator", "UNetGenerator28", "dcgan_init", "generate", "sample",
]
