"""Generators and discriminators: MLPs, DCGAN (28x28 and the 64x64 pytorch/examples layout),
and conditional versions that also take a class label.

Every discriminator returns raw scores of shape (N, 1): logits for the BCE losses, critic values
for the Wasserstein ones. `batchnorm=False` gives the critic variant WGAN-GP needs (its gradient
penalty is per sample, which batch statistics would couple).

For the mode-collapse remedies every discriminator also has
    D.features(x)        the input of its last layer, flattened to (N, F) (feature matching);
    minibatch=...        "discrimination" or "stddev": a minibatch layer before the last layer
                         (nn.MinibatchDiscrimination / nn.MinibatchStdDev), "none" by default;
and Packed(D, m) makes any of them a PacGAN discriminator of m samples at once.
"""

from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import nn


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


MINIBATCH_LAYERS = ("none", "discrimination", "stddev")
# The size of the minibatch-discrimination layer: B = 8 extra features from kernels of C = 4
# dimensions. Small on purpose: the layer builds an (N, N, B, C) tensor, and at B = 16, C = 8 a
# 128-sample MLP step on the ring took 19x as long as without the layer (4x at B = 8, C = 4).
MBD_FEATURES, MBD_KERNEL_DIMS = 8, 4
STDDEV_GROUP = 4  # minibatch="stddev": statistics over groups of 4 (D's batches must divide by it)


def _minibatch_layer(kind: str, features: int) -> tuple[list, int]:
    """([the layer] or [], the features after it) for minibatch = kind on (N, features) inputs."""
    if kind not in MINIBATCH_LAYERS:
        raise ValueError(f"minibatch must be one of {', '.join(MINIBATCH_LAYERS)}, got {kind!r}")
    if kind == "discrimination":
        return [nn.MinibatchDiscrimination(features, MBD_FEATURES, MBD_KERNEL_DIMS)], features + MBD_FEATURES
    if kind == "stddev":
        return [nn.MinibatchStdDev(group_size=STDDEV_GROUP)], features + 1
    return [], features


def _features(net, x, head: int = 1):
    """The output of all but the last `head` layers of a Sequential, flattened to (N, F)."""
    for layer in list(net)[:-head]:
        x = layer(x)
    return x.reshape(x.shape[0], -1)


class Packed(nn.Module):
    """PacGAN (Lin et al. 2018): D judges m samples at once, concatenated along features/channels.

    x: (N, C, ...) -> D((N/m, m*C, ...)) -> scores (N/m, 1). All m samples of a pack are real or
    all fake; a D that sees m samples together sees the lack of diversity of a collapsed G (the
    packed fake distribution p_g^m is far from p_data^m in total variation when p_g misses modes).
    The inner D must be built for m*C input channels (or m*F features); N must be divisible by m.
    """

    def __init__(self, discriminator: nn.Module, pack: int):
        super().__init__()
        if not isinstance(pack, int) or isinstance(pack, bool) or pack < 2:
            raise ValueError(f"Packed: pack must be an integer >= 2, got {pack!r}")
        self.discriminator, self.pack = discriminator, pack

    def _packed(self, x):
        n = x.shape[0]
        if n % self.pack:
            raise ValueError(f"Packed(pack={self.pack}): the batch size {n} is not divisible by {self.pack}")
        # (N, C, ...) -> (N/m, m*C, ...): samples k*m .. k*m + m-1 side by side
        return x.reshape(n // self.pack, self.pack * x.shape[1], *x.shape[2:])

    def forward(self, x):
        return self.discriminator(self._packed(x))

    def features(self, x):
        return self.discriminator.features(self._packed(x))


def _norm(kind: str, channels: int, batchnorm: bool) -> list:
    if not batchnorm:
        return []
    return [nn.BatchNorm2d(channels) if kind == "2d" else nn.BatchNorm1d(channels)]


# ----------------------------------------------------------------------------- MLP


class MLPGenerator(nn.Module):
    """z: (N, latent_dim) -> samples of `out_shape` (e.g. (2,) for toy data, (1, 28, 28) for images).

    Linear + ReLU hidden layers; the output is tanh-squashed for images in [-1, 1] (`tanh=True`)
    and linear for unbounded 2-D data.
    """

    def __init__(self, latent_dim: int = 2, out_shape=(2,), hidden=(128, 128), tanh: bool = False):
        super().__init__()
        self.latent_dim, self.out_shape = latent_dim, tuple(out_shape)
        layers, width = [], latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, int(np.prod(self.out_shape))))
        if tanh:
            layers.append(nn.Tanh())
        if len(self.out_shape) > 1:
            layers.append(nn.Unflatten(1, self.out_shape))
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """x: (N, *in_shape) -> scores (N, 1). LeakyReLU(0.2) hidden layers; `minibatch` adds a
    minibatch layer before the output layer."""

    def __init__(self, in_shape=(2,), hidden=(128, 128), minibatch: str = "none"):
        super().__init__()
        self.in_shape = tuple(in_shape)
        layers, width = [nn.Flatten()], int(np.prod(self.in_shape))
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        extra, width = _minibatch_layer(minibatch, width)
        layers += extra + [nn.Linear(width, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)

    def features(self, x):
        """The input of the output layer: (N, F)."""
        return _features(self.net, x)


# ----------------------------------------------------------------------------- DCGAN 28x28


class DCGANGenerator28(nn.Module):
    """z: (N, latent_dim) -> images (N, channels, 28, 28) in [-1, 1].

    Linear -> (2*width, 7, 7) -> BN -> ReLU -> ConvTranspose 4/2/1 -> (width, 14, 14) -> BN -> ReLU
    -> ConvTranspose 4/2/1 -> (channels, 28, 28) -> Tanh.
    """

    def __init__(self, latent_dim: int = 100, width: int = 64, channels: int = 1, batchnorm: bool = True):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 2 * width * 7 * 7, bias=not batchnorm),
            nn.Unflatten(1, (2 * width, 7, 7)),
            *_norm("2d", 2 * width, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=not batchnorm),
            *_norm("2d", width, batchnorm),
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
    -> Flatten -> Linear. `batchnorm=False` is the WGAN-GP critic. minibatch="stddev" appends the
    minibatch-std channel to the (2*width, 7, 7) maps, "discrimination" appends its features after
    Flatten.
    """

    def __init__(self, width: int = 64, channels: int = 1, batchnorm: bool = True, minibatch: str = "none"):
        super().__init__()
        features = 2 * width * 7 * 7
        if minibatch == "stddev":
            extra, features = [nn.MinibatchStdDev(group_size=STDDEV_GROUP)], (2 * width + 1) * 7 * 7
        else:
            extra, features = _minibatch_layer(minibatch, features)
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not batchnorm),
            *_norm("2d", 2 * width, batchnorm),
            nn.LeakyReLU(0.2),
            *(extra if minibatch == "stddev" else []),
            nn.Flatten(),
            *(extra if minibatch != "stddev" else []),
            nn.Linear(features, 1),
        )
        dcgan_init(self)

    def forward(self, x):
        return self.net(x)

    def features(self, x):
        """The input of the final Linear layer: (N, F)."""
        return _features(self.net, x)


# ----------------------------------------------------------------------------- DCGAN 64x64


class DCGANGenerator64(nn.Module):
    """The pytorch/examples DCGAN generator: z (N, latent_dim) -> images (N, channels, 64, 64).

    ConvTranspose 4/1/0 to (8w, 4, 4), then four ConvTranspose 4/2/1 doubling the size
    (8w -> 4w -> 2w -> w -> channels), BN + ReLU between, Tanh at the end.
    """

    def __init__(self, latent_dim: int = 100, width: int = 64, channels: int = 3, batchnorm: bool = True):
        super().__init__()
        self.latent_dim = latent_dim
        widths = [8 * width, 4 * width, 2 * width, width]
        layers = [nn.Unflatten(1, (latent_dim, 1, 1)),
                  nn.ConvTranspose2d(latent_dim, widths[0], 4, 1, 0, bias=not batchnorm),
                  *_norm("2d", widths[0], batchnorm), nn.ReLU()]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=not batchnorm),
                       *_norm("2d", w_out, batchnorm), nn.ReLU()]
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
                       *_norm("2d", w_out, batchnorm), nn.LeakyReLU(0.2)]
        layers += [nn.Conv2d(8 * width, 1, 4, 1, 0), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, x):
        return self.net(x)

    def features(self, x):
        """The input of the final Conv (8*width, 4, 4 maps), flattened: (N, 128 * width)."""
        return _features(self.net, x, head=2)


# ----------------------------------------------------------------------------- conditional (cGAN)


class ConditionalGenerator28(nn.Module):
    """G(z, y): the class label y (N,) is embedded and concatenated to z, then a DCGAN28 body."""

    def __init__(self, latent_dim: int = 100, num_classes: int = 10, width: int = 64,
                 channels: int = 1, embedding_dim: int = 10):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.label_embedding = nn.Embedding(num_classes, embedding_dim)
        self.body = DCGANGenerator28(latent_dim + embedding_dim, width, channels)

    def forward(self, z, labels):
        return self.body(mg.cat([z, self.label_embedding(labels)], dim=1))


class ConditionalDiscriminator28(nn.Module):
    """D(x, y): the label becomes an extra 28x28 input channel (a learned map per class)."""

    def __init__(self, num_classes: int = 10, width: int = 64, channels: int = 1, batchnorm: bool = True):
        super().__init__()
        self.num_classes = num_classes
        self.label_map = nn.Embedding(num_classes, 28 * 28)
        self.body = DCGANDiscriminator28(width, channels + 1, batchnorm)

    def _with_labels(self, x, labels):
        return mg.cat([x, self.label_map(labels).reshape(x.shape[0], 1, 28, 28)], dim=1)

    def forward(self, x, labels):
        return self.body(self._with_labels(x, labels))

    def features(self, x, labels):
        return self.body.features(self._with_labels(x, labels))


# ----------------------------------------------------------------------------- sampling


def generate(G: nn.Module, z, labels=None) -> np.ndarray:
    """G(z) (or G(z, labels)) as a NumPy array, with G in eval mode (BatchNorm uses its running
    statistics) and no graph built; G's mode is restored afterwards."""
    was_training = G.training
    G.eval()
    try:
        with mg.no_grad():
            out = G(z) if labels is None else G(z, labels)
    finally:
        G.train(was_training)
    return out.numpy()


def sample(G: nn.Module, n: int, batch_size: int = 500, seed: int | None = None) -> np.ndarray:
    """n samples of G as a NumPy array, drawn with `generate` (eval mode, no graph).

    z ~ N(0, I) of G.latent_dim: from minigan's global generator, or, with `seed`, from a private
    NumPy generator (the global random state is then neither used nor changed: evaluating a run
    does not alter it). A conditional G (one with `num_classes`) gets labels 0, 1, 2, ... cycling.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"sample: n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed) if seed is not None else None
    num_classes = getattr(G, "num_classes", None)
    parts = []
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        z = (mg.randn(size, G.latent_dim) if rng is None
             else mg.tensor(rng.standard_normal((size, G.latent_dim)).astype(np.float32)))
        labels = (None if num_classes is None
                  else mg.tensor(np.arange(start, start + size) % num_classes, dtype=mg.int64))
        parts.append(generate(G, z, labels))
    return np.concatenate(parts)
