"""SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a Generative
Adversarial Network"), sized for 7x7 -> 28x28: four times the resolution, as in the paper.

    G = SRResNet28()          # (N, 1, 7, 7) -> (N, 1, 28, 28)
    D = SRDiscriminator28()   # (N, 1, 28, 28) -> one logit (N, 1)

The paper calls the generator trained with a pixel loss alone SRResNet, and the same network
trained with an adversarial term SRGAN: one class here, two ways of training it.
"""

from __future__ import annotations

from minigan import nn
from minigan.gan.models.dcgan import dcgan_init


class ResidualBlock(nn.Module):
    """x + [Conv 3x3 - BatchNorm - PReLU - Conv 3x3 - BatchNorm](x), channels unchanged."""

    def __init__(self, channels: int):
        super().__init__()
        c = channels
        self.block = nn.Sequential(
            nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c), nn.PReLU(),
            nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c),
        )

    def forward(self, x):
        return x + self.block(x)


class SRResNet28(nn.Module):
    """Low-resolution x (N, channels, 7, 7) -> (N, channels, 28, 28) in [-1, 1].

    Conv 9x9 - PReLU; B residual blocks; Conv 3x3 - BatchNorm, plus the skip from before the
    blocks; two upsampling blocks, each Conv 3x3 to 4x the channels - PixelShuffle(2) (sub-pixel
    convolution: the 4 channels of a pixel become a 2x2 block, 7 -> 14 -> 28) - PReLU; Conv 9x9 and
    Tanh. All the residual work happens at 7x7, where it is cheap.
    """

    def __init__(self, channels: int = 1, width: int = 32, blocks: int = 4):
        super().__init__()
        w = width
        self.head = nn.Sequential(nn.Conv2d(channels, w, 9, 1, 4), nn.PReLU())
        self.residuals = nn.Sequential(*[ResidualBlock(w) for _ in range(blocks)])
        self.body_end = nn.Sequential(nn.Conv2d(w, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w))
        self.upsample = nn.Sequential(
            nn.Conv2d(w, 4 * w, 3, 1, 1), nn.PixelShuffle(2), nn.PReLU(),   # 7 -> 14
            nn.Conv2d(w, 4 * w, 3, 1, 1), nn.PixelShuffle(2), nn.PReLU(),   # 14 -> 28
        )
        self.tail = nn.Sequential(nn.Conv2d(w, channels, 9, 1, 4), nn.Tanh())

    def forward(self, x):
        h = self.head(x)
        h = h + self.body_end(self.residuals(h))     # the long skip around all residual blocks
        return self.tail(self.upsample(h))


class SRDiscriminator28(nn.Module):
    """(N, channels, 28, 28) -> logits (N, 1).

    The paper's VGG-style stack, each Conv 3x3 - BatchNorm - LeakyReLU(0.2) (no BatchNorm on the
    first): w s1, w s2 (28 -> 14), 2w s1, 2w s2 (14 -> 7), 4w s1, 4w s2 (7 -> 4); then Dense(8w) -
    LeakyReLU - Dense(1). (No sigmoid: the losses take logits.)
    """

    def __init__(self, channels: int = 1, width: int = 32):
        super().__init__()
        w = width
        layers = [nn.Conv2d(channels, w, 3, 1, 1), nn.LeakyReLU(0.2)]
        for c_in, c_out, stride in ((w, w, 2), (w, 2 * w, 1), (2 * w, 2 * w, 2), (2 * w, 4 * w, 1),
                                    (4 * w, 4 * w, 2)):
            layers += [nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out),
                       nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)                                   # -> (4w, 4, 4)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(4 * w * 4 * 4, 8 * w),
                                        nn.LeakyReLU(0.2), nn.Linear(8 * w, 1))
        dcgan_init(self)

    def forward(self, x):
        return self.classifier(self.features(x))


def generator(config, data_shape):
    """SRResNet of a TrainConfig (width, blocks); it takes the 7x7 inputs of 28x28 images."""
    return SRResNet28(data_shape[0], config.width, config.blocks)


def discriminator(config, data_shape, batchnorm: bool = True):
    return SRDiscriminator28(data_shape[0], config.width)
