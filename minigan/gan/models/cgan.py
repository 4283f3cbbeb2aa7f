"""Conditional GAN (Mirza & Osindero 2014): G and D both receive the class label y.

G embeds the label and concatenates it to the noise; D receives it as an extra input channel.
Both bodies are the 28x28 DCGAN networks.
"""

from __future__ import annotations

import minigan as mg
from minigan import nn
from minigan.gan.models.dcgan import DCGANDiscriminator28, DCGANGenerator28


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

    def __init__(self, num_classes: int = 10, width: int = 64, channels: int = 1,
                 batchnorm: bool = True):
        super().__init__()
        self.num_classes = num_classes
        self.label_map = nn.Embedding(num_classes, 28 * 28)
        self.body = DCGANDiscriminator28(width, channels + 1, batchnorm)

    def _with_labels(self, x, labels):
        return mg.cat([x, self.label_map(labels).reshape(x.shape[0], 1, 28, 28)], dim=1)

    def forward(self, x, labels):
        return self.body(self._with_labels(x, labels))

    def features(self, x, labels):
        return self.body.features(self._with_labels(x, labels))


# ----------------------------------------------------------------------------- for the Trainer


def generator(config, data_shape):
    return ConditionalGenerator28(config.latent_dim, config.num_classes, config.width,
                                  data_shape[0])


def discriminator(config, data_shape, batchnorm: bool = True):
    return ConditionalDiscriminator28(config.num_classes, config.width, data_shape[0],
                                      batchnorm=batchnorm)
