'''Everyday PyTorch code for the building blocks of Progressive GAN and StyleGAN, on PyTorch and on
minigan with only the imports swapped.

The program below is written fresh, in the style of the small PyTorch ports of the two papers that
students copy (one file, a class per block): pixel norm, the minibatch standard deviation, the
equalized-learning-rate layers (a Conv2d whose bias is taken out and whose input is scaled, and a
Linear with a learning-rate multiplier), a progressive generator and critic with the fade-in written
with torch.lerp, AdaIN on nn.InstanceNorm2d, noise injection, a mapping network, the running mean of
w and the truncation trick. It runs as program text that starts with ``import torch``, once with
real PyTorch and once with minigan (tests/test_pytorch_programs.py's swap_imports).

Two kinds of test, as for the PyTorch-GAN collection (tests/test_pytorch_gan_collection.py):

* every model class: built on both libraries, PyTorch's weights copied into minigan's (strict
  load_state_dict), the same float64 input (and the same noise where a block draws noise): the
  outputs, the input gradients and every parameter gradient agree;
* the training loop (WGAN-GP with the epsilon-drift term, growing 4x4 -> 8x8 with a fade-in, and a
  style-based generator with the truncation trick): finite losses that change, on both libraries.
'''

import numpy as np
import pytest

import minigan as mg
from test_pytorch_programs import check_losses, swap_imports

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

BLOCKS = '''
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class PixelNorm(nn.Module):
    def __init__(self, eps=1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return x / torch.sqrt(torch.mean(x ** 2, dim=1, keepdim=True) + self.eps)


class WSConv2d(nn.Module):
    """Equalized learning rate: N(0, 1) weights, the input scaled by sqrt(gain / fan_in)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1, gain=2):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding)
        self.scale = (gain / (in_channels * kernel_size ** 2)) ** 0.5
        self.bias = self.conv.bias
        self.conv.bias = None
        nn.init.normal_(self.conv.weight)
        nn.init.zeros_(self.bias)

    def forward(self, x):
        return self.conv(x * self.scale) + self.bias.view(1, self.bias.shape[0], 1, 1)


class EqualLinear(nn.Module):
    def __init__(self, in_dim, out_dim, lr_mul=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
        self.bias = nn.Parameter(torch.zeros(out_dim))
        self.scale = (1 / math.sqrt(in_dim)) * lr_mul
        self.lr_mul = lr_mul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, bias=self.bias * self.lr_mul)


def minibatch_std(x):
    batch_statistics = torch.std(x, dim=0).mean().repeat(x.shape[0], 1, x.shape[2], x.shape[3])
    return torch.cat([x, batch_statistics], dim=1)


class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, use_pixelnorm=True):
        super().__init__()
        self.conv1 = WSConv2d(in_channels, out_channels)
        self.conv2 = WSConv2d(out_channels, out_channels)
        self.leaky = nn.LeakyReLU(0.2)
        self.pn = PixelNorm()
        self.use_pn = use_pixelnorm

    def forward(self, x):
        x = self.leaky(self.conv1(x))
        x = self.pn(x) if self.use_pn else x
        x = self.leaky(self.conv2(x))
        x = self.pn(x) if self.use_pn else x
        return x


class Generator(nn.Module):
    def __init__(self, z_dim, channels, img_channels=1):
        super().__init__()
        self.initial = nn.Sequential(
            PixelNorm(),
            nn.ConvTranspose2d(z_dim, channels[0], 4, 1, 0),
            nn.LeakyReLU(0.2),
            WSConv2d(channels[0], channels[0]),
            nn.LeakyReLU(0.2),
            PixelNorm(),
        )
        self.prog_blocks = nn.ModuleList([])
        self.rgb_layers = nn.ModuleList([WSConv2d(channels[0], img_channels, 1, 1, 0, gain=1)])
        for i in range(len(channels) - 1):
            self.prog_blocks.append(ConvBlock(channels[i], channels[i + 1]))
            self.rgb_layers.append(WSConv2d(channels[i + 1], img_channels, 1, 1, 0, gain=1))

    def fade_in(self, alpha, upscaled, generated):
        return torch.tanh(torch.lerp(upscaled, generated, alpha))

    def forward(self, x, alpha, steps):
        out = self.initial(x.view(x.shape[0], -1, 1, 1))
        if steps == 0:
            return torch.tanh(self.rgb_layers[0](out))
        for step in range(steps):
            upscaled = F.interpolate(out, scale_factor=2, mode="nearest")
            out = self.prog_blocks[step](upscaled)
        final_upscaled = self.rgb_layers[steps - 1](upscaled)
        final_out = self.rgb_layers[steps](out)
        return self.fade_in(alpha, final_upscaled, final_out)


class Critic(nn.Module):
    def __init__(self, channels, img_channels=1):
        super().__init__()
        self.prog_blocks, self.rgb_layers = nn.ModuleList([]), nn.ModuleList([])
        self.leaky = nn.LeakyReLU(0.2)
        for i in range(len(channels) - 1, 0, -1):
            self.prog_blocks.append(ConvBlock(channels[i], channels[i - 1], use_pixelnorm=False))
            self.rgb_layers.append(WSConv2d(img_channels, channels[i], 1, 1, 0))
        self.initial_rgb = WSConv2d(img_channels, channels[0], 1, 1, 0)
        self.rgb_layers.append(self.initial_rgb)
        self.avg_pool = nn.AvgPool2d(kernel_size=2, stride=2)
        self.final_block = nn.Sequential(
            WSConv2d(channels[0] + 1, channels[0], 3, 1, 1),
            nn.LeakyReLU(0.2),
            WSConv2d(channels[0], channels[0], 4, 1, 0),
            nn.LeakyReLU(0.2),
            WSConv2d(channels[0], 1, 1, 1, 0),
        )

    def fade_in(self, alpha, downscaled, out):
        return torch.lerp(downscaled, out, alpha)

    def forward(self, x, alpha, steps):
        cur_step = len(self.prog_blocks) - steps
        out = self.leaky(self.rgb_layers[cur_step](x))
        if steps == 0:
            out = minibatch_std(out)
            return self.final_block(out).view(out.shape[0], -1)
        downscaled = self.leaky(self.rgb_layers[cur_step + 1](self.avg_pool(x)))
        out = self.avg_pool(self.prog_blocks[cur_step](out))
        out = self.fade_in(alpha, downscaled, out)
        for step in range(cur_step + 1, len(self.prog_blocks)):
            out = self.avg_pool(self.prog_blocks[step](out))
        out = minibatch_std(out)
        return self.final_block(out).view(out.shape[0], -1)


class AdaIN(nn.Module):
    def __init__(self, channels, w_dim):
        super().__init__()
        self.instance_norm = nn.InstanceNorm2d(channels)
        self.style_scale = EqualLinear(w_dim, channels)
        self.style_bias = EqualLinear(w_dim, channels)

    def forward(self, x, w):
        x = self.instance_norm(x)
        style_scale = self.style_scale(w).unsqueeze(2).unsqueeze(3)
        style_bias = self.style_bias(w).unsqueeze(2).unsqueeze(3)
        return style_scale * x + style_bias


class InjectNoise(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x, noise=None):
        if noise is None:
            noise = torch.randn((x.shape[0], 1, x.shape[2], x.shape[3]), device=x.device)
        return x + self.weight * noise


class MappingNetwork(nn.Module):
    def __init__(self, z_dim, w_dim, n_layers=4):
        super().__init__()
        layers = [PixelNorm()]
        for i in range(n_layers):
            layers += [EqualLinear(z_dim if i == 0 else w_dim, w_dim, lr_mul=0.01), nn.LeakyReLU(0.2)]
        self.mapping = nn.Sequential(*layers)

    def forward(self, z):
        return self.mapping(z)


class StyleBlock(nn.Module):
    def __init__(self, in_channels, out_channels, w_dim):
        super().__init__()
        self.conv = WSConv2d(in_channels, out_channels)
        self.inject_noise = InjectNoise(out_channels)
        self.adain = AdaIN(out_channels, w_dim)
        self.leaky = nn.LeakyReLU(0.2)

    def forward(self, x, w, noise=None):
        return self.adain(self.leaky(self.inject_noise(self.conv(x), noise)), w)


class StyleGenerator(nn.Module):
    def __init__(self, z_dim, w_dim, channels, img_channels=1, w_avg_beta=0.995):
        super().__init__()
        self.map = MappingNetwork(z_dim, w_dim)
        self.const = nn.Parameter(torch.ones(1, channels, 4, 4))
        self.block1 = StyleBlock(channels, channels, w_dim)
        self.block2 = StyleBlock(channels, channels, w_dim)
        self.to_rgb = WSConv2d(channels, img_channels, 1, 1, 0, gain=1)
        self.register_buffer("w_avg", torch.zeros(w_dim))
        self.w_avg_beta = w_avg_beta

    def forward(self, z, truncation_psi=1.0, noise=(None, None)):
        w = self.map(z)
        if self.training:
            self.w_avg.copy_(w.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if truncation_psi != 1:
            w = self.w_avg.lerp(w, truncation_psi)
        x = self.block1(self.const.repeat(z.shape[0], 1, 1, 1), w, noise[0])
        x = self.block2(F.interpolate(x, scale_factor=2), w, noise[1])
        return torch.tanh(self.to_rgb(x))
'''

TRAINING = BLOCKS + '''
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
images = torch.rand(64, 1, 8, 8) * 2 - 1
loader = DataLoader(TensorDataset(images), batch_size=8, shuffle=True)
Z_DIM, LAMBDA_GP, EPS_DRIFT = 16, 10, 0.001

gen = Generator(Z_DIM, [16, 8]).to(device)
critic = Critic([16, 8]).to(device)
opt_gen = torch.optim.Adam(gen.parameters(), lr=1e-3, betas=(0.0, 0.99))
opt_critic = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.0, 0.99))


def gradient_penalty(critic, real, fake, alpha, steps):
    beta = torch.rand((real.shape[0], 1, 1, 1), device=device)
    interpolated = (real * beta + fake.detach() * (1 - beta)).requires_grad_(True)
    scores = critic(interpolated, alpha, steps)
    gradient = torch.autograd.grad(inputs=interpolated, outputs=scores, grad_outputs=torch.ones_like(scores),
                                   create_graph=True, retain_graph=True)[0]
    gradient = gradient.view(gradient.shape[0], -1)
    return ((gradient.norm(2, dim=1) - 1) ** 2).mean()


losses = []
for steps, epochs in ((0, 1), (1, 1)):
    alpha = 1e-5
    for epoch in range(epochs):
        for (real,) in loader:
            real = real.to(device)
            real = F.interpolate(real, size=4 * 2 ** steps)  # the data at the current resolution
            noise = torch.randn(real.shape[0], Z_DIM, 1, 1).to(device)
            fake = gen(noise, alpha, steps)
            critic_real = critic(real, alpha, steps)
            critic_fake = critic(fake.detach(), alpha, steps)
            gp = gradient_penalty(critic, real, fake, alpha, steps)
            loss_critic = (-(torch.mean(critic_real) - torch.mean(critic_fake)) + LAMBDA_GP * gp
                           + EPS_DRIFT * torch.mean(critic_real ** 2))
            opt_critic.zero_grad()
            loss_critic.backward()
            opt_critic.step()

            gen_fake = critic(fake, alpha, steps)
            loss_gen = -torch.mean(gen_fake)
            opt_gen.zero_grad()
            loss_gen.backward()
            opt_gen.step()
            alpha = min(alpha + 1 / len(loader), 1.0)   # the fade-in
            losses.append((loss_critic.item(), loss_gen.item()))

style = StyleGenerator(Z_DIM, Z_DIM, 8).to(device)
opt_style = torch.optim.Adam(style.parameters(), lr=1e-3, betas=(0.0, 0.99))
for (real,) in loader:
    real = real.to(device)
    fake = style(torch.randn(real.shape[0], Z_DIM, device=device))
    d_loss = -(torch.mean(critic(real, 1.0, 1)) - torch.mean(critic(fake.detach(), 1.0, 1)))
    opt_critic.zero_grad()
    d_loss.backward()
    opt_critic.step()
    g_loss = -torch.mean(critic(fake, 1.0, 1))
    opt_style.zero_grad()
    g_loss.backward()
    opt_style.step()
    losses.append((d_loss.item(), g_loss.item()))

style.eval()
with torch.no_grad():
    truncated = style(torch.randn(16, Z_DIM), truncation_psi=0.0, noise=(torch.zeros(16, 1, 4, 4), torch.zeros(16, 1, 8, 8)))
assert (truncated - truncated[:1]).abs().max().item() < 1e-5  # psi = 0 and no noise: the mean image
'''


def load(lib: str) -> dict:
    code = BLOCKS if lib == "torch" else swap_imports(BLOCKS)
    namespace = {"__name__": f"karras_blocks_{lib}"}
    exec(compile(code, f"<karras blocks on {lib}>", "exec"), namespace)
    return namespace


@pytest.fixture
def float64_everywhere():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    mg.set_default_dtype(np.float64)
    yield
    torch.set_default_dtype(previous)


class Call:
    """Call a block with fixed extra arguments (alpha, steps, noise) after its tensor inputs."""

    def __init__(self, *extra, noise_shapes=()):
        self.extra, self.noise_shapes = extra, noise_shapes


NOISE = np.random.default_rng(5)

# (class, how to build it from the program's namespace, input shapes, extra arguments)
CASES = [
    ("PixelNorm", lambda ns: ns["PixelNorm"](), [(2, 5, 3, 3)], ()),
    ("WSConv2d", lambda ns: ns["WSConv2d"](3, 4), [(2, 3, 5, 5)], ()),
    ("EqualLinear", lambda ns: ns["EqualLinear"](6, 4, lr_mul=0.01), [(3, 6)], ()),
    ("ConvBlock", lambda ns: ns["ConvBlock"](3, 4), [(2, 3, 5, 5)], ()),
    ("Generator", lambda ns: ns["Generator"](8, [8, 4, 4]), [(4, 8)], (0.3, 2)),
    ("Critic", lambda ns: ns["Critic"]([8, 4, 4]), [(4, 1, 16, 16)], (0.3, 2)),
    ("AdaIN", lambda ns: ns["AdaIN"](3, 5), [(2, 3, 4, 4), (2, 5)], ()),
    ("InjectNoise", lambda ns: ns["InjectNoise"](3), [(2, 3, 4, 4), (2, 1, 4, 4)], ()),
    ("MappingNetwork", lambda ns: ns["MappingNetwork"](6, 5), [(3, 6)], ()),
    ("StyleBlock", lambda ns: ns["StyleBlock"](3, 4, 5), [(2, 3, 4, 4), (2, 5), (2, 1, 4, 4)], ()),
]


def _randomise(model, lib):
    """Nonzero values in what starts at zero (biases, noise strengths), the same on both libraries."""
    rng = np.random.default_rng(1)
    for name, p in model.named_parameters():
        values = rng.uniform(-0.5, 0.5, tuple(p.shape))
        with lib.no_grad():
            p.copy_(lib.tensor(values))


def _run(model, lib, inputs, extra, upstream):
    tensors = [lib.tensor(x, requires_grad=True) for x in inputs]
    out = model(*tensors, *extra)
    (out * lib.tensor(upstream)).sum().backward()

    def numpy(t):
        return t.detach().numpy()
    return numpy(out), [numpy(t.grad) for t in tensors], {n: numpy(p.grad) for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("name, build, shapes, extra", CASES, ids=[c[0] for c in CASES])
def test_block_matches_pytorch(name, build, shapes, extra, float64_everywhere):
    theirs, ours = build(load("torch")), build(load("minigan"))
    _randomise(theirs, torch)
    state = {key: value.detach().numpy().copy() for key, value in theirs.state_dict().items()}
    ours.load_state_dict(state)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-1, 1, shape) for shape in shapes]
    with torch.no_grad():
        out_shape = tuple(theirs(*[torch.tensor(x) for x in inputs], *extra).shape)
    upstream = rng.standard_normal(out_shape)
    t_out, t_in, t_params = _run(theirs, torch, inputs, extra, upstream)
    m_out, m_in, m_params = _run(ours, mg, inputs, extra, upstream)
    np.testing.assert_allclose(m_out, t_out, rtol=1e-7, atol=1e-9, err_msg=f"{name} output")
    for got, expected in zip(m_in, t_in):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9, err_msg=f"{name} input gradient")
    assert sorted(m_params) == sorted(t_params)
    for key in t_params:
        np.testing.assert_allclose(m_params[key], t_params[key], rtol=1e-6, atol=1e-9, err_msg=f"{name} {key}")


def test_every_block_of_the_program_is_checked():
    namespace = load("torch")
    defined = {name for name, value in namespace.items()
               if isinstance(value, type) and issubclass(value, torch.nn.Module) and value.__module__ == namespace["__name__"]}
    assert defined == {c[0] for c in CASES} | {"StyleGenerator"}


def test_truncation_and_the_running_mean_of_w_match_pytorch(float64_everywhere):
    theirs, ours = load("torch")["StyleGenerator"](6, 6, 4), load("minigan")["StyleGenerator"](6, 6, 4)
    _randomise(theirs, torch)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    z = np.random.default_rng(3).standard_normal((5, 6))
    noise = [np.random.default_rng(4).standard_normal(s) for s in ((5, 1, 4, 4), (5, 1, 8, 8))]
    results = []
    for lib, model in ((torch, theirs), (mg, ours)):
        model.train()
        model(lib.tensor(z), noise=tuple(lib.tensor(n) for n in noise))      # updates w_avg
        model.eval()
        with lib.no_grad():
            out = model(lib.tensor(z), truncation_psi=0.6, noise=tuple(lib.tensor(n) for n in noise))
        results.append((model.w_avg.detach().numpy(), out.detach().numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-9)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-7, atol=1e-9)


@pytest.fixture
def one_torch_thread():
    """PyTorch's own threads fight over a shared machine's cores (10x slower here): one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("lib", ["torch", "minigan"])
def test_training_loop_runs_with_finite_changing_losses(lib, one_torch_thread):
    code = TRAINING if lib == "torch" else swap_imports(TRAINING)
    namespace = {"__name__": f"karras_training_{lib}"}
    exec(compile(code, f"<karras training on {lib}>", "exec"), namespace)
    check_losses(namespace["losses"], 8 + 8 + 8)
