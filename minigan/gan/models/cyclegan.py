"""CycleGAN (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
Adversarial Networks"), sized for 28x28 images.

    G_AB, G_BA = ResnetGenerator28(), ResnetGenerator28()      # the paper's G: X -> Y and F: Y -> X
    D_A, D_B = PatchDiscriminator28(1), PatchDiscriminator28(1)  # the paper's D_X and D_Y

The generator is Johnson et al.'s, as the paper's appendix gives it, with its names:
c7s1-k (ReflectionPad 3, Conv 7x7 stride 1 with k filters, InstanceNorm, ReLU), dk (Conv 3x3
stride 2, InstanceNorm, ReLU), Rk (a residual block of two 3x3 convolutions, reflection-padded),
uk (ConvTranspose 3x3 stride 2, InstanceNorm, ReLU). For 28x28: c7s1-w, d2w (28 -> 14),
d4w (14 -> 7), R4w x blocks, u2w (7 -> 14), uw (14 -> 28), c7s1-1 with Tanh.

InstanceNorm normalises each image's channels by their own mean and variance (BatchNorm's
statistics over one image instead of the batch): the contrast of one image does not depend on the
others in its batch, which suits translation, image by image. Reflection padding (the border
pixels mirrored, not zeros) avoids the dark frame zero padding draws at the edges.

The discriminators are pix2pix's PatchGAN (minigan.gan.models.pix2pix), unconditional (one image
in) and with InstanceNorm, as the paper's.
"""

from __future__ import annotations

from minigan import nn
from minigan.gan.models.pix2pix import PatchDiscriminator28  # CycleGAN's D: the same PatchGAN


class ResnetBlock(nn.Module):
    """Rk: x + [ReflectionPad 1 - Conv 3x3 - InstanceNorm - ReLU - ReflectionPad 1 - Conv 3x3 -
    InstanceNorm](x)."""

    def __init__(self, channels: int):
        super().__init__()
        c = channels
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c),
        )

    def forward(self, x):
        return x + self.block(x)


class ResnetGenerator28(nn.Module):
    """x: (N, channels, 28, 28) -> (N, channels, 28, 28) in [-1, 1] (module docstring).

    c7s1-w, d2w, d4w, R4w x blocks, u2w, uw, c7s1-channels + Tanh, w = width.
    """

    def __init__(self, channels: int = 1, width: int = 16, blocks: int = 3):
        super().__init__()
        w = width
        self.model = nn.Sequential(
            # c7s1-w
            nn.ReflectionPad2d(3), nn.Conv2d(channels, w, 7), nn.InstanceNorm2d(w), nn.ReLU(),
            # d2w: 28 -> 14, d4w: 14 -> 7
            nn.Conv2d(w, 2 * w, 3, 2, 1), nn.InstanceNorm2d(2 * w), nn.ReLU(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.InstanceNorm2d(4 * w), nn.ReLU(),
            # R4w, `blocks` times
            *[ResnetBlock(4 * w) for _ in range(blocks)],
            # u2w: 7 -> 14, uw: 14 -> 28
            nn.ConvTranspose2d(4 * w, 2 * w, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(2 * w),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * w, w, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(w),
            nn.ReLU(),
            # c7s1-channels, then Tanh
            nn.ReflectionPad2d(3), nn.Conv2d(w, channels, 7), nn.Tanh(),
        )
        for m in self.modules():  # the paper's initialisation: weights ~ N(0, 0.02)
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.model(x)


class CycleGenerators(nn.Module):
    """G_AB and G_BA as one module (one optimizer, one entry of a checkpoint, as in the paper's
    code, which trains both with one Adam). Calling it translates A -> B (outlines -> garments)."""

    def __init__(self, G_AB: nn.Module, G_BA: nn.Module):
        super().__init__()
        self.G_AB, self.G_BA = G_AB, G_BA

    def forward(self, a):
        return self.G_AB(a)


class CycleDiscriminators(nn.Module):
    """D_A (judges images of A) and D_B (of B) as one module. Calling it scores images of B."""

    def __init__(self, D_A: nn.Module, D_B: nn.Module):
        super().__init__()
        self.D_A, self.D_B = D_A, D_B

    def forward(self, b):
        return self.D_B(b)


def generator(config, data_shape):
    """G_AB and G_BA of a TrainConfig (width, blocks)."""
    channels = data_shape[0]
    return CycleGenerators(ResnetGenerator28(channels, config.width, config.blocks),
                           ResnetGenerator28(channels, config.width, config.blocks))


def discriminator(config, data_shape, batchnorm: bool = True):
    """D_A and D_B: unconditional PatchGANs."""
    return CycleDiscriminators(PatchDiscriminator28(data_shape[0], config.width, norm="instance"),
                               PatchDiscriminator28(data_shape[0], config.width, norm="instance"))
