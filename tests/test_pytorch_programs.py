'''Small PyTorch GAN programs, run once on PyTorch and once on minigan with only the imports swapped.

Each program below is ordinary PyTorch code, written fresh in the style of the programs students
copy from: pytorch/examples' DCGAN, the single-file scripts of the popular PyTorch GAN collection
(gan, dcgan, wgan, wgan_gp, wgan_div, lsgan, cgan, acgan, bgan, softmax_gan, relativistic_gan), d2l.ai's
GAN and DCGAN chapters, PyTorch's DCGAN tutorial and
a beginner's MLP GAN. They train a few steps on small random data (torchvision's datasets are
replaced by a TensorDataset) and append (D loss, G loss) to `losses`.

swap_imports rewrites only the import lines: ``import torch`` -> ``import minigan as torch``, and
``torch``/``torchvision`` -> ``minigan`` in the other import lines (``import torch.nn as nn`` ->
``import minigan.nn as nn``, ``from torchvision.utils import save_image`` -> ``from
minigan.utils import save_image``). The program text is otherwise the same for both libraries.
'''

import math
import re
import sys
import types

import pytest

def swap_imports(code: str) -> str:
    """The program with minigan in place of torch/torchvision in its import lines (only there)."""
    lines = []
    for line in code.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"import torch", stripped):
            line = line.replace("import torch", "import minigan as torch")
        elif re.match(r"(import|from)\s+torch(vision)?\b", stripped):
            line = re.sub(r"\btorch(vision)?\b", "minigan", line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_swap_imports_touches_only_import_lines():
    code = ("import torch\nimport torch.nn as nn\nfrom torch import nn, optim\n"
            "import torch.nn.functional as F\nfrom torch.autograd import Variable\n"
            "import torchvision.utils as vutils\nx = torch.ones(2)  # torch stays\n")
    assert swap_imports(code) == (
        "import minigan as torch\nimport minigan.nn as nn\nfrom minigan import nn, optim\n"
        "import minigan.nn.functional as F\nfrom minigan.autograd import Variable\n"
        "import minigan.utils as vutils\nx = torch.ones(2)  # torch stays\n")


@pytest.fixture
def fake_torchvision(monkeypatch):
    """On the PyTorch run, torchvision.utils is tests/torch_references.py's make_grid/save_image."""
    from torch_references import torchvision_make_grid, torchvision_save_image

    utils = types.ModuleType("torchvision.utils")
    utils.make_grid, utils.save_image = torchvision_make_grid, torchvision_save_image
    package = types.ModuleType("torchvision")
    package.utils = utils
    monkeypatch.setitem(sys.modules, "torchvision", package)
    monkeypatch.setitem(sys.modules, "torchvision.utils", utils)


def run_program(code: str, out_dir, name: str) -> list:
    namespace = {"__name__": "__program__", "OUT": str(out_dir)}
    exec(compile(code, name, "exec"), namespace)
    return namespace["losses"]


def check_losses(losses, steps: int):
    """Every step's (D loss, G loss) is finite, and both change during training."""
    assert len(losses) == steps
    for d, g in losses:
        assert isinstance(d, float) and isinstance(g, float)
        assert math.isfinite(d) and math.isfinite(g)
    assert len({d for d, _ in losses}) > 1 and len({g for _, g in losses}) > 1


# ----------------------------------------------------------------------------- the programs

BEGINNER_MLP_GAN = '''
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
images = torch.rand(64, 1, 8, 8) * 2 - 1            # stands in for MNIST, scaled to [-1, 1]
labels = torch.zeros(64, dtype=torch.long)
loader = DataLoader(TensorDataset(images, labels), batch_size=16, shuffle=True, num_workers=1)

latent_dim = 16
generator = nn.Sequential(
    nn.Linear(latent_dim, 64), nn.ReLU(),
    nn.Linear(64, 64), nn.Tanh(),
).to(device)
discriminator = nn.Sequential(
    nn.Linear(64, 32), nn.LeakyReLU(0.2),
    nn.Linear(32, 1), nn.Sigmoid(),
).to(device)

criterion = nn.BCELoss()
opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))

losses = []
for epoch in range(2):
    for real, _ in loader:
        real = real.view(real.size(0), -1).to(device)
        batch = real.size(0)
        ones = torch.ones(batch, 1, device=device)
        zeros = torch.zeros(batch, 1, device=device)

        z = torch.randn(batch, latent_dim, device=device)
        fake = generator(z)
        d_loss = criterion(discriminator(real), ones) + criterion(discriminator(fake.detach()), zeros)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()

        g_loss = criterion(discriminator(fake), ones)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        losses.append((d_loss.item(), g_loss.item()))

with torch.no_grad():
    samples = generator(torch.randn(4, latent_dim, device=device)).cpu().numpy()
assert samples.shape == (4, 64)
'''

PYTORCH_EXAMPLES_DCGAN = '''
import os
import random
import torch
import torch.nn as nn
import torch.backends.cudnn as cudnn
import torch.optim as optim
import torch.utils.data
import torchvision.utils as vutils

manualSeed = 999
random.seed(manualSeed)
torch.manual_seed(manualSeed)
cudnn.benchmark = True

if torch.accelerator.is_available():
    device = torch.accelerator.current_accelerator()
else:
    device = torch.device("cpu")

nz, ngf, ndf, nc = 8, 4, 4, 1
dataset = torch.utils.data.TensorDataset(torch.rand(32, nc, 16, 16) * 2 - 1, torch.zeros(32))
dataloader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=True, num_workers=0)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )

    def forward(self, input):
        if input.is_cuda and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)
        return output


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


netG = Generator(1).to(device)
netG.apply(weights_init)
netD = Discriminator(1).to(device)
netD.apply(weights_init)

criterion = nn.BCELoss()
fixed_noise = torch.randn(8, nz, 1, 1, device=device)
real_label = 1
fake_label = 0
optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

losses = []
for epoch in range(2):
    for i, data in enumerate(dataloader, 0):
        netD.zero_grad()
        real_cpu = data[0].to(device)
        batch_size = real_cpu.size(0)
        label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
        output = netD(real_cpu)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        noise = torch.randn(batch_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        losses.append((errD.item(), errG.item()))
    vutils.save_image(real_cpu, '%s/real_samples.png' % OUT, normalize=True)
    fake = netG(fixed_noise)
    vutils.save_image(fake.detach(), '%s/fake_samples_epoch_%03d.png' % (OUT, epoch), normalize=True)
    torch.save(netG.state_dict(), '%s/netG_epoch_%d.pth' % (OUT, epoch))

assert os.path.exists('%s/fake_samples_epoch_001.png' % OUT)
netG.load_state_dict(torch.load('%s/netG_epoch_1.pth' % OUT))
'''

COLLECTION_GAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset
from torchvision.utils import save_image

img_shape = (1, 8, 8)
latent_dim = 16
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *block(latent_dim, 32, normalize=False),
            *block(32, 64),
            nn.Linear(64, int(np.prod(img_shape))),
            nn.Tanh()
        )

    def forward(self, z):
        img = self.model(z)
        img = img.view(img.size(0), *img_shape)
        return img


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.model = nn.Sequential(
            nn.Linear(int(np.prod(img_shape)), 32),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(32, 1),
            nn.Sigmoid(),
        )

    def forward(self, img):
        img_flat = img.view(img.size(0), -1)
        validity = self.model(img_flat)
        return validity


adversarial_loss = torch.nn.BCELoss()
generator = Generator()
discriminator = Discriminator()
if cuda:
    generator.cuda()
    discriminator.cuda()
    adversarial_loss.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(48, *img_shape) * 2 - 1, torch.zeros(48)),
                        batch_size=16, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        valid = Variable(Tensor(imgs.size(0), 1).fill_(1.0), requires_grad=False)
        fake = Variable(Tensor(imgs.size(0), 1).fill_(0.0), requires_grad=False)
        real_imgs = Variable(imgs.type(Tensor))

        optimizer_G.zero_grad()
        z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))
        gen_imgs = generator(z)
        g_loss = adversarial_loss(discriminator(gen_imgs), valid)
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        real_loss = adversarial_loss(discriminator(real_imgs), valid)
        fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
        d_loss = (real_loss + fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()
        losses.append((d_loss.item(), g_loss.item()))

        batches_done = epoch * len(dataloader) + i
        if batches_done % 4 == 0:
            save_image(gen_imgs.data[:25], "%s/%d.png" % (OUT, batches_done), nrow=5, normalize=True)
'''

COLLECTION_DCGAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset
from torchvision.utils import save_image

img_size, channels, latent_dim = 8, 1, 16
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm2d") != -1:
        torch.nn.init.normal_(m.weight.data, 1.0, 0.02)
        torch.nn.init.constant_(m.bias.data, 0.0)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.init_size = img_size // 4
        self.l1 = nn.Sequential(nn.Linear(latent_dim, 16 * self.init_size ** 2))
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(16),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(16, 16, 3, stride=1, padding=1),
            nn.BatchNorm2d(16, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(16, 8, 3, stride=1, padding=1),
            nn.BatchNorm2d(8, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(8, channels, 3, stride=1, padding=1),
            nn.Tanh(),
        )

    def forward(self, z):
        out = self.l1(z)
        out = out.view(out.shape[0], 16, self.init_size, self.init_size)
        img = self.conv_blocks(out)
        return img


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, bn=True):
            block = [nn.Conv2d(in_filters, out_filters, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True), nn.Dropout2d(0.25)]
            if bn:
                block.append(nn.BatchNorm2d(out_filters, 0.8))
            return block

        self.model = nn.Sequential(
            *discriminator_block(channels, 8, bn=False),
            *discriminator_block(8, 16),
        )
        ds_size = img_size // 2 ** 2
        self.adv_layer = nn.Sequential(nn.Linear(16 * ds_size ** 2, 1), nn.Sigmoid())

    def forward(self, img):
        out = self.model(img)
        out = out.view(out.shape[0], -1)
        validity = self.adv_layer(out)
        return validity


adversarial_loss = torch.nn.BCELoss()
generator = Generator()
discriminator = Discriminator()
if cuda:
    generator.cuda()
    discriminator.cuda()
    adversarial_loss.cuda()
generator.apply(weights_init_normal)
discriminator.apply(weights_init_normal)

dataloader = DataLoader(TensorDataset(torch.rand(32, channels, img_size, img_size) * 2 - 1, torch.zeros(32)),
                        batch_size=8, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        valid = Variable(Tensor(imgs.shape[0], 1).fill_(1.0), requires_grad=False)
        fake = Variable(Tensor(imgs.shape[0], 1).fill_(0.0), requires_grad=False)
        real_imgs = Variable(imgs.type(Tensor))

        optimizer_G.zero_grad()
        z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))
        gen_imgs = generator(z)
        g_loss = adversarial_loss(discriminator(gen_imgs), valid)
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        real_loss = adversarial_loss(discriminator(real_imgs), valid)
        fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
        d_loss = (real_loss + fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()
        losses.append((d_loss.item(), g_loss.item()))
    save_image(gen_imgs.data[:25], "%s/%d.png" % (OUT, epoch), nrow=5, normalize=True)
'''

COLLECTION_WGAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_shape = (1, 8, 8)
latent_dim, n_critic, clip_value = 16, 2, 0.01
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)

generator = nn.Sequential(nn.Linear(latent_dim, 32), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(32, int(np.prod(img_shape))), nn.Tanh())
discriminator = nn.Sequential(nn.Linear(int(np.prod(img_shape)), 32), nn.LeakyReLU(0.2, inplace=True),
                              nn.Linear(32, 1))
if cuda:
    generator.cuda()
    discriminator.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(64, *img_shape) * 2 - 1, torch.zeros(64)),
                        batch_size=8, shuffle=True)
optimizer_G = torch.optim.RMSprop(generator.parameters(), lr=0.00005)
optimizer_D = torch.optim.RMSprop(discriminator.parameters(), lr=0.00005)
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

losses = []
g_loss = None
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        real_imgs = Variable(imgs.type(Tensor)).view(imgs.shape[0], -1)
        optimizer_D.zero_grad()
        z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))
        fake_imgs = generator(z).detach()
        loss_D = -torch.mean(discriminator(real_imgs)) + torch.mean(discriminator(fake_imgs))
        loss_D.backward()
        optimizer_D.step()
        for p in discriminator.parameters():
            p.data.clamp_(-clip_value, clip_value)

        if i % n_critic == 0:
            optimizer_G.zero_grad()
            gen_imgs = generator(z)
            loss_G = -torch.mean(discriminator(gen_imgs))
            loss_G.backward()
            optimizer_G.step()
            losses.append((loss_D.item(), loss_G.item()))
'''

COLLECTION_WGAN_GP = '''
import numpy as np
import torch
import torch.nn as nn
import torch.autograd as autograd
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_shape = (1, 8, 8)
latent_dim, n_critic, lambda_gp = 16, 2, 10
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.model = nn.Sequential(nn.Linear(int(np.prod(img_shape)), 32), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(32, 1))

    def forward(self, img):
        return self.model(img.view(img.shape[0], -1))


generator = nn.Sequential(nn.Linear(latent_dim, 32), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(32, int(np.prod(img_shape))), nn.Tanh(), nn.Unflatten(1, img_shape))
discriminator = Discriminator()
if cuda:
    generator.cuda()
    discriminator.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(64, *img_shape) * 2 - 1, torch.zeros(64)),
                        batch_size=8, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor


def compute_gradient_penalty(D, real_samples, fake_samples):
    alpha = Tensor(np.random.random((real_samples.size(0), 1, 1, 1)))
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    d_interpolates = D(interpolates)
    fake = Variable(Tensor(real_samples.shape[0], 1).fill_(1.0), requires_grad=False)
    gradients = autograd.grad(
        outputs=d_interpolates,
        inputs=interpolates,
        grad_outputs=fake,
        create_graph=True,
        retain_graph=True,
        only_inputs=True,
    )[0]
    gradients = gradients.view(gradients.size(0), -1)
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    return gradient_penalty


losses = []
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        real_imgs = Variable(imgs.type(Tensor))
        optimizer_D.zero_grad()
        z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))
        fake_imgs = generator(z)
        real_validity = discriminator(real_imgs)
        fake_validity = discriminator(fake_imgs)
        gradient_penalty = compute_gradient_penalty(discriminator, real_imgs.data, fake_imgs.data)
        d_loss = -torch.mean(real_validity) + torch.mean(fake_validity) + lambda_gp * gradient_penalty
        d_loss.backward()
        optimizer_D.step()
        optimizer_G.zero_grad()

        if i % n_critic == 0:
            fake_imgs = generator(z)
            fake_validity = discriminator(fake_imgs)
            g_loss = -torch.mean(fake_validity)
            g_loss.backward()
            optimizer_G.step()
            losses.append((d_loss.item(), g_loss.item()))
'''

COLLECTION_LSGAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_size, channels, latent_dim = 8, 1, 16
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(1)
np.random.seed(1)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.init_size = img_size // 4
        self.l1 = nn.Sequential(nn.Linear(latent_dim, 8 * self.init_size ** 2))
        self.conv_blocks = nn.Sequential(
            nn.Upsample(scale_factor=2),
            nn.Conv2d(8, 8, 3, stride=1, padding=1),
            nn.BatchNorm2d(8, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            nn.Conv2d(8, channels, 3, stride=1, padding=1),
            nn.Tanh(),
        )

    def forward(self, z):
        out = self.l1(z)
        out = out.view(out.shape[0], 8, self.init_size, self.init_size)
        return self.conv_blocks(out)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.model = nn.Sequential(nn.Conv2d(channels, 8, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Dropout2d(0.25), nn.Conv2d(8, 8, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True))
        self.adv_layer = nn.Linear(8 * (img_size // 4) ** 2, 1)

    def forward(self, img):
        out = self.model(img)
        return self.adv_layer(out.view(out.shape[0], -1))


adversarial_loss = torch.nn.MSELoss()
generator = Generator()
discriminator = Discriminator()
if cuda:
    generator.cuda()
    discriminator.cuda()
    adversarial_loss.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(32, channels, img_size, img_size) * 2 - 1, torch.zeros(32)),
                        batch_size=8, shuffle=True, drop_last=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        valid = torch.ones(imgs.shape[0], 1, requires_grad=False)
        fake = torch.zeros(imgs.shape[0], 1, requires_grad=False)
        real_imgs = imgs.type(Tensor)

        optimizer_G.zero_grad()
        z = Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim)))
        gen_imgs = generator(z)
        g_loss = adversarial_loss(discriminator(gen_imgs), valid)
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        real_loss = adversarial_loss(discriminator(real_imgs), valid)
        fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
        d_loss = 0.5 * (real_loss + fake_loss)
        d_loss.backward()
        optimizer_D.step()
        losses.append((d_loss.item(), g_loss.item()))
'''

COLLECTION_CGAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_shape = (1, 8, 8)
n_classes, latent_dim = 4, 8
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.label_emb = nn.Embedding(n_classes, n_classes)
        self.model = nn.Sequential(
            nn.Linear(latent_dim + n_classes, 32),
            nn.BatchNorm1d(32, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(32, int(np.prod(img_shape))),
            nn.Tanh()
        )

    def forward(self, noise, labels):
        gen_input = torch.cat((self.label_emb(labels), noise), -1)
        img = self.model(gen_input)
        img = img.view(img.size(0), *img_shape)
        return img


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.label_embedding = nn.Embedding(n_classes, n_classes)
        self.model = nn.Sequential(
            nn.Linear(n_classes + int(np.prod(img_shape)), 32),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Dropout(0.4),
            nn.Linear(32, 1),
        )

    def forward(self, img, labels):
        d_in = torch.cat((img.view(img.size(0), -1), self.label_embedding(labels)), -1)
        validity = self.model(d_in)
        return validity


adversarial_loss = torch.nn.MSELoss()
generator = Generator()
discriminator = Discriminator()
if cuda:
    generator.cuda()
    discriminator.cuda()
    adversarial_loss.cuda()

images = torch.rand(48, *img_shape) * 2 - 1
classes = torch.randint(0, n_classes, (48,))
dataloader = DataLoader(TensorDataset(images, classes), batch_size=16, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
FloatTensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor
LongTensor = torch.cuda.LongTensor if cuda else torch.LongTensor

losses = []
for epoch in range(2):
    for i, (imgs, labels) in enumerate(dataloader):
        batch_size = imgs.shape[0]
        valid = Variable(FloatTensor(batch_size, 1).fill_(1.0), requires_grad=False)
        fake = Variable(FloatTensor(batch_size, 1).fill_(0.0), requires_grad=False)
        real_imgs = Variable(imgs.type(FloatTensor))
        labels = Variable(labels.type(LongTensor))

        optimizer_G.zero_grad()
        z = Variable(FloatTensor(np.random.normal(0, 1, (batch_size, latent_dim))))
        gen_labels = Variable(LongTensor(np.random.randint(0, n_classes, batch_size)))
        gen_imgs = generator(z, gen_labels)
        g_loss = adversarial_loss(discriminator(gen_imgs, gen_labels), valid)
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        d_real_loss = adversarial_loss(discriminator(real_imgs, labels), valid)
        d_fake_loss = adversarial_loss(discriminator(gen_imgs.detach(), gen_labels), fake)
        d_loss = (d_real_loss + d_fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()
        losses.append((d_loss.item(), g_loss.item()))
'''

COLLECTION_ACGAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_size, channels, n_classes, latent_dim = 8, 1, 3, 12
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.label_emb = nn.Embedding(n_classes, latent_dim)
        self.init_size = img_size // 4
        self.l1 = nn.Sequential(nn.Linear(latent_dim, 8 * self.init_size ** 2))
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(8),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(8, 8, 3, stride=1, padding=1),
            nn.BatchNorm2d(8, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(8, channels, 3, stride=1, padding=1),
            nn.Tanh(),
        )

    def forward(self, noise, labels):
        gen_input = torch.mul(self.label_emb(labels), noise)
        out = self.l1(gen_input)
        out = out.view(out.shape[0], 8, self.init_size, self.init_size)
        return self.conv_blocks(out)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.conv_blocks = nn.Sequential(nn.Conv2d(channels, 8, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True),
                                         nn.Dropout(0.25), nn.Conv2d(8, 8, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True))
        ds_size = img_size // 2 ** 2
        self.adv_layer = nn.Sequential(nn.Linear(8 * ds_size ** 2, 1), nn.Sigmoid())
        self.aux_layer = nn.Sequential(nn.Linear(8 * ds_size ** 2, n_classes), nn.Softmax())

    def forward(self, img):
        out = self.conv_blocks(img)
        out = out.view(out.shape[0], -1)
        validity = self.adv_layer(out)
        label = self.aux_layer(out)
        return validity, label


adversarial_loss = torch.nn.BCELoss()
auxiliary_loss = torch.nn.CrossEntropyLoss()
generator = Generator()
discriminator = Discriminator()
if cuda:
    generator.cuda()
    discriminator.cuda()
    adversarial_loss.cuda()
    auxiliary_loss.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(32, channels, img_size, img_size) * 2 - 1,
                                      torch.randint(0, n_classes, (32,))), batch_size=8, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
FloatTensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor
LongTensor = torch.cuda.LongTensor if cuda else torch.LongTensor

losses = []
for epoch in range(2):
    for i, (imgs, labels) in enumerate(dataloader):
        batch_size = imgs.shape[0]
        valid = Variable(FloatTensor(batch_size, 1).fill_(1.0), requires_grad=False)
        fake = Variable(FloatTensor(batch_size, 1).fill_(0.0), requires_grad=False)
        real_imgs = Variable(imgs.type(FloatTensor))
        labels = Variable(labels.type(LongTensor))

        optimizer_G.zero_grad()
        z = Variable(FloatTensor(np.random.normal(0, 1, (batch_size, latent_dim))))
        gen_labels = Variable(LongTensor(np.random.randint(0, n_classes, batch_size)))
        gen_imgs = generator(z, gen_labels)
        validity, pred_label = discriminator(gen_imgs)
        g_loss = 0.5 * (adversarial_loss(validity, valid) + auxiliary_loss(pred_label, gen_labels))
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        real_pred, real_aux = discriminator(real_imgs)
        d_real_loss = (adversarial_loss(real_pred, valid) + auxiliary_loss(real_aux, labels)) / 2
        fake_pred, fake_aux = discriminator(gen_imgs.detach())
        d_fake_loss = (adversarial_loss(fake_pred, fake) + auxiliary_loss(fake_aux, gen_labels)) / 2
        d_loss = (d_real_loss + d_fake_loss) / 2
        pred = np.concatenate([real_aux.data.cpu().numpy(), fake_aux.data.cpu().numpy()], axis=0)
        gt = np.concatenate([labels.data.cpu().numpy(), gen_labels.data.cpu().numpy()], axis=0)
        d_acc = np.mean(np.argmax(pred, axis=1) == gt)
        d_loss.backward()
        optimizer_D.step()
        losses.append((d_loss.item(), g_loss.item()))
'''

D2L_GAN = '''
import torch
from torch import nn
from torch.utils import data

torch.manual_seed(0)
X = torch.normal(0.0, 1, (100, 2))
A = torch.tensor([[1, 2], [-0.1, 0.5]])
b = torch.tensor([1, 2])
points = torch.matmul(X, A) + b
batch_size = 8


def load_array(data_arrays, batch_size, is_train=True):
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


data_iter = load_array((points,), batch_size)
net_G = nn.Sequential(nn.Linear(2, 2))
net_D = nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 1))


def update_D(X, Z, net_D, net_G, loss, trainer_D):
    batch_size = X.shape[0]
    ones = torch.ones((batch_size,), device=X.device)
    zeros = torch.zeros((batch_size,), device=X.device)
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X.detach())
    loss_D = (loss(real_Y, ones.reshape(real_Y.shape)) + loss(fake_Y, zeros.reshape(fake_Y.shape))) / 2
    loss_D.backward()
    trainer_D.step()
    return loss_D


def update_G(Z, net_D, net_G, loss, trainer_G):
    batch_size = Z.shape[0]
    ones = torch.ones((batch_size,), device=Z.device)
    trainer_G.zero_grad()
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X)
    loss_G = loss(fake_Y, ones.reshape(fake_Y.shape))
    loss_G.backward()
    trainer_G.step()
    return loss_G


loss = nn.BCEWithLogitsLoss(reduction='sum')
for w in net_D.parameters():
    nn.init.normal_(w, 0, 0.02)
for w in net_G.parameters():
    nn.init.normal_(w, 0, 0.02)
trainer_D = torch.optim.Adam(net_D.parameters(), lr=0.05)
trainer_G = torch.optim.Adam(net_G.parameters(), lr=0.005)
latent_dim = 2
losses = []
for epoch in range(2):
    for (X,) in data_iter:
        batch_size = X.shape[0]
        Z = torch.normal(0, 1, size=(batch_size, latent_dim))
        d = update_D(X, Z, net_D, net_G, loss, trainer_D)
        g = update_G(Z, net_D, net_G, loss, trainer_G)
        losses.append((float(d.item()), float(g.item())))
Z = torch.normal(0, 1, size=(10, latent_dim))
fake_X = net_G(Z).detach().numpy()
assert fake_X.shape == (10, 2)
'''

DCGAN_TUTORIAL = '''
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.parallel
import torch.optim as optim
import torch.utils.data
import torchvision.utils as vutils

manualSeed = 999
random.seed(manualSeed)
torch.manual_seed(manualSeed)
torch.use_deterministic_algorithms(True)

batch_size, image_size, nc, nz, ngf, ndf = 8, 16, 1, 8, 4, 4
num_epochs, lr, beta1, ngpu = 2, 0.0002, 0.5, 1
dataset = torch.utils.data.TensorDataset(torch.rand(24, nc, image_size, image_size) * 2 - 1,
                                         torch.zeros(24, dtype=torch.long))
dataloader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=0)
device = torch.device("cuda:0" if (torch.cuda.is_available() and ngpu > 0) else "cpu")
real_batch = next(iter(dataloader))
grid = np.transpose(vutils.make_grid(real_batch[0].to(device)[:64], padding=2, normalize=True).cpu(), (1, 2, 0))
assert grid.shape[2] == 3


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        return self.main(input)


netG = Generator(ngpu).to(device)
if (device.type == 'cuda') and (ngpu > 1):
    netG = nn.DataParallel(netG, list(range(ngpu)))
netG.apply(weights_init)
netD = Discriminator(ngpu).to(device)
if (device.type == 'cuda') and (ngpu > 1):
    netD = nn.DataParallel(netD, list(range(ngpu)))
netD.apply(weights_init)

criterion = nn.BCELoss()
fixed_noise = torch.randn(16, nz, 1, 1, device=device)
real_label = 1.
fake_label = 0.
optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))

img_list = []
losses = []
iters = 0
for epoch in range(num_epochs):
    for i, data in enumerate(dataloader, 0):
        netD.zero_grad()
        real_cpu = data[0].to(device)
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        noise = torch.randn(b_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        losses.append((errD.item(), errG.item()))

        if (iters % 2 == 0) or ((epoch == num_epochs-1) and (i == len(dataloader)-1)):
            with torch.no_grad():
                fake = netG(fixed_noise).detach().cpu()
            img_list.append(vutils.make_grid(fake, padding=2, normalize=True))
        iters += 1
assert len(img_list) >= 2 and tuple(img_list[0].shape) == (3, 2 * 18 + 2, 8 * 18 + 2)
'''

COLLECTION_WGAN_DIV = '''
import numpy as np
import torch
import torch.nn as nn
import torch.autograd as autograd
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_shape = (1, 8, 8)
latent_dim, n_critic, k, p = 16, 2, 2, 6
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)

generator = nn.Sequential(nn.Linear(latent_dim, 32), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(32, int(np.prod(img_shape))), nn.Tanh())
discriminator = nn.Sequential(nn.Linear(int(np.prod(img_shape)), 32), nn.LeakyReLU(0.2, inplace=True),
                              nn.Linear(32, 1))
if cuda:
    generator.cuda()
    discriminator.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(64, *img_shape) * 2 - 1, torch.zeros(64)),
                        batch_size=8, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        real_imgs = Variable(imgs.type(Tensor).view(imgs.size(0), -1), requires_grad=True)
        optimizer_D.zero_grad()
        z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))
        fake_imgs = generator(z)
        real_validity = discriminator(real_imgs)
        fake_validity = discriminator(fake_imgs)

        real_grad_out = Variable(Tensor(real_imgs.size(0), 1).fill_(1.0), requires_grad=False)
        real_grad = autograd.grad(
            real_validity, real_imgs, real_grad_out, create_graph=True, retain_graph=True, only_inputs=True
        )[0]
        real_grad_norm = real_grad.view(real_grad.size(0), -1).pow(2).sum(1) ** (p / 2)

        fake_grad_out = Variable(Tensor(fake_imgs.size(0), 1).fill_(1.0), requires_grad=False)
        fake_grad = autograd.grad(
            fake_validity, fake_imgs, fake_grad_out, create_graph=True, retain_graph=True, only_inputs=True
        )[0]
        fake_grad_norm = fake_grad.view(fake_grad.size(0), -1).pow(2).sum(1) ** (p / 2)

        div_gp = torch.mean(real_grad_norm + fake_grad_norm) * k / 2
        d_loss = -torch.mean(real_validity) + torch.mean(fake_validity) + div_gp
        d_loss.backward()
        optimizer_D.step()
        optimizer_G.zero_grad()

        if i % n_critic == 0:
            fake_imgs = generator(z)
            g_loss = -torch.mean(discriminator(fake_imgs))
            g_loss.backward()
            optimizer_G.step()
            losses.append((d_loss.item(), g_loss.item()))
'''

COLLECTION_BGAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_shape = (1, 8, 8)
latent_dim = 16
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)


def boundary_seeking_loss(y_pred, y_true):
    return 0.5 * torch.mean((torch.log(y_pred) - torch.log(1 - y_pred)) ** 2)


generator = nn.Sequential(nn.Linear(latent_dim, 32), nn.BatchNorm1d(32, 0.8), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(32, int(np.prod(img_shape))), nn.Tanh())
discriminator = nn.Sequential(nn.Linear(int(np.prod(img_shape)), 32), nn.LeakyReLU(0.2, inplace=True),
                              nn.Linear(32, 1), nn.Sigmoid())
discriminator_loss = torch.nn.BCELoss()
if cuda:
    generator.cuda()
    discriminator.cuda()
    discriminator_loss.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(48, *img_shape) * 2 - 1, torch.zeros(48)),
                        batch_size=16, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        valid = Variable(Tensor(imgs.shape[0], 1).fill_(1.0), requires_grad=False)
        fake = Variable(Tensor(imgs.shape[0], 1).fill_(0.0), requires_grad=False)
        real_imgs = Variable(imgs.type(Tensor)).view(imgs.shape[0], -1)

        optimizer_G.zero_grad()
        z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))
        gen_imgs = generator(z)
        g_loss = boundary_seeking_loss(discriminator(gen_imgs), valid)
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        real_loss = discriminator_loss(discriminator(real_imgs), valid)
        fake_loss = discriminator_loss(discriminator(gen_imgs.detach()), fake)
        d_loss = (real_loss + fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()
        losses.append((d_loss.item(), g_loss.item()))
'''

COLLECTION_SOFTMAX_GAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_shape = (1, 8, 8)
latent_dim, batch_size = 16, 16
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)


def log(x):
    return torch.log(x + 1e-8)


generator = nn.Sequential(nn.Linear(latent_dim, 32), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(32, int(np.prod(img_shape))), nn.Tanh())
discriminator = nn.Sequential(nn.Linear(int(np.prod(img_shape)), 32), nn.LeakyReLU(0.2, inplace=True),
                              nn.Linear(32, 1))
if cuda:
    generator.cuda()
    discriminator.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(48, *img_shape) * 2 - 1, torch.zeros(48)),
                        batch_size=batch_size, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        g_target = 1 / (batch_size * 2)
        d_target = 1 / batch_size
        real_imgs = Variable(imgs.type(Tensor)).view(imgs.shape[0], -1)
        z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))
        gen_imgs = generator(z)

        optimizer_D.zero_grad()
        d_real = discriminator(real_imgs)
        d_fake = discriminator(gen_imgs.detach())
        Z = torch.sum(torch.exp(-d_real)) + torch.sum(torch.exp(-d_fake))
        d_loss = d_target * torch.sum(d_real) + log(Z)
        d_loss.backward()
        optimizer_D.step()

        optimizer_G.zero_grad()
        d_real = discriminator(real_imgs)
        d_fake = discriminator(gen_imgs)
        Z = torch.sum(torch.exp(-d_real)) + torch.sum(torch.exp(-d_fake))
        g_loss = g_target * (torch.sum(d_real) + torch.sum(d_fake)) + log(Z)
        g_loss.backward()
        optimizer_G.step()
        losses.append((d_loss.item(), g_loss.item()))
'''

COLLECTION_RELATIVISTIC_GAN = '''
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable
from torch.utils.data import DataLoader, TensorDataset

img_size, channels, latent_dim = 8, 1, 16
rel_avg_gan = True
cuda = True if torch.cuda.is_available() else False
torch.manual_seed(0)
np.random.seed(0)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.init_size = img_size // 4
        self.l1 = nn.Sequential(nn.Linear(latent_dim, 8 * self.init_size ** 2))
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(8),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(8, 8, 3, stride=1, padding=1),
            nn.BatchNorm2d(8, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(8, channels, 3, stride=1, padding=1),
            nn.Tanh(),
        )

    def forward(self, z):
        out = self.l1(z)
        out = out.view(out.shape[0], 8, self.init_size, self.init_size)
        return self.conv_blocks(out)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.model = nn.Sequential(nn.Conv2d(channels, 8, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Dropout2d(0.25), nn.Conv2d(8, 8, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True))
        self.adv_layer = nn.Sequential(nn.Linear(8 * (img_size // 4) ** 2, 1))

    def forward(self, img):
        out = self.model(img)
        out = out.view(out.shape[0], -1)
        return self.adv_layer(out)


adversarial_loss = torch.nn.BCEWithLogitsLoss()
generator = Generator()
discriminator = Discriminator()
if cuda:
    generator.cuda()
    discriminator.cuda()
    adversarial_loss.cuda()

dataloader = DataLoader(TensorDataset(torch.rand(32, channels, img_size, img_size) * 2 - 1, torch.zeros(32)),
                        batch_size=8, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, (imgs, _) in enumerate(dataloader):
        valid = Variable(Tensor(imgs.shape[0], 1).fill_(1.0), requires_grad=False)
        fake = Variable(Tensor(imgs.shape[0], 1).fill_(0.0), requires_grad=False)
        real_imgs = Variable(imgs.type(Tensor))

        optimizer_G.zero_grad()
        z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))
        gen_imgs = generator(z)
        real_pred = discriminator(real_imgs).detach()
        fake_pred = discriminator(gen_imgs)
        if rel_avg_gan:
            g_loss = adversarial_loss(fake_pred - real_pred.mean(0, keepdim=True), valid)
        else:
            g_loss = adversarial_loss(fake_pred - real_pred, valid)
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        real_pred = discriminator(real_imgs)
        fake_pred = discriminator(gen_imgs.detach())
        if rel_avg_gan:
            real_loss = adversarial_loss(real_pred - fake_pred.mean(0, keepdim=True), valid)
            fake_loss = adversarial_loss(fake_pred - real_pred.mean(0, keepdim=True), fake)
        else:
            real_loss = adversarial_loss(real_pred - fake_pred, valid)
            fake_loss = adversarial_loss(fake_pred - real_pred, fake)
        d_loss = (real_loss + fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()
        losses.append((d_loss.item(), g_loss.item()))
'''

D2L_DCGAN = '''
import torch
from torch import nn
from torch.utils import data

torch.manual_seed(0)


def try_gpu(i=0):
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f'cuda:{i}')
    return torch.device('cpu')


images = torch.rand(24, 3, 16, 16) * 2 - 1                 # stands in for the Pokemon sprites
data_iter = data.DataLoader(data.TensorDataset(images, torch.zeros(24)), batch_size=8, shuffle=True)


class G_block(nn.Module):
    def __init__(self, out_channels, in_channels=3, kernel_size=4, strides=2, padding=1, **kwargs):
        super(G_block, self).__init__(**kwargs)
        self.conv2d_trans = nn.ConvTranspose2d(in_channels, out_channels, kernel_size, strides, padding, bias=False)
        self.batch_norm = nn.BatchNorm2d(out_channels)
        self.activation = nn.ReLU()

    def forward(self, X):
        return self.activation(self.batch_norm(self.conv2d_trans(X)))


class D_block(nn.Module):
    def __init__(self, out_channels, in_channels=3, kernel_size=4, strides=2, padding=1, alpha=0.2, **kwargs):
        super(D_block, self).__init__(**kwargs)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding, bias=False)
        self.batch_norm = nn.BatchNorm2d(out_channels)
        self.activation = nn.LeakyReLU(alpha, inplace=True)

    def forward(self, X):
        return self.activation(self.batch_norm(self.conv2d(X)))


n_G, n_D, latent_dim = 8, 8, 10
net_G = nn.Sequential(
    G_block(in_channels=latent_dim, out_channels=n_G * 2, strides=1, padding=0),   # 4x4
    G_block(in_channels=n_G * 2, out_channels=n_G),                                # 8x8
    nn.ConvTranspose2d(in_channels=n_G, out_channels=3, kernel_size=4, stride=2, padding=1, bias=False),
    nn.Tanh())                                                                     # 16x16
net_D = nn.Sequential(
    D_block(n_D), D_block(in_channels=n_D, out_channels=n_D * 2),
    nn.Conv2d(in_channels=n_D * 2, out_channels=1, kernel_size=4, bias=False))


def update_D(X, Z, net_D, net_G, loss, trainer_D):
    batch_size = X.shape[0]
    ones = torch.ones((batch_size,), device=X.device)
    zeros = torch.zeros((batch_size,), device=X.device)
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X.detach())
    loss_D = (loss(real_Y, ones.reshape(real_Y.shape)) + loss(fake_Y, zeros.reshape(fake_Y.shape))) / 2
    loss_D.backward()
    trainer_D.step()
    return loss_D


def update_G(Z, net_D, net_G, loss, trainer_G):
    batch_size = Z.shape[0]
    ones = torch.ones((batch_size,), device=Z.device)
    trainer_G.zero_grad()
    fake_Y = net_D(net_G(Z))
    loss_G = loss(fake_Y, ones.reshape(fake_Y.shape))
    loss_G.backward()
    trainer_G.step()
    return loss_G


device = try_gpu()
loss = nn.BCEWithLogitsLoss(reduction='sum')
for w in net_D.parameters():
    nn.init.normal_(w, 0, 0.02)
for w in net_G.parameters():
    nn.init.normal_(w, 0, 0.02)
net_D, net_G = net_D.to(device), net_G.to(device)
trainer_hp = {'lr': 0.005, 'betas': [0.5, 0.999]}
trainer_D = torch.optim.Adam(net_D.parameters(), **trainer_hp)
trainer_G = torch.optim.Adam(net_G.parameters(), **trainer_hp)
losses = []
for epoch in range(2):
    for X, _ in data_iter:
        batch_size = X.shape[0]
        Z = torch.normal(0, 1, size=(batch_size, latent_dim, 1, 1))
        X, Z = X.to(device), Z.to(device)
        d = update_D(X, Z, net_D, net_G, loss, trainer_D)
        g = update_G(Z, net_D, net_G, loss, trainer_G)
        losses.append((float(d.item()), float(g.item())))
Z = torch.normal(0, 1, size=(21, latent_dim, 1, 1), device=device)
fake_x = net_G(Z).permute(0, 2, 3, 1) / 2 + 0.5
imgs = torch.cat([torch.cat([fake_x[i * 7 + j].cpu().detach() for j in range(7)], dim=1)
                  for i in range(len(fake_x) // 7)], dim=0)
assert tuple(imgs.shape) == (3 * 16, 7 * 16, 3)
'''

# Issue 27: a program in the style of today's device-agnostic tutorials and of the conditional GAN
# ports -- device checks with is_xpu / is_mps, integer labels and F.one_hot, bare @torch.no_grad,
# set_grad_enabled as a call, .to(device, dtype), a checkpoint saved and loaded with torch.save /
# torch.load(weights_only=True), and the printing idioms (f"{loss:.4f}", print(tensor)).
MODERN_CONDITIONAL_GAN = '''
import os
import torch
import torch.nn as nn
import torch.nn.functional as F

def device_of(t):
    if t.is_cuda:
        return "cuda"
    if t.is_xpu:
        return "xpu"
    if t.is_mps:
        return "mps"
    return "cpu"

torch.manual_seed(0)
device = torch.device(device_of(torch.zeros(1)))
n_classes, latent_dim = 4, 8
images = torch.rand(32, 16) * 2 - 1
labels = torch.arange(32) % n_classes            # int64, as in PyTorch
assert labels.dtype == torch.long and (labels == 3).sum().item() == 8

nets = nn.ModuleDict({
    "G": nn.Sequential(nn.Linear(latent_dim + n_classes, 32), nn.ELU(), nn.Linear(32, 16), nn.Tanh()),
    "D": nn.Sequential(nn.Linear(16 + n_classes, 32), nn.LeakyReLU(0.2, inplace=True), nn.Linear(32, 1)),
}).to(device, torch.float32)
opt_g = torch.optim.Adam(nets["G"].parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(nets["D"].parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()

def condition(x, y):
    return torch.cat([x, F.one_hot(y, n_classes).to(x.dtype)], dim=1)

@torch.no_grad
def sample(y):
    z = torch.randn(len(y), latent_dim, device=device)
    return nets["G"](condition(z, y))

losses = []
for step in range(6):
    idx = torch.randperm(32)[:8]
    real, y = images[idx].to(device, non_blocking=True), labels[idx].to(device)
    z = torch.randn(8, latent_dim, device=device)
    fake = nets["G"](condition(z, y))
    ones, zeros = real.new_ones(8, 1), real.new_zeros(8, 1)
    d_loss = bce(nets["D"](condition(real, y)), ones) + bce(nets["D"](condition(fake.detach(), y)), zeros)
    opt_d.zero_grad()
    d_loss.backward()
    nn.utils.clip_grad_value_(nets["D"].parameters(), 1.0)
    opt_d.step()
    g_loss = bce(nets["D"](condition(fake, y)), ones)
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    message = f"step {step}: D {d_loss.item():.4f}, G {g_loss:.4f}"
    losses.append((d_loss.item(), g_loss.item()))

assert not sample(labels[:4]).requires_grad
torch.set_grad_enabled(False)
scores = nets["D"](condition(sample(labels[:4]), labels[:4]))
torch.set_grad_enabled(True)
assert not scores.requires_grad and scores.shape == torch.Size([4, 1])
accuracy = (scores.sum(axis=1) > 0).float().mean()
assert 0.0 <= accuracy.item() <= 1.0 and "tensor(" in str(accuracy)

path = os.path.join(OUT, "cgan.pth")
torch.save({"nets": nets.state_dict(), "opt_g": opt_g.state_dict(), "step": 6}, path)
checkpoint = torch.load(path, map_location=device, weights_only=True)
assert checkpoint["step"] == 6
assert str(nets.load_state_dict(checkpoint["nets"])) == "<All keys matched successfully>"
opt_g.load_state_dict(checkpoint["opt_g"])
assert checkpoint["opt_g"]["state"][0]["exp_avg"].shape == nets["G"][0].weight.shape
'''

PROGRAMS = [
    pytest.param(BEGINNER_MLP_GAN, 8, id="beginner_mlp_gan"),
    pytest.param(PYTORCH_EXAMPLES_DCGAN, 8, id="pytorch_examples_dcgan"),
    pytest.param(COLLECTION_GAN, 6, id="collection_gan"),
    pytest.param(COLLECTION_DCGAN, 8, id="collection_dcgan"),
    pytest.param(COLLECTION_WGAN, 8, id="collection_wgan"),
    pytest.param(COLLECTION_WGAN_GP, 8, id="collection_wgan_gp"),
    pytest.param(COLLECTION_LSGAN, 8, id="collection_lsgan"),
    pytest.param(COLLECTION_CGAN, 6, id="collection_cgan"),
    pytest.param(COLLECTION_ACGAN, 8, id="collection_acgan"),
    pytest.param(D2L_GAN, 26, id="d2l_gan"),
    pytest.param(DCGAN_TUTORIAL, 6, id="dcgan_tutorial"),
    pytest.param(COLLECTION_WGAN_DIV, 8, id="collection_wgan_div"),
    pytest.param(COLLECTION_BGAN, 6, id="collection_bgan"),
    pytest.param(COLLECTION_SOFTMAX_GAN, 6, id="collection_softmax_gan"),
    pytest.param(COLLECTION_RELATIVISTIC_GAN, 8, id="collection_relativistic_gan"),
    pytest.param(D2L_DCGAN, 6, id="d2l_dcgan"),
    pytest.param(MODERN_CONDITIONAL_GAN, 6, id="modern_conditional_gan"),
]


@pytest.mark.parametrize("program, steps", PROGRAMS)
def test_program_runs_on_minigan_with_only_the_imports_swapped(program, steps, tmp_path):
    swapped = swap_imports(program)
    assert "torch" not in "".join(line for line in swapped.splitlines()
                                  if line.lstrip().startswith(("import", "from")) and " as torch" not in line)
    check_losses(run_program(swapped, tmp_path, "<minigan program>"), steps)


@pytest.mark.parametrize("program, steps", [pytest.param(*p.values, id=p.id) for p in PROGRAMS])
def test_program_runs_on_pytorch(program, steps, tmp_path, fake_torchvision):
    pytest.importorskip("torch")
    check_losses(run_program(program, tmp_path, "<pytorch program>"), steps)
