"""Small pieces the model families share: an optional BatchNorm, and D's features before its
head."""

from __future__ import annotations

from minigan import nn


def norm_layers(kind: str, channels: int, batchnorm: bool) -> list:
    """[BatchNorm2d(channels)] ("2d") or [BatchNorm1d(channels)] ("1d"); [] when batchnorm is off
    (the WGAN-GP critic: its gradient penalty is per sample, which batch statistics would
    couple)."""
    if not batchnorm:
        return []
    return [nn.BatchNorm2d(channels) if kind == "2d" else nn.BatchNorm1d(channels)]


def features_before_head(net, x, head: int = 1):
    """The output of all but the last `head` layers of a Sequential, flattened to (N, F): what
    feature matching compares (D.features)."""
    for layer in list(net)[:-head]:
        x = layer(x)
    return x.reshape(x.shape[0], -1)
