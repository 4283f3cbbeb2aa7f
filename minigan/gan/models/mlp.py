"""Multi-layer perceptrons: the GAN of Goodfellow et al. (2014) for 2-D points and small images."""

from __future__ import annotations

import numpy as np

from minigan import nn
from minigan.gan.models.common import features_before_head
from minigan.gan.remedies import add_minibatch_layer


class MLPGenerator(nn.Module):
    """z: (N, latent_dim) -> samples of `out_shape` (e.g. (2,) for toy data, (1, 28, 28) for
    images).

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
    """x: (N, *in_shape) -> scores (N, 1). LeakyReLU(0.2) hidden layers, then a Linear head.

    minibatch="discrimination" | "stddev" is gan.remedies.add_minibatch_layer(D, minibatch),
    composed onto the plain D (a layer before the head).
    """

    def __init__(self, in_shape=(2,), hidden=(128, 128), minibatch: str = "none"):
        super().__init__()
        self.in_shape = tuple(in_shape)
        layers, width = [nn.Flatten()], int(np.prod(self.in_shape))
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        self.net = nn.Sequential(*layers, nn.Linear(width, 1))
        if minibatch != "none":  # the keyword form of the remedy, composed onto the plain D
            add_minibatch_layer(self, minibatch)

    def forward(self, x):
        return self.net(x)

    def features(self, x):
        """The input of the output layer: (N, F)."""
        return features_before_head(self.net, x)


# ----------------------------------------------------------------------------- for the Trainer


def generator(config, data_shape):
    """MLPGenerator for a TrainConfig: two hidden layers of config.width (width, 2*width for
    images)."""
    w = config.width
    return MLPGenerator(config.latent_dim, data_shape,
                        hidden=(w, w) if len(data_shape) == 1 else (w, 2 * w),
                        tanh=len(data_shape) > 1)


def discriminator(config, data_shape, batchnorm: bool = True):
    """MLPDiscriminator for a TrainConfig (it has no BatchNorm: `batchnorm` changes nothing)."""
    w = config.width
    return MLPDiscriminator(data_shape, hidden=(w, w) if len(data_shape) == 1 else (2 * w, w))
