"""Generators and discriminators: MLPs, DCGAN (28x28 and the 64x64 pytorch/examples layout),
and conditional versions that also take a class label.

Every discriminator returns raw scores of shape (N, 1): logits for the BCE losses, critic values
for the Wasserstein ones. `batchnorm=False` gives the critic variant WGAN-GP needs (its gradient
penalty is per sample, which batch statistics would couple).
"""

from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import nn


def dcgan_init(module: nn.Module) -> nn.Module:
    """The DCGAN paper's initialisation: conv and linear weights ~ N(0, 0.02), biases 0,
    BatchNorm weights ~ N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


def _norm(kind: str, channels: int, batchnorm: bool) -> list:
    if not batchnorm:
        return []
    return [nn.BatchNorm2d(channels) if kind == "2d" else nn.BatchNorm1d(channels)]


# ----------------------------------------------------------------------------- MLP


class MLPGenerator(nn.Module):
    """z: (N, latent_dim) -> samples of `out_shape` (e.g. (2,) for toy data, (1, 28, 28) for images).

    Linear + ReLU hidden layers; the output is tanh-squashed for images in [-1, 1] (`tanh=True`)
    and linear for unbounded 2-D data.
    """

    def __init__(self, latent_dim: int = 2, out_shape=(2,), hidden=(128, 128), tanh: bool = False):
        super().__init__()
        self.latent_dim, self.out_shape = latent_dim, tuple(out_shape)
        layers, width = [], latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, int(np.prod(self.out_shape))))
        if tanh:
            layers.append(nn.Tanh())
        if len(self.out_shape) > 1:
            layers.append(nn.Unflatten(1, self.out_shape))
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """x: (N, *in_shape) -> scores (N, 1). LeakyReLU(0.2) hidden layers."""

    def __init__(self, in_shape=(2,), hidden=(128, 128)):
        super().__init__()
        self.in_shape = tuple(in_shape)
        layers, width = [nn.Flatten()], int(np.prod(self.in_shape))
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


# ----------------------------------------------------------------------------- DCGAN 28x28


class DCGANGenerator28(nn.Module):
    """z: (N, latent_dim) -> images (N, channels, 28, 28) in [-1, 1].

    Linear -> (2*width, 7, 7) -> BN -> ReLU -> ConvTranspose 4/2/1 -> (width, 14, 14) -> BN -> ReLU
    -> ConvTranspose 4/2/1 -> (channels, 28, 28) -> Tanh.
    """

    def __init__(self, latent_dim: int = 100, width: int = 64, channels: int = 1, batchnorm: bool = True):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 2 * width * 7 * 7, bias=not batchnorm),
            nn.Unflatten(1, (2 * width, 7, 7)),
            *_norm("2d", 2 * width, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=not batchnorm),
            *_norm("2d", width, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1),
            nn.Tanh(),
        )
        dcgan_init(self)

    def forward(self, z):
        return self.net(z)


class DCGANDiscriminator28(nn.Module):
    """x: (N, channels, 28, 28) -> scores (N, 1).

    Conv 4/2/1 -> (width, 14, 14) -> LeakyReLU -> Conv 4/2/1 -> (2*width, 7, 7) -> BN -> LeakyReLU
    -> Flatten -> Linear. `batchnorm=False` is the WGAN-GP critic.
    """

    def __init__(self, width: int = 64, channels: int = 1, batchnorm: bool = True):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not batchnorm),
            *_norm("2d", 2 * width, batchnorm),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, 1),
        )
        dcgan_init(self)

    def forward(self, x):
        return self.net(x)


# ----------------------------------------------------------------------------- DCGAN 64x64


class DCGANGenerator64(nn.Module):
    """The pytorch/examples DCGAN generator: z (N, latent_dim) -> images (N, channels, 64, 64).

    ConvTranspose 4/1/0 to (8w, 4, 4), then four ConvTranspose 4/2/1 doubling the size
    (8w -> 4w -> 2w -> w -> channels), BN + ReLU between, Tanh at the end.
    """

    def __init__(self, latent_dim: int = 100, width: int = 64, channels: int = 3, batchnorm: bool = True):
        super().__init__()
        self.latent_dim = latent_dim
        widths = [8 * width, 4 * width, 2 * width, width]
        layers = [nn.Unflatten(1, (latent_dim, 1, 1)),
                  nn.ConvTranspose2d(latent_dim, widths[0], 4, 1, 0, bias=not batchnorm),
                  *_norm("2d", widths[0], batchnorm), nn.ReLU()]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=not batchnorm),
                       *_norm("2d", w_out, batchnorm), nn.ReLU()]
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, z):
        return self.net(z)


class DCGANDiscriminator64(nn.Module):
    """The pytorch/examples DCGAN discriminator: x (N, channels, 64, 64) -> scores (N, 1).

    Four Conv 4/2/1 (channels -> w -> 2w -> 4w -> 8w), LeakyReLU(0.2) and BN (not on the first),
    then Conv 4/1/0 to one score (no sigmoid: the losses take logits).
    """

    def __init__(self, width: int = 64, channels: int = 3, batchnorm: bool = True):
        super().__init__()
        widths = [width, 2 * width, 4 * width, 8 * width]
        layers = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [nn.Conv2d(w_in, w_out, 4, 2, 1, bias=not batchnorm),
                       *_norm("2d", w_out, batchnorm), nn.LeakyReLU(0.2)]
        layers += [nn.Conv2d(8 * width, 1, 4, 1, 0), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, x):
        return self.net(x)


# ----------------------------------------------------------------------------- conditional (cGAN)


class ConditionalGenerator28(nn.Module):
    """G(z, y): the class label y (N,) is embedded and concatenated to z, then a DCGAN28 body."""

    def __init__(self, latent_dim: int = 100, num_classes: int = 10, width: int = 64,
                 channels: int = 1, embedding_dim: int = 10):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.label_embedding = nn.Embedding(num_classes, embedding_dim)
        self.body = DCGANGenerator28(latent_dim + embedding_dim, width, channels)

    def forward(self, z, labels):
        return self.body(mg.cat([z, self.label_embedding(labels)], dim=1))


class ConditionalDiscriminator28(nn.Module):
    """D(x, y): the label becomes an extra 28x28 input channel (a learned map per class)."""

    def __init__(self, num_classes: int = 10, width: int = 64, channels: int = 1, batchnorm: bool = True):
        super().__init__()
        self.num_classes = num_classes
        self.label_map = nn.Embedding(num_classes, 28 * 28)
        self.body = DCGANDiscriminator28(width, channels + 1, batchnorm)

    def forward(self, x, labels):
        label_channel = self.label_map(labels).reshape(x.shape[0], 1, 28, 28)
        return self.body(mg.cat([x, label_channel], dim=1))
