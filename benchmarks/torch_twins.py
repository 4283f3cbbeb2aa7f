"""PyTorch twins of minigan's GAN models: the same layers under the same state-dict names, so that
weights copy across with {k: torch.from_numpy(v.numpy())} (benchmarks only; tests build their own)."""

import math

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


def grad_norm(module: nn.Module) -> float:
    """gan.steps.grad_norm in PyTorch, which minigan's training step records in its history: the L2
    norm of all of module's parameter gradients together, the squares summed in float64."""
    squares = [p.grad.double().square().sum() for p in module.parameters() if p.grad is not None]
    return math.sqrt(float(torch.stack(squares).sum())) if squares else 0.0


def copy_weights(source, target: nn.Module) -> None:
    """Load a minigan module's state dict into its torch twin."""
    target.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in source.state_dict().items()})


class Draws:
    """Where a twin's random numbers come from: torch's own generator, or, after replay(draws),
    the arrays another library drew, in the order it drew them ([(kind, array)], kind "rand",
    "randn" or "randint"): the same noise, mixing and penalty points for a check of the losses."""

    def __init__(self):
        self.replayed = None

    def replay(self, draws) -> None:
        self.replayed = list(draws)

    def _take(self, kind: str, shape, draw):
        if self.replayed is None:
            return draw()
        if not self.replayed:
            raise RuntimeError(f"the twin drew more random numbers than were recorded ({kind}{tuple(shape)})")
        recorded, array = self.replayed.pop(0)
        if recorded != kind or array.shape != tuple(shape):
            raise RuntimeError(f"the twin drew {kind}{tuple(shape)} where {recorded}{array.shape} was recorded")
        return torch.from_numpy(array)

    def rand(self, *shape):
        return self._take("rand", shape, lambda: torch.rand(*shape))

    def randn(self, *shape):
        return self._take("randn", shape, lambda: torch.randn(*shape))

    def randint(self, low: int, high: int, size):
        return self._take("randint", size, lambda: torch.randint(low, high, size))


# ----------------------------------------------------------------------------- CycleGAN
# minigan.gan.models.cyclegan: G_AB and G_BA (Johnson et al.'s ResNet generator), D_A and D_B
# (the PatchGAN with InstanceNorm). The pairs are nn.ModuleDicts: state-dict keys "G_AB.model.1.weight".


class ResnetBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c))

    def forward(self, x):
        return x + self.block(x)


class ResnetGenerator28(nn.Module):
    def __init__(self, channels: int, width: int, blocks: int):
        super().__init__()
        w = width
        self.model = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(channels, w, 7), nn.InstanceNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 3, 2, 1), nn.InstanceNorm2d(2 * w), nn.ReLU(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.InstanceNorm2d(4 * w), nn.ReLU(),
            *[ResnetBlock(4 * w) for _ in range(blocks)],
            nn.ConvTranspose2d(4 * w, 2 * w, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(2 * w), nn.ReLU(),
            nn.ConvTranspose2d(2 * w, w, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(w), nn.ReLU(),
            nn.ReflectionPad2d(3), nn.Conv2d(w, channels, 7), nn.Tanh())

    def forward(self, x):
        return self.model(x)


def patch_discriminator28(channels: int, width: int) -> Twin:
    """CycleGAN's D: the unconditional PatchGAN, InstanceNorm (affine) in its middle layer."""
    w = width
    return Twin(nn.Sequential(
        nn.Conv2d(channels, w, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.InstanceNorm2d(2 * w, affine=True), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * w, 1, 3, 1, 1)))


def cycle_generators(channels: int, width: int, blocks: int) -> nn.ModuleDict:
    return nn.ModuleDict({"G_AB": ResnetGenerator28(channels, width, blocks),
                          "G_BA": ResnetGenerator28(channels, width, blocks)})


def cycle_discriminators(channels: int, width: int) -> nn.ModuleDict:
    return nn.ModuleDict({"D_A": patch_discriminator28(channels, width), "D_B": patch_discriminator28(channels, width)})


class ImagePool:
    """CycleGAN's pool of past translations (minigan.gan.translation.ImagePool): stores images
    until it holds `size`; then each new image is, with probability 1/2, swapped for a stored one."""

    def __init__(self, size: int, draws: Draws):
        self.size, self.draws, self.images = size, draws, []

    def query(self, images):
        out = []
        for image in images:
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif self.draws.rand(1).item() < 0.5:
                index = int(self.draws.randint(0, self.size, (1,)).item())
                out.append(self.images[index])
                self.images[index] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)


# ----------------------------------------------------------------------------- style-based GAN
# minigan.gan.models.stylegan's StyleGenerator and progan's ProDiscriminator at full resolution
# (stage 2), with equalized learning rate (weights scaled by He's constant at run time).


def he_constant(fan_in: int, gain: float) -> float:
    return gain / math.sqrt(fan_in)


class PixelNorm(nn.Module):
    def forward(self, x):
        return x / ((x * x).mean(dim=1, keepdim=True) + 1e-8).sqrt()


class EqualizedLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int, gain: float = math.sqrt(2), lr_multiplier: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.scale, self.lr_multiplier = he_constant(in_features, gain) * lr_multiplier, lr_multiplier

    def forward(self, x):
        bias = self.bias if self.lr_multiplier == 1 else self.bias * self.lr_multiplier
        return nn.functional.linear(x, self.weight * self.scale, bias)


class EqualizedConv2d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, gain: float = math.sqrt(2)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.scale, self.padding = he_constant(in_channels * kernel_size * kernel_size, gain), kernel_size // 2

    def forward(self, x):
        return nn.functional.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class AdaIN(nn.Module):
    def __init__(self, channels: int, w_dim: int):
        super().__init__()
        self.channels = channels
        self.style = EqualizedLinear(w_dim, 2 * channels, gain=1.0)

    def forward(self, x, w):
        style = self.style(w).reshape(-1, 2, self.channels, 1, 1)
        return (1 + style[:, 0]) * nn.functional.instance_norm(x) + style[:, 1]


class NoiseInjection(nn.Module):
    def __init__(self, channels: int, draws: Draws):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))
        self.draws = draws

    def forward(self, x):
        noise = self.draws.randn(x.shape[0], 1, x.shape[2], x.shape[3])
        return x + self.weight.reshape(1, -1, 1, 1) * noise


class StyleLayer(nn.Module):
    def __init__(self, cin: int, cout: int, w_dim: int, draws: Draws, upsample: bool = False, convolve: bool = True):
        super().__init__()
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest") if upsample else None
        self.conv = EqualizedConv2d(cin, cout, 3) if convolve else None
        self.noise = NoiseInjection(cout, draws)
        self.adain = AdaIN(cout, w_dim)

    def forward(self, x, w):
        if self.upsample is not None:
            x = self.upsample(x)
        if self.conv is not None:
            x = self.conv(x)
        return self.adain(nn.functional.leaky_relu(self.noise(x), 0.2), w)


class StyleGenerator(nn.Module):
    """z -> mapping (PixelNorm, 4 x EqualizedLinear(lr_multiplier 0.01) + LReLU) -> w; a learned
    constant (4w, 7, 7) through 6 style layers (7, 7, 14, 14, 28, 28) -> toRGB -> tanh. Training
    mode only: the running mean of w, and style mixing with probability `style_mixing`."""

    def __init__(self, latent_dim: int, width: int, channels: int, mapping_layers: int, style_mixing: float,
                 draws: Draws, w_avg_beta: float = 0.995):
        super().__init__()
        w_dim, c = latent_dim, (4 * width, 2 * width, width)
        mapping = [PixelNorm()]
        for i in range(mapping_layers):
            mapping += [EqualizedLinear(latent_dim if i == 0 else w_dim, w_dim, lr_multiplier=0.01), nn.LeakyReLU(0.2)]
        self.mapping = Twin(nn.Sequential(*mapping))
        self.synthesis = nn.Module()
        self.synthesis.const = nn.Parameter(torch.ones(1, c[0], 7, 7))
        self.synthesis.layers = nn.ModuleList([
            StyleLayer(c[0], c[0], w_dim, draws, convolve=False), StyleLayer(c[0], c[0], w_dim, draws),
            StyleLayer(c[0], c[1], w_dim, draws, upsample=True), StyleLayer(c[1], c[1], w_dim, draws),
            StyleLayer(c[1], c[2], w_dim, draws, upsample=True), StyleLayer(c[2], c[2], w_dim, draws)])
        self.synthesis.to_rgb = EqualizedConv2d(c[2], channels, 1, gain=1.0)
        self.register_buffer("w_avg", torch.zeros(w_dim))
        self.style_mixing, self.w_avg_beta, self.draws = style_mixing, w_avg_beta, draws

    def broadcast(self, w):
        return w.unsqueeze(1).repeat(1, len(self.synthesis.layers), 1)

    def forward(self, z):
        w = self.mapping(z)
        ws = self.broadcast(w)
        with torch.no_grad():
            self.w_avg.copy_(w.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if self.style_mixing > 0 and self.draws.rand(1).item() < self.style_mixing:
            crossover = int(self.draws.randint(1, ws.shape[1], (1,)).item())
            ws2 = self.broadcast(self.mapping(self.draws.randn(*z.shape)))
            ws = torch.cat([ws[:, :crossover], ws2[:, crossover:]], dim=1)
        x = self.synthesis.const.repeat(ws.shape[0], 1, 1, 1)
        for i, layer in enumerate(self.synthesis.layers):
            x = layer(x, ws[:, i])
        return self.synthesis.to_rgb(x).tanh()


class MinibatchStdDev(nn.Module):
    """(N, C, H, W) -> (N, C + 1, H, W): the mean over features of the standard deviation over a
    group of min(4, N) samples (sample n in group n mod N/G) as one more channel."""

    def forward(self, x, group_size: int = 4):
        n, _, h, w = x.shape
        g = min(group_size, n)
        y = x.reshape(g, n // g, *x.shape[1:])
        y = y - y.mean(dim=0, keepdim=True)
        s = ((y * y).mean(dim=0) + 1e-8).sqrt().reshape(n // g, -1).mean(dim=1).repeat(g)
        return torch.cat([x, s.reshape(n, 1, 1, 1).expand(n, 1, h, w)], dim=1)


class ProDiscriminator28(nn.Module):
    """Progressive GAN's critic at its last stage (28x28 in): fromRGB 2 -> block 2 -> block 1 ->
    block 0 (minibatch std, conv, two linear layers to one score). fromRGB 0 and 1 exist (and the
    buffers stage and alpha) so that the state dict is minigan's, but are not used."""

    def __init__(self, width: int, channels: int):
        super().__init__()
        c = (4 * width, 2 * width, width)
        self.blocks = nn.ModuleList([nn.Sequential(
            MinibatchStdDev(), EqualizedConv2d(c[0] + 1, c[0], 3), nn.LeakyReLU(0.2),
            nn.Flatten(), EqualizedLinear(c[0] * 7 * 7, c[0]), nn.LeakyReLU(0.2), EqualizedLinear(c[0], 1, gain=1.0))])
        for s in (1, 2):
            self.blocks.append(nn.Sequential(
                EqualizedConv2d(c[s], c[s], 3), nn.LeakyReLU(0.2), EqualizedConv2d(c[s], c[s - 1], 3),
                nn.LeakyReLU(0.2), nn.AvgPool2d(2)))
        self.from_rgb = nn.ModuleList([nn.Sequential(EqualizedConv2d(channels, c[s], 1), nn.LeakyReLU(0.2))
                                       for s in range(3)])
        self.register_buffer("stage", torch.tensor(2))
        self.register_buffer("alpha", torch.tensor(1.0))

    def forward(self, x):
        return self.blocks[0](self.blocks[1](self.blocks[2](self.from_rgb[2](x))))
