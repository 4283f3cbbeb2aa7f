"""PyTorch twins of minigan's GAN models: the same layers under the same state-dict names, so that
weights copy across with {k: torch.from_numpy(v.numpy())} (benchmarks only; tests build their own)."""

import torch
from torch import nn


class Twin(nn.Module):
    """A module whose only child is `net`, like minigan's MLP and DCGAN models."""

    def __init__(self, net: nn.Sequential):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


def dcgan_generator28(latent_dim: int, width: int, channels: int = 1) -> Twin:
    return Twin(nn.Sequential(
        nn.Linear(latent_dim, 2 * width * 7 * 7, bias=False), nn.Unflatten(1, (2 * width, 7, 7)),
        nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
        nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()))


def dcgan_discriminator28(width: int, channels: int = 1) -> Twin:
    return Twin(nn.Sequential(
        nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1)))


def mlp_generator(latent_dim: int, out_features: int, hidden) -> Twin:
    layers, width = [], latent_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return Twin(nn.Sequential(*layers, nn.Linear(width, out_features)))


def mlp_discriminator(in_features: int, hidden) -> Twin:
    layers, width = [nn.Flatten()], in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
        width = h
    return Twin(nn.Sequential(*layers, nn.Linear(width, 1)))


def copy_weights(source, target: nn.Module) -> None:
    """Load a minigan module's state dict into its torch twin."""
    target.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in source.state_dict().items()})
