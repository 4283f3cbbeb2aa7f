"""A style-based generator (Karras et al. 2019), tiny: 28x28 images from a learned constant.

    z -> mapping network (PixelNorm, then MLP) -> w                          "what to draw"
    learned constant (4w, 7, 7)                                               "where to start"
    each layer: conv -> + noise * strength -> LReLU -> AdaIN(., style A(w))   (Figure 1b)

    7x7:    const            -> noise -> LReLU -> AdaIN(w_0) -> conv -> noise -> LReLU -> AdaIN(w_1)
    14x14:  upsample -> conv -> noise -> LReLU -> AdaIN(w_2) -> conv -> noise -> LReLU -> AdaIN(w_3)
    28x28:  upsample -> conv -> noise -> LReLU -> AdaIN(w_4) -> conv -> noise -> LReLU -> AdaIN(w_5)
    toRGB: conv 1x1 -> tanh

Each of the 6 layers takes its own copy of w (the "ws", shape (N, 6, w_dim)): one w for all of
them normally; two, split at a random layer, under **style mixing** (training: with probability
`style_mixing` per batch), which keeps neighbouring layers from relying on each other. The
**running mean** w-bar of the mapping network's outputs (a buffer, updated in training) is the
centre of the **truncation trick**, w' = w-bar + psi (w - w-bar), which trades variety for quality.

**AdaIN** (adaptive instance normalisation) normalises each channel of each sample to mean 0 and
variance 1 over its pixels, then scales and shifts it by the style: y = (1 + s(w)) * IN(x) + b(w).
The layer's output statistics come from w alone. StyleGAN2's modulated convolution does the same
with the weights instead of the activations (lesson 20 compares them). The **noise inputs** add
per-pixel N(0, 1) noise, one map per layer shared by the channels, times a learned per-channel
strength (starting at 0): the stochastic detail that w need not encode.

Layers (weights as EqualizedLinear/EqualizedConv2d, minigan/gan/models/progan.py); the
discriminator is Progressive GAN's at full resolution (ProDiscriminator, stage 2).
"""

from __future__ import annotations

import minigan as mg
from minigan import functional as F
from minigan import nn
from minigan.gan.models.progan import PixelNorm, conv, linear, widths

NUM_WS = 6            # style inputs: two per resolution (7, 14, 28)
COARSE, MIDDLE, FINE = range(0, 2), range(2, 4), range(4, 6)  # the layers of each resolution


class MappingNetwork(nn.Module):
    """z: (N, latent_dim) -> w: (N, w_dim). PixelNorm(z), then `layers` x (Linear -> LReLU).

    The paper's mapping layers learn 100 times slower than the rest (lr_multiplier 0.01): an
    equalized layer with weights stored at N(0, 1/m^2) and scaled by m * He's constant."""

    def __init__(self, latent_dim: int = 64, w_dim: int = 64, layers: int = 4,
                 pixel_norm: bool = True, equalized_lr: bool = True,
                 lr_multiplier: float = 0.01):
        super().__init__()
        modules = [PixelNorm() if pixel_norm else nn.Identity()]
        for i in range(layers):
            modules += [linear(latent_dim if i == 0 else w_dim, w_dim, equalized_lr,
                               lr_multiplier=lr_multiplier), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*modules)

    def forward(self, z):
        return self.net(z)


class AdaIN(nn.Module):
    """x: (N, C, H, W), w: (N, w_dim) -> (N, C, H, W):

        AdaIN(x, w) = (1 + s) * (x - mean(x)) / std(x) + b,   (s, b) = A(w), each (N, C)

    mean and std over each sample's each channel (instance normalisation, eps 1e-5 in the
    variance); A is a learned affine map w -> 2C (an equalized Linear with gain 1)."""

    def __init__(self, channels: int, w_dim: int, equalized_lr: bool = True):
        super().__init__()
        self.channels = channels
        self.style = linear(w_dim, 2 * channels, equalized_lr, gain=1.0)

    def forward(self, x, w):
        style = self.style(w).reshape(-1, 2, self.channels, 1, 1)
        return (1 + style[:, 0]) * F.instance_norm(x) + style[:, 1]


class NoiseInjection(nn.Module):
    """x: (N, C, H, W) -> x + strength[c] * noise, noise (N, 1, H, W) ~ N(0, 1): one map of fresh
    per-pixel noise per sample, shared by the channels, scaled by a learned per-channel strength
    (zero at the start). Pass `noise` to fix it (resampling it alone shows what it controls)."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(mg.zeros(channels))

    def forward(self, x, noise=None):
        if noise is None:
            noise = mg.randn(x.shape[0], 1, x.shape[2], x.shape[3], dtype=x.dtype)
        return x + self.weight.reshape(1, -1, 1, 1) * noise


class StyleLayer(nn.Module):
    """One layer of the synthesis network: [upsample ->] [conv 3x3 ->] noise -> LReLU -> AdaIN."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, upsample: bool = False,
                 convolve: bool = True, equalized_lr: bool = True):
        super().__init__()
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest") if upsample else None
        self.conv = conv(in_channels, out_channels, 3, equalized_lr) if convolve else None
        self.noise = NoiseInjection(out_channels)
        self.adain = AdaIN(out_channels, w_dim, equalized_lr)

    def forward(self, x, w, noise=None):
        if self.upsample is not None:
            x = self.upsample(x)
        if self.conv is not None:
            x = self.conv(x)
        return self.adain(F.leaky_relu(self.noise(x, noise), 0.2), w)


class SynthesisNetwork(nn.Module):
    """ws: (N, 6, w_dim) -> images (N, channels, 28, 28), from a learned constant (4w, 7, 7)."""

    def __init__(self, w_dim: int = 64, width: int = 8, channels: int = 1,
                 equalized_lr: bool = True):
        super().__init__()
        c = widths(width)
        self.const = nn.Parameter(mg.ones(1, c[0], 7, 7))
        self.layers = nn.ModuleList([
            StyleLayer(c[0], c[0], w_dim, convolve=False, equalized_lr=equalized_lr),   # 7x7
            StyleLayer(c[0], c[0], w_dim, equalized_lr=equalized_lr),
            StyleLayer(c[0], c[1], w_dim, upsample=True, equalized_lr=equalized_lr),    # 14x14
            StyleLayer(c[1], c[1], w_dim, equalized_lr=equalized_lr),
            StyleLayer(c[1], c[2], w_dim, upsample=True, equalized_lr=equalized_lr),    # 28x28
            StyleLayer(c[2], c[2], w_dim, equalized_lr=equalized_lr),
        ])
        self.to_rgb = conv(c[2], channels, 1, equalized_lr, gain=1.0)

    def forward(self, ws, noise=None):
        """noise: None (fresh noise in every layer) or a list of 6 maps (N, 1, R, R), R = 7, 7,
        14, 14, 28, 28 (noise_shapes())."""
        x = self.const.repeat(ws.shape[0], 1, 1, 1)
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i], None if noise is None else noise[i])
        return self.to_rgb(x).tanh()


def noise_shapes(n: int) -> list:
    """The shapes of the 6 noise maps of a batch of n: (n, 1, R, R) for R = 7, 7, 14, 14, 28, 28."""
    return [(n, 1, r, r) for r in (7, 7, 14, 14, 28, 28)]


class StyleGenerator(nn.Module):
    """z: (N, latent_dim) -> images (N, channels, 28, 28): mapping network, then synthesis.

    In training mode, forward updates the running mean w_avg (a buffer) and mixes the styles of
    two latents with probability style_mixing per batch. In eval mode, forward applies the
    truncation trick with `truncation_psi` (1: none). The parts, for steering:

        w = G.mapping(z)                     (N, w_dim)
        ws = G.broadcast(w)                  (N, 6, w_dim): the same w for every layer
        ws = G.truncate(ws, psi)             w_avg + psi * (ws - w_avg)
        images = G.synthesis(ws, noise)      noise: None (fresh) or 6 maps (noise_shapes)
    """

    def __init__(self, latent_dim: int = 64, w_dim: int = 64, width: int = 8, channels: int = 1,
                 mapping_layers: int = 4, style_mixing: float = 0.9, pixel_norm: bool = True,
                 equalized_lr: bool = True, w_avg_beta: float = 0.995):
        super().__init__()
        self.latent_dim, self.w_dim = latent_dim, w_dim
        self.style_mixing, self.w_avg_beta = style_mixing, w_avg_beta
        self.truncation_psi = 1.0
        self.mapping = MappingNetwork(latent_dim, w_dim, mapping_layers, pixel_norm, equalized_lr)
        self.synthesis = SynthesisNetwork(w_dim, width, channels, equalized_lr)
        self.register_buffer("w_avg", mg.zeros(w_dim))

    def broadcast(self, w):
        """(N, w_dim) -> (N, 6, w_dim): the same w for every layer."""
        return w.unsqueeze(1).repeat(1, NUM_WS, 1)

    def truncate(self, ws, psi: float):
        """The truncation trick: w_avg + psi * (ws - w_avg) (psi = 1: unchanged, 0: the mean)."""
        return self.w_avg.lerp(ws, psi)

    def mix(self, ws, ws2, crossover: int):
        """Layers [0, crossover) from ws, [crossover, 6) from ws2 (both (N, 6, w_dim))."""
        return mg.cat([ws[:, :crossover], ws2[:, crossover:]], dim=1)

    def forward(self, z, noise=None):
        w = self.mapping(z)
        ws = self.broadcast(w)
        if self.training:
            with mg.no_grad():   # the running mean w-bar
                self.w_avg.copy_(w.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
            if self.style_mixing > 0 and mg.rand(1).item() < self.style_mixing:
                crossover = int(mg.randint(1, NUM_WS, (1,)).item())
                ws = self.mix(ws, self.broadcast(self.mapping(mg.randn(*z.shape))), crossover)
        elif self.truncation_psi != 1:
            ws = self.truncate(ws, self.truncation_psi)
        return self.synthesis(ws, noise)


def num_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# ----------------------------------------------------------------------------- for the Trainer


def generator(config, data_shape):
    return StyleGenerator(config.latent_dim, config.latent_dim, config.width, data_shape[0],
                          config.mapping_layers, config.style_mixing, config.pixel_norm,
                          config.equalized_lr)


def discriminator(config, data_shape, batchnorm: bool = True):
    from minigan.gan.models.progan import ProDiscriminator

    return ProDiscriminator(config.width, data_shape[0], config.minibatch_std,
                            config.equalized_lr, stage=2)

