"""pix2pix (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial Networks"),
sized for 28x28 images: a U-Net generator and a PatchGAN discriminator.

    G = UNetGenerator28()            # outline (N, 1, 28, 28) -> garment (N, 1, 28, 28)
    D = PatchDiscriminator28()       # (outline, garment) -> (N, 1, 7, 7): one logit per patch

The paper's names: Ck is Convolution-BatchNorm-ReLU with k filters, CDk the same with a dropout
of 50% before the ReLU; the encoder's ReLUs are leaky (slope 0.2), the decoder's are not; the first
encoder layer has no BatchNorm. Its encoder halves the image down to 1x1 (256 -> 1, eight layers);
here 28 -> 14 -> 7 -> 4 -> 2 (four layers, the 7 -> 4 step a 3x3 kernel, since 7 is odd).
"""

from __future__ import annotations

import minigan as mg
from minigan import nn
from minigan.gan.models.dcgan import dcgan_init


def _down(c_in: int, c_out: int, kernel: int = 4, norm: bool = True) -> nn.Sequential:
    """Encoder block Ck: Conv (stride 2) - BatchNorm - LeakyReLU(0.2)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, 2, 1, bias=not norm),
                         *([nn.BatchNorm2d(c_out)] if norm else []), nn.LeakyReLU(0.2))


def _up(c_in: int, c_out: int, kernel: int = 4, dropout: float = 0.0) -> nn.Sequential:
    """Decoder block Ck / CDk: ConvTranspose (stride 2) - BatchNorm - Dropout - ReLU."""
    dropped = [nn.Dropout(dropout)] if dropout else []
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, kernel, 2, 1, bias=False),
                         nn.BatchNorm2d(c_out), *dropped, nn.ReLU())


class UNetGenerator28(nn.Module):
    """x: (N, in_channels, 28, 28) -> (N, out_channels, 28, 28) in [-1, 1].

    Encoder (w = width):  C(w) 28->14, C(2w) 14->7, C(4w) 7->4, C(4w) 4->2 (the bottleneck: no
    BatchNorm, as in the paper's innermost layer).
    Decoder: CD(4w) 2->4, CD(2w) 4->7, C(w) 7->14, then ConvTranspose 14->28 and Tanh. The U-Net's
    skips: each decoder output is concatenated with the encoder output of the same size, so the
    next layer sees both (the decoder's input doubles in channels), and low-level detail (where the
    outline runs) reaches the output without squeezing through the 2x2 bottleneck.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 1, width: int = 32,
                 dropout: float = 0.5):
        super().__init__()
        w = width
        self.down1 = _down(in_channels, w, norm=False)             # 28 -> 14
        self.down2 = _down(w, 2 * w)                               # 14 -> 7
        self.down3 = _down(2 * w, 4 * w, kernel=3)                 # 7 -> 4
        self.down4 = _down(4 * w, 4 * w, norm=False)               # 4 -> 2, the bottleneck
        self.up1 = _up(4 * w, 4 * w, dropout=dropout)              # 2 -> 4, + down3
        self.up2 = _up(8 * w, 2 * w, kernel=3, dropout=dropout)    # 4 -> 7, + down2
        self.up3 = _up(4 * w, w)                                   # 7 -> 14, + down1
        self.out = nn.Sequential(nn.ConvTranspose2d(2 * w, out_channels, 4, 2, 1),  # 14 -> 28
                                 nn.Tanh())
        dcgan_init(self)

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(d1)
        d3 = self.down3(d2)
        u = self.up1(self.down4(d3))
        u = self.up2(mg.cat([u, d3], dim=1))       # skip connections: concatenate, channel-wise
        u = self.up3(mg.cat([u, d2], dim=1))
        return self.out(mg.cat([u, d1], dim=1))


class PatchDiscriminator28(nn.Module):
    """The PatchGAN: (condition x, image y), both (N, C, 28, 28) -> logits (N, 1, 7, 7); in_channels
    is the sum of their channels.

    D sees x and y together (a conditional GAN: is y a plausible translation OF x?) and judges
    each 18x18 patch separately (the receptive field of one output); the loss averages over the
    7x7 patches. C(w) 28->14 (no BatchNorm), C(2w) 14->7, then a 3x3 convolution to one logit per
    patch. A patch discriminator cares about texture and local structure; the L1 term of G's loss
    takes care of the low frequencies. norm: BatchNorm (pix2pix) or InstanceNorm (CycleGAN's
    choice: each image judged on its own statistics).
    """

    def __init__(self, in_channels: int = 2, width: int = 32, norm: str = "batch"):
        super().__init__()
        w = width
        if norm not in ("batch", "instance"):
            raise ValueError(f"PatchDiscriminator28: norm must be 'batch' or 'instance', got "
                             f"{norm!r}")
        normalise = (nn.BatchNorm2d(2 * w) if norm == "batch"
                     else nn.InstanceNorm2d(2 * w, affine=True))
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, w, 4, 2, 1), nn.LeakyReLU(0.2),                       # 28 -> 14
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), normalise, nn.LeakyReLU(0.2),     # 14 -> 7
            nn.Conv2d(2 * w, 1, 3, 1, 1),                                       # 7x7 logits
        )
        dcgan_init(self)

    def forward(self, *images):
        """D(x, y) for pix2pix (the pair, concatenated along channels); D(y) for CycleGAN."""
        return self.net(mg.cat(list(images), dim=1))


def generator(config, data_shape):
    """The U-Net of a TrainConfig (width, dropout); data_shape: one image's (C, 28, 28)."""
    return UNetGenerator28(data_shape[0], data_shape[0], config.width, config.dropout)


def discriminator(config, data_shape, batchnorm: bool = True):
    """The conditional PatchGAN: it sees the input and the output, 2C channels."""
    return PatchDiscriminator28(2 * data_shape[0], config.width)
