"""DCGAN (Radford et al. 2016): transposed convolutions up, strided convolutions down, BatchNorm
between, ReLU in G and LeakyReLU(0.2) in D, weights drawn from N(0, 0.02).

    DCGANGenerator28 / DCGANDiscriminator28   28x28 images (MNIST, Fashion-MNIST): 2 stride-2 layers
    DCGANGenerator64 / DCGANDiscriminator64   pytorch/examples' 64x64 layout: 4 stride-2 layers

Every discriminator returns raw scores of shape (N, 1): logits for the BCE losses, critic values
for the Wasserstein ones. `batchnorm=False` gives the critic WGAN-GP needs.
"""

from __future__ import annotations

from minigan import nn
from minigan.gan.models.common import features_before_head, norm_layers
from minigan.gan.remedies import add_minibatch_layer


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


# ----------------------------------------------------------------------------- 28x28


class DCGANGenerator28(nn.Module):
    """z: (N, latent_dim) -> images (N, channels, 28, 28) in [-1, 1].

    Linear -> (2*width, 7, 7) -> BN -> ReLU -> ConvTranspose 4/2/1 -> (width, 14, 14) -> BN -> ReLU
    -> ConvTranspose 4/2/1 -> (channels, 28, 28) -> Tanh.
    """

    def __init__(self, latent_dim: int = 100, width: int = 64, channels: int = 1,
                 batchnorm: bool = True):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 2 * width * 7 * 7, bias=not batchnorm),
            nn.Unflatten(1, (2 * width, 7, 7)),
            *norm_layers("2d", 2 * width, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=not batchnorm),
            *norm_layers("2d", width, batchnorm),
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

    minibatch="stddev" | "discrimination" is gan.remedies.add_minibatch_layer(D, minibatch),
    composed onto the plain D: the minibatch-std channel joins the (2*width, 7, 7) maps, or the
    minibatch-discrimination features join the flattened ones.
    """

    def __init__(self, width: int = 64, channels: int = 1, batchnorm: bool = True,
                 minibatch: str = "none"):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not batchnorm),
            *norm_layers("2d", 2 * width, batchnorm),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, 1),
        )
        dcgan_init(self)
        if minibatch != "none":  # the keyword form of the remedy, composed onto the plain D
            add_minibatch_layer(self, minibatch, init=dcgan_init)

    def forward(self, x):
        return self.net(x)

    def features(self, x):
        """The input of the final Linear layer: (N, F)."""
        return features_before_head(self.net, x)


# ----------------------------------------------------------------------------- 64x64


class DCGANGenerator64(nn.Module):
    """The pytorch/examples DCGAN generator: z (N, latent_dim) -> images (N, channels, 64, 64).

    ConvTranspose 4/1/0 to (8w, 4, 4), then four ConvTranspose 4/2/1 doubling the size
    (8w -> 4w -> 2w -> w -> channels), BN + ReLU between, Tanh at the end.
    """

    def __init__(self, latent_dim: int = 100, width: int = 64, channels: int = 3,
                 batchnorm: bool = True):
        super().__init__()
        self.latent_dim = latent_dim
        widths = [8 * width, 4 * width, 2 * width, width]
        layers = [nn.Unflatten(1, (latent_dim, 1, 1)),
                  nn.ConvTranspose2d(latent_dim, widths[0], 4, 1, 0, bias=not batchnorm),
                  *norm_layers("2d", widths[0], batchnorm), nn.ReLU()]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=not batchnorm),
                       *norm_layers("2d", w_out, batchnorm), nn.ReLU()]
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
                       *norm_layers("2d", w_out, batchnorm), nn.LeakyReLU(0.2)]
        layers += [nn.Conv2d(8 * width, 1, 4, 1, 0), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, x):
        return self.net(x)

    def features(self, x):
        """The input of the final Conv (8*width, 4, 4 maps), flattened: (N, 128 * width)."""
        return features_before_head(self.net, x, head=2)


# ----------------------------------------------------------------------------- for the Trainer


def generator28(config, data_shape):
    return DCGANGenerator28(config.latent_dim, config.width, data_shape[0])


def discriminator28(config, data_shape, batchnorm: bool = True):
    return DCGANDiscriminator28(config.width, data_shape[0], batchnorm=batchnorm)


def generator64(config, data_shape):
    return DCGANGenerator64(config.latent_dim, config.width, data_shape[0])


def discriminator64(config, data_shape, batchnorm: bool = True):
    return DCGANDiscriminator64(config.width, data_shape[0], batchnorm=batchnorm)
