"""Remedies for mode collapse, composed onto a plain GAN instead of written into its models and
steps.

Each remedy changes one thing; the models (minigan/gan/models/) and the steps (minigan/gan/steps.py)
stay as their papers have them. Where each one acts:

    D's layers       add_minibatch_layer(D, "discrimination" | "stddev")   a layer before D's head
                     Packed(D, m)                                          PacGAN: m samples at once
                     spectral_normalise(D)                                 every Linear/Conv2d of D
    G's loss         gan.objectives.FeatureMatching(), gan.objectives.Unrolled(loss, k, lr)
                     (g_step(objective=...))
    D's inputs       add_instance_noise(x, sigma)   (d_step / g_step(instance_noise=sigma))
    D's loss         label smoothing: gan.get_loss(name, label_smoothing=s)
    the optimizers   two time-scale learning rates (lr_d, lr_g)

The Trainer composes them from a TrainConfig (minigan/gan/recipes.py: build_models; training.py).
"""

from __future__ import annotations

import minigan as mg
from minigan import nn

MINIBATCH_LAYERS = ("none", "discrimination", "stddev")
# The size of the minibatch-discrimination layer: B = 8 extra features from kernels of C = 4
# dimensions. Small on purpose: the layer builds an (N, N, B, C) tensor, and at B = 16, C = 8 a
# 128-sample MLP step on the ring took 19x as long as without the layer (4x at B = 8, C = 4).
MBD_FEATURES, MBD_KERNEL_DIMS = 8, 4
STDDEV_GROUP_SIZE = 4


def add_minibatch_layer(D: nn.Module, kind: str, init=None) -> nn.Module:
    """Give D a minibatch layer before its head (Salimans et al. 2016; Karras et al. 2018); returns
    D.

    D must hold its layers in a Sequential ``D.net`` that ends in a Linear head (MLP and DCGAN-28
    discriminators). kind "discrimination": nn.MinibatchDiscrimination on the flattened features
    (MBD_FEATURES more of them); "stddev": nn.MinibatchStdDev, which appends one channel to the
    feature maps before the Flatten (or one feature when there are no maps). The head is replaced by
    a Linear that is that much wider, initialised by `init` (e.g. dcgan_init; None: PyTorch's
    default). D.features(x) then includes the new features.
    """
    if kind not in MINIBATCH_LAYERS:
        raise ValueError(f"minibatch must be one of {', '.join(MINIBATCH_LAYERS)}, got {kind!r}")
    if kind == "none":
        return D
    layers = list(D.net) if isinstance(getattr(D, "net", None), nn.Sequential) else [None]
    head = layers[-1]
    if not isinstance(head, nn.Linear):
        raise ValueError(f"a minibatch layer goes before the Linear head of D.net (a Sequential), "
                         f"which {type(D).__name__} does not have")
    at, extra = len(layers) - 1, 1  # where the layer goes, and how many features it adds
    if kind == "discrimination":
        layer = nn.MinibatchDiscrimination(head.in_features, MBD_FEATURES, MBD_KERNEL_DIMS)
        extra = MBD_FEATURES
    else:
        layer = nn.MinibatchStdDev(group_size=STDDEV_GROUP_SIZE)
        if isinstance(layers[at - 1], nn.Flatten):  # on the maps: one channel of H*W features
            at -= 1
            convs = [m for m in layers[:at] if isinstance(m, nn.Conv2d)]
            extra = head.in_features // convs[-1].out_channels
    new_head = nn.Linear(head.in_features + extra, head.out_features, bias=head.bias is not None)
    if init is not None:
        init(new_head)
    D.net = nn.Sequential(*layers[:at], layer, *layers[at:-1], new_head)
    return D


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
            raise ValueError(f"Packed(pack={self.pack}): the batch size {n} is not divisible by "
                             f"{self.pack}")
        # (N, C, ...) -> (N/m, m*C, ...): samples k*m .. k*m + m-1 side by side
        return x.reshape(n // self.pack, self.pack * x.shape[1], *x.shape[2:])

    def forward(self, x):
        return self.discriminator(self._packed(x))

    def features(self, x):
        return self.discriminator.features(self._packed(x))


def spectral_normalise(D: nn.Module) -> nn.Module:
    """Spectral normalisation of every Linear and Conv2d of D (Miyato et al. 2018: each weight
    divided by its largest singular value, so D is 1-Lipschitz layer by layer); returns D."""
    for module in list(D.modules()):
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.utils.spectral_norm(module)
    return D


def add_instance_noise(x, sigma: float):
    """Instance noise (Sonderby et al. 2017; Arjovsky & Bottou 2017): x + sigma * N(0, I).

    Real and generated distributions overlap once both are blurred, so D cannot separate them
    perfectly and its gradient to G stays informative. sigma = 0 returns x itself."""
    if not sigma:
        return x
    return x + sigma * mg.randn(*x.shape, dtype=x.dtype)
