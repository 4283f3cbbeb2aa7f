"""Progressive growing of GANs (Karras et al. 2018), 7x7 -> 14x14 -> 28x28.

G and D start at 7x7. At each new stage one block joins each of them: in G an upsampling block
that doubles the image side, in D a downsampling block in front of the old ones. The new block does
not switch on at once: its output is **faded in**, blended with the old path's by alpha rising from
0 to 1 (torch.lerp(old, new, alpha)):

    G:  image = lerp(upsample(toRGB_old(h)),       toRGB_new(block_new(h)),   alpha)
    D:  h     = lerp(fromRGB_old(avg_pool(image)), block_new(fromRGB_new(image)), alpha)

The paper's stabilisers, each a small module here, each switchable off for the ablation study:

    PixelNorm          G's features normalised per pixel over the channels (sec. 4.2)
    EqualizedConv2d,   weights stored at N(0, 1) and multiplied at run time by He's constant
    EqualizedLinear    sqrt(2 / fan_in): every layer learns at the same speed under Adam (sec. 4.1)
    MinibatchStdDev    D sees the batch's standard deviation as one more channel (sec. 3;
                       minigan.nn.MinibatchStdDev)
    WGAN-GP + drift    D's loss gets eps_drift * E[D(x)^2] so that its scores do not wander off
                       (gan.d_step(drift=...))

Channels per resolution: 4w at 7x7, 2w at 14x14, w at 28x28 (w = width). Both networks end as the
paper's: G in a 1x1 "toRGB" convolution (here followed by tanh, as every minigan generator, so a
sample is a valid image in [-1, 1]), D in a linear score (a critic, no sigmoid).

The trainer that grows them is minigan/gan/progressive.py.
"""

from __future__ import annotations

import math

import minigan as mg
from minigan import functional as F
from minigan import nn

RESOLUTIONS = (7, 14, 28)  # the image side at stage 0, 1, 2


# ----------------------------------------------------------------------------- the stabilisers


class PixelNorm(nn.Module):
    """x: (N, C, H, W) or (N, C) -> the same, each pixel's feature vector scaled to unit RMS:

        b[n, :, y, x] = a[n, :, y, x] / sqrt(mean_c a[n, c, y, x]^2 + eps)

    No learned parameters (unlike BatchNorm it never looks at other samples)."""

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return x / ((x * x).mean(dim=1, keepdim=True) + self.eps).sqrt()


def he_constant(fan_in: int, gain: float = math.sqrt(2)) -> float:
    """He's initialisation std, gain / sqrt(fan_in): sqrt(2 / fan_in) before a (leaky) ReLU."""
    return gain / math.sqrt(fan_in)


class EqualizedLinear(nn.Module):
    """y = x @ (weight * c).T + bias, with weight (out, in) stored at N(0, 1), bias 0, and the
    constant c = gain / sqrt(in_features) applied at every forward pass.

    The layer computes what nn.Linear initialised at N(0, c^2) computes, but Adam's step (about lr
    in every weight, whatever the gradient's scale) moves each weight by lr relative to its scale 1,
    so every layer learns at the same relative speed.

    lr_multiplier m (StyleGAN's mapping network: 0.01): weights stored at N(0, 1/m^2), weight and
    bias multiplied by m at run time: the same function, learning m times slower."""

    def __init__(self, in_features: int, out_features: int, gain: float = math.sqrt(2),
                 lr_multiplier: float = 1.0):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(mg.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(mg.zeros(out_features))
        self.scale = he_constant(in_features, gain) * lr_multiplier
        self.lr_multiplier = lr_multiplier

    def forward(self, x):
        bias = self.bias if self.lr_multiplier == 1 else self.bias * self.lr_multiplier
        return F.linear(x, self.weight * self.scale, bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"scale={self.scale:.4f}"


class EqualizedConv2d(nn.Module):
    """conv2d(x, weight * c, bias, padding), with weight (out, in, k, k) stored at N(0, 1), bias 0,
    and c = gain / sqrt(in_channels * k * k) applied at every forward pass (see EqualizedLinear)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0,
                 gain: float = math.sqrt(2)):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.padding = kernel_size, padding
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = nn.Parameter(mg.randn(*shape))
        self.bias = nn.Parameter(mg.zeros(out_channels))
        self.scale = he_constant(in_channels * kernel_size * kernel_size, gain)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, " \
               f"padding={self.padding}, scale={self.scale:.4f}"


def he_init(layer: nn.Module, gain: float = math.sqrt(2)) -> nn.Module:
    """The paper's baseline without equalized learning rate: a plain layer whose weights start at
    N(0, (gain / sqrt(fan_in))^2), bias 0."""
    fan_in = layer.weight[0].numel()
    nn.init.normal_(layer.weight, 0.0, he_constant(fan_in, gain))
    nn.init.zeros_(layer.bias)
    return layer


def conv(in_channels: int, out_channels: int, kernel_size: int, equalized: bool,
         gain: float = math.sqrt(2)) -> nn.Module:
    """A k x k convolution that keeps the image size: EqualizedConv2d, or a He-initialised
    nn.Conv2d (the ablation)."""
    if equalized:
        return EqualizedConv2d(in_channels, out_channels, kernel_size, kernel_size // 2, gain)
    return he_init(nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2),
                   gain)


def linear(in_features: int, out_features: int, equalized: bool,
           gain: float = math.sqrt(2), lr_multiplier: float = 1.0) -> nn.Module:
    """EqualizedLinear, or a He-initialised nn.Linear (the ablation, which has no lr_multiplier)."""
    if equalized:
        return EqualizedLinear(in_features, out_features, gain, lr_multiplier)
    return he_init(nn.Linear(in_features, out_features), gain)


def fade_in(old, new, alpha):
    """The fade-in of a new block: (1 - alpha) * old + alpha * new, i.e. torch.lerp(old, new,
    alpha). alpha = 0: the old path alone; alpha = 1: the new block alone."""
    return old.lerp(new, alpha)


def upsample(x):
    """(N, C, H, W) -> (N, C, 2H, 2W): every pixel repeated 2 x 2 (nearest neighbour)."""
    return F.interpolate(x, scale_factor=2, mode="nearest")


def downsample(x):
    """(N, C, H, W) -> (N, C, H/2, W/2): the mean of every 2 x 2 square (average pooling)."""
    return F.avg_pool2d(x, 2)


def widths(width: int) -> tuple:
    """Channels at 7x7, 14x14, 28x28: 4w, 2w, w."""
    return (4 * width, 2 * width, width)


# ----------------------------------------------------------------------------- G


class ProGenerator(nn.Module):
    """z: (N, latent_dim) -> images (N, channels, R, R), R = 7, 14 or 28 at stage 0, 1, 2.

    Stage 0 (the paper's first block, at 7x7 instead of 4x4):
        PixelNorm(z) -> Linear to (4w, 7, 7) -> LReLU -> PixelNorm -> Conv 3x3 -> LReLU -> PixelNorm
    Stages 1 and 2: upsample 2x -> Conv 3x3 -> LReLU -> PixelNorm -> Conv 3x3 -> LReLU -> PixelNorm
    toRGB of each stage: Conv 1x1 to `channels` (gain 1); then tanh.

    Every stage's block is built at once (so a checkpoint always has the same keys, and the
    network trained at full resolution from the start has the same initial weights); the buffer
    `stage` says how many are in use, and `alpha` how far the newest one is faded in. `grow()`
    takes the next block into use and returns its parameters (for optimizer.add_param_group).
    """

    def __init__(self, latent_dim: int = 64, width: int = 16, channels: int = 1,
                 pixel_norm: bool = True, equalized_lr: bool = True, stage: int = 0):
        super().__init__()
        self.latent_dim, self.width, self.channels = latent_dim, width, channels
        norm = PixelNorm if pixel_norm else nn.Identity
        c = widths(width)
        self.blocks = nn.ModuleList([nn.Sequential(
            norm(),
            linear(latent_dim, c[0] * 7 * 7, equalized_lr),
            nn.Unflatten(1, (c[0], 7, 7)), nn.LeakyReLU(0.2), norm(),
            conv(c[0], c[0], 3, equalized_lr), nn.LeakyReLU(0.2), norm(),
        )])
        for s in (1, 2):
            self.blocks.append(nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),
                conv(c[s - 1], c[s], 3, equalized_lr), nn.LeakyReLU(0.2), norm(),
                conv(c[s], c[s], 3, equalized_lr), nn.LeakyReLU(0.2), norm(),
            ))
        self.to_rgb = nn.ModuleList([conv(c[s], channels, 1, equalized_lr, gain=1.0)
                                     for s in range(3)])
        self.register_buffer("stage", mg.tensor(check_stage(stage), dtype=mg.int64))
        self.register_buffer("alpha", mg.tensor(1.0))

    @property
    def resolution(self) -> int:
        return RESOLUTIONS[int(self.stage.item())]

    def stage_parameters(self, stage: int) -> list:
        """The parameters stage `stage` adds: its block's and its toRGB's."""
        return list(self.blocks[stage].parameters()) + list(self.to_rgb[stage].parameters())

    def grow(self) -> list:
        """Take the next stage into use, faded out (alpha = 0); returns its new parameters."""
        return _grow(self)

    def forward(self, z):
        stage, alpha = int(self.stage.item()), float(self.alpha.item())
        h = z
        for block in list(self.blocks)[:stage]:
            h = block(h)
        image = self.to_rgb[stage](self.blocks[stage](h))
        if stage > 0 and alpha < 1:   # the fade-in of the newest block
            image = fade_in(upsample(self.to_rgb[stage - 1](h)), image, alpha)
        return image.tanh()


# ----------------------------------------------------------------------------- D


class ProDiscriminator(nn.Module):
    """images (N, channels, R, R) -> scores (N, 1), R = 7, 14 or 28 at stage 0, 1, 2.

    fromRGB of each stage: Conv 1x1 from `channels` -> LReLU.
    Stages 2 and 1: Conv 3x3 -> LReLU -> Conv 3x3 -> LReLU -> average-pool 2x (halves the side).
    Stage 0 (the last block of D, at 7x7):
        MinibatchStdDev -> Conv 3x3 (4w + 1 -> 4w) -> LReLU -> Linear (4w*7*7 -> 4w) -> LReLU
        -> Linear (4w -> 1, gain 1)

    An image of stage s enters through fromRGB s and block s, then blocks s-1 ... 0. The buffers
    `stage` and `alpha` and `grow()` are as in ProGenerator. minibatch_std=False leaves the
    minibatch standard deviation out (the ablation).
    """

    def __init__(self, width: int = 16, channels: int = 1, minibatch_std: bool = True,
                 equalized_lr: bool = True, stage: int = 0, group_size: int = 4):
        super().__init__()
        self.width, self.channels = width, channels
        c = widths(width)
        self.blocks = nn.ModuleList([nn.Sequential(
            nn.MinibatchStdDev(group_size) if minibatch_std else nn.Identity(),
            conv(c[0] + int(minibatch_std), c[0], 3, equalized_lr), nn.LeakyReLU(0.2),
            nn.Flatten(), linear(c[0] * 7 * 7, c[0], equalized_lr), nn.LeakyReLU(0.2),
            linear(c[0], 1, equalized_lr, gain=1.0),
        )])
        for s in (1, 2):
            self.blocks.append(nn.Sequential(
                conv(c[s], c[s], 3, equalized_lr), nn.LeakyReLU(0.2),
                conv(c[s], c[s - 1], 3, equalized_lr), nn.LeakyReLU(0.2),
                nn.AvgPool2d(2),
            ))
        self.from_rgb = nn.ModuleList([nn.Sequential(conv(channels, c[s], 1, equalized_lr),
                                                     nn.LeakyReLU(0.2)) for s in range(3)])
        self.register_buffer("stage", mg.tensor(check_stage(stage), dtype=mg.int64))
        self.register_buffer("alpha", mg.tensor(1.0))

    def stage_parameters(self, stage: int) -> list:
        """The parameters stage `stage` adds: its fromRGB's and its block's."""
        return list(self.blocks[stage].parameters()) + list(self.from_rgb[stage].parameters())

    def grow(self) -> list:
        """Take the next stage into use, faded out (alpha = 0); returns its new parameters."""
        return _grow(self)

    def forward(self, x):
        stage, alpha = int(self.stage.item()), float(self.alpha.item())
        h = self.blocks[stage](self.from_rgb[stage](x))
        if stage > 0 and alpha < 1:   # the fade-in of the newest block
            h = fade_in(self.from_rgb[stage - 1](downsample(x)), h, alpha)
        for block in reversed(list(self.blocks)[:stage]):
            h = block(h)
        return h


def check_stage(stage) -> int:
    if not isinstance(stage, int) or isinstance(stage, bool) or not 0 <= stage < len(RESOLUTIONS):
        raise ValueError(f"stage must be 0, 1 or 2 (images of {', '.join(map(str, RESOLUTIONS))} "
                         f"pixels), got {stage!r}")
    return stage


def _grow(model) -> list:
    stage = int(model.stage.item()) + 1
    if stage >= len(RESOLUTIONS):
        raise ValueError(f"{type(model).__name__} is at its last stage already ({RESOLUTIONS[-1]}x"
                         f"{RESOLUTIONS[-1]} images)")
    model.stage.fill_(stage)
    model.alpha.fill_(0.0)
    return model.stage_parameters(stage)


def active_parameters(model) -> list:
    """The parameters of the stages a growing model uses now (all of them for any other model)."""
    if not hasattr(model, "stage_parameters"):
        return list(model.parameters())
    return [p for s in range(int(model.stage.item()) + 1) for p in model.stage_parameters(s)]


# ----------------------------------------------------------------------------- for the Trainer


def start_stage(config) -> int:
    """Stage 0 for a growing run; the last stage for grow_every = 0 (full resolution from the
    start)."""
    return 0 if config.grow_every else len(RESOLUTIONS) - 1


def generator(config, data_shape):
    return ProGenerator(config.latent_dim, config.width, data_shape[0], config.pixel_norm,
                        config.equalized_lr, start_stage(config))


def discriminator(config, data_shape, batchnorm: bool = True):
    return ProDiscriminator(config.width, data_shape[0], config.minibatch_std,
                            config.equalized_lr, start_stage(config))
