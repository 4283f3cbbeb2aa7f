"""The context encoder (Pathak et al. 2016, "Context Encoders: Feature Learning by Inpainting"),
sized for 28x28 images with the centre 14x14 square missing.

    G = ContextEncoder28()          # masked image (N, 1, 28, 28) -> the centre (N, 1, 14, 14)
    D = RegionDiscriminator14()     # a centre, real or filled in -> one logit (N, 1)

The paper's generator is an encoder (convolutions down to a small map), a channel-wise fully
connected bottleneck, and a decoder of up-convolutions that paints only the missing region; its
discriminator judges that region alone. G is trained with a reconstruction loss (L2 on the
missing pixels) and an adversarial loss: with reconstruction alone the region comes out as the
blurry average of every plausible fill.
"""

from __future__ import annotations

from minigan import nn
from minigan.gan.models.dcgan import dcgan_init


class ContextEncoder28(nn.Module):
    """x: (N, 1, 28, 28), the centre hidden -> the centre (N, 1, 14, 14) in [-1, 1].

    Encoder: Conv 28->14 (w), Conv 14->7 (2w), Conv 7->4 (4w), each LeakyReLU(0.2) and BatchNorm
    after the first; bottleneck: a 4x4 convolution to (bottleneck, 1, 1), the paper's fully
    connected layer between encoder and decoder. Decoder: up-convolutions 1->4 (4w), 4->7 (2w),
    7->14, BatchNorm and ReLU between, Tanh at the end.
    """

    def __init__(self, channels: int = 1, width: int = 32, bottleneck: int = 128):
        super().__init__()
        w = width
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, w, 4, 2, 1), nn.LeakyReLU(0.2),                          # 28 -> 14
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w),             # 14 -> 7
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(4 * w),         # 7 -> 4
            nn.LeakyReLU(0.2),
            nn.Conv2d(4 * w, bottleneck, 4, 1, 0), nn.LeakyReLU(0.2),                    # 4 -> 1
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(bottleneck, 4 * w, 4, 1, 0, bias=False), nn.BatchNorm2d(4 * w),
            nn.ReLU(),                                                                   # 1 -> 4
            nn.ConvTranspose2d(4 * w, 2 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(2 * w),
            nn.ReLU(),                                                                   # 4 -> 7
            nn.ConvTranspose2d(2 * w, channels, 4, 2, 1), nn.Tanh(),                     # 7 -> 14
        )
        dcgan_init(self)

    def forward(self, x):
        return self.decoder(self.encoder(x))


class RegionDiscriminator14(nn.Module):
    """The missing region (N, 1, 14, 14), real or filled in -> logits (N, 1).

    Conv 14->7 (w, LeakyReLU), Conv 7->4 (2w, BatchNorm, LeakyReLU), Conv 4x4 -> one logit.
    """

    def __init__(self, channels: int = 1, width: int = 32):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(channels, w, 4, 2, 1), nn.LeakyReLU(0.2),                          # 14 -> 7
            nn.Conv2d(w, 2 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(2 * w),             # 7 -> 4
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 1, 4, 1, 0), nn.Flatten(),                                  # 4 -> 1
        )
        dcgan_init(self)

    def forward(self, x):
        return self.net(x)


def generator(config, data_shape):
    """The context encoder of a TrainConfig (width; a bottleneck of 4 * width channels)."""
    return ContextEncoder28(data_shape[0], config.width, 4 * config.width)


def discriminator(config, data_shape, batchnorm: bool = True):
    return RegionDiscriminator14(data_shape[0], config.width)
