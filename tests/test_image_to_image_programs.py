'''Four everyday PyTorch image-to-image training programs, run on PyTorch and then on minigan with
only the imports swapped (tests/test_pytorch_programs.py's swap_imports): the losses agree step
for step.

The programs are written fresh in the style of the single-file scripts of the popular PyTorch GAN
collection: a pix2pix (U-Net and PatchGAN, adversarial + L1), a CycleGAN (ResNet generators with
reflection padding and instance norm, the pool of past fakes, the linear learning-rate decay of
LambdaLR), a context encoder (the centre painted in, adversarial + L2) and an SRGAN without its
VGG loss (residual blocks, PReLU, PixelShuffle). Each trains a few steps on small stand-in data and
appends (D loss, G loss) to `losses`.

How both runs see the same numbers, with nothing in the programs but ordinary PyTorch:
  * weights: each program initialises its networks and saves them with torch.save, unless saved
    weights are there already, which it loads (the "resume from saved_models/" idiom of these
    scripts). The PyTorch run goes first and saves; the minigan run, in the same folder, loads
    the same weights from the .pth files;
  * data: made with NumPy's seeded generator and batched without shuffling;
  * randomness inside training: the pool of past fakes draws with Python's `random` (seeded in
    the program), the same in both runs; pix2pix's dropout is set to 0 (the paper uses 0.5: a
    dropout mask is drawn from the library's own generator, so the two runs would differ).
'''

import math

import numpy as np
import pytest

from test_pytorch_programs import run_program, swap_imports

PIX2PIX = '''
import os
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
img_size, channels = 16, 1
lambda_pixel = 100
dropout = 0.0  # 0.5 in pix2pix; 0 so that the two runs draw the same (no) dropout masks
os.makedirs("%s/saved_models" % OUT, exist_ok=True)


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm2d") != -1:
        torch.nn.init.normal_(m.weight.data, 1.0, 0.02)
        torch.nn.init.constant_(m.bias.data, 0.0)


class UNetDown(nn.Module):
    def __init__(self, in_size, out_size, normalize=True):
        super(UNetDown, self).__init__()
        layers = [nn.Conv2d(in_size, out_size, 4, 2, 1, bias=False)]
        if normalize:
            layers.append(nn.BatchNorm2d(out_size))
        layers.append(nn.LeakyReLU(0.2))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class UNetUp(nn.Module):
    def __init__(self, in_size, out_size, dropout=0.0):
        super(UNetUp, self).__init__()
        layers = [nn.ConvTranspose2d(in_size, out_size, 4, 2, 1, bias=False),
                  nn.BatchNorm2d(out_size), nn.ReLU(inplace=True)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x, skip_input):
        x = self.model(x)
        return torch.cat((x, skip_input), 1)


class GeneratorUNet(nn.Module):
    def __init__(self, in_channels=1, out_channels=1):
        super(GeneratorUNet, self).__init__()
        self.down1 = UNetDown(in_channels, 8, normalize=False)
        self.down2 = UNetDown(8, 16)
        self.down3 = UNetDown(16, 16, normalize=False)
        self.up1 = UNetUp(16, 16, dropout=dropout)
        self.up2 = UNetUp(32, 8)
        self.final = nn.Sequential(nn.ConvTranspose2d(16, out_channels, 4, 2, 1), nn.Tanh())

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(d1)
        d3 = self.down3(d2)
        u1 = self.up1(d3, d2)
        u2 = self.up2(u1, d1)
        return self.final(u2)


class Discriminator(nn.Module):
    def __init__(self, in_channels=1):
        super(Discriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, normalization=True):
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalization:
                layers.append(nn.BatchNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(in_channels * 2, 8, normalization=False),
            *discriminator_block(8, 16),
            nn.Conv2d(16, 1, 3, padding=1),
        )

    def forward(self, img_A, img_B):
        img_input = torch.cat((img_A, img_B), 1)
        return self.model(img_input)


patch = (1, img_size // 4, img_size // 4)
generator = GeneratorUNet()
discriminator = Discriminator()
if os.path.exists("%s/saved_models/generator.pth" % OUT):
    generator.load_state_dict(torch.load("%s/saved_models/generator.pth" % OUT))
    discriminator.load_state_dict(torch.load("%s/saved_models/discriminator.pth" % OUT))
else:
    generator.apply(weights_init_normal)
    discriminator.apply(weights_init_normal)
    torch.save(generator.state_dict(), "%s/saved_models/generator.pth" % OUT)
    torch.save(discriminator.state_dict(), "%s/saved_models/discriminator.pth" % OUT)

criterion_GAN = torch.nn.BCEWithLogitsLoss()
criterion_pixelwise = torch.nn.L1Loss()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))

rng = np.random.RandomState(0)
edges = np.where(rng.rand(24, channels, img_size, img_size) > 0.8, 1.0, -1.0).astype(np.float32)
photos = np.tanh(rng.randn(24, channels, img_size, img_size)).astype(np.float32)
dataloader = DataLoader(TensorDataset(torch.from_numpy(edges), torch.from_numpy(photos)), batch_size=8)

losses = []
for epoch in range(2):
    for i, (real_A, real_B) in enumerate(dataloader):
        valid = torch.ones((real_A.size(0), *patch), requires_grad=False)
        fake = torch.zeros((real_A.size(0), *patch), requires_grad=False)

        optimizer_G.zero_grad()
        fake_B = generator(real_A)
        pred_fake = discriminator(fake_B, real_A)
        loss_GAN = criterion_GAN(pred_fake, valid)
        loss_pixel = criterion_pixelwise(fake_B, real_B)
        loss_G = loss_GAN + lambda_pixel * loss_pixel
        loss_G.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        pred_real = discriminator(real_B, real_A)
        loss_real = criterion_GAN(pred_real, valid)
        pred_fake = discriminator(fake_B.detach(), real_A)
        loss_fake = criterion_GAN(pred_fake, fake)
        loss_D = 0.5 * (loss_real + loss_fake)
        loss_D.backward()
        optimizer_D.step()
        losses.append((loss_D.item(), loss_G.item()))

generator.eval()
with torch.no_grad():
    sample = generator(torch.from_numpy(edges[:2]))
assert tuple(sample.shape) == (2, channels, img_size, img_size)
'''

CYCLEGAN = '''
import itertools
import os
import random
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

random.seed(0)
torch.manual_seed(0)
img_size, channels = 12, 1
n_epochs, decay_epoch = 3, 1
lambda_cyc, lambda_id = 10.0, 5.0
os.makedirs("%s/saved_models" % OUT, exist_ok=True)


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
        if hasattr(m, "bias") and m.bias is not None:
            torch.nn.init.constant_(m.bias.data, 0.0)


class LambdaLR:
    def __init__(self, n_epochs, offset, decay_start_epoch):
        assert (n_epochs - decay_start_epoch) > 0, "Decay must start before the training session ends!"
        self.n_epochs = n_epochs
        self.offset = offset
        self.decay_start_epoch = decay_start_epoch

    def step(self, epoch):
        return 1.0 - max(0, epoch + self.offset - self.decay_start_epoch) / (self.n_epochs - self.decay_start_epoch)


class ReplayBuffer:
    def __init__(self, max_size=50):
        self.max_size = max_size
        self.data = []

    def push_and_pop(self, data):
        to_return = []
        for element in data.data:
            element = torch.unsqueeze(element, 0)
            if len(self.data) < self.max_size:
                self.data.append(element)
                to_return.append(element)
            else:
                if random.uniform(0, 1) > 0.5:
                    i = random.randint(0, self.max_size - 1)
                    to_return.append(self.data[i].clone())
                    self.data[i] = element
                else:
                    to_return.append(element)
        return torch.cat(to_return)


class ResidualBlock(nn.Module):
    def __init__(self, in_features):
        super(ResidualBlock, self).__init__()
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(in_features, in_features, 3),
            nn.InstanceNorm2d(in_features),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(in_features, in_features, 3),
            nn.InstanceNorm2d(in_features),
        )

    def forward(self, x):
        return x + self.block(x)


class GeneratorResNet(nn.Module):
    def __init__(self, channels=1, num_residual_blocks=2):
        super(GeneratorResNet, self).__init__()
        out_features = 8
        model = [nn.ReflectionPad2d(3), nn.Conv2d(channels, out_features, 7),
                 nn.InstanceNorm2d(out_features), nn.ReLU(inplace=True)]
        in_features = out_features
        out_features *= 2
        model += [nn.Conv2d(in_features, out_features, 3, stride=2, padding=1),
                  nn.InstanceNorm2d(out_features), nn.ReLU(inplace=True)]
        in_features = out_features
        for _ in range(num_residual_blocks):
            model += [ResidualBlock(out_features)]
        out_features //= 2
        model += [nn.ConvTranspose2d(in_features, out_features, 3, stride=2, padding=1, output_padding=1),
                  nn.InstanceNorm2d(out_features), nn.ReLU(inplace=True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(out_features, channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class Discriminator(nn.Module):
    def __init__(self, channels=1):
        super(Discriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, normalize=True):
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalize:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(channels, 8, normalize=False),
            *discriminator_block(8, 16),
            nn.Conv2d(16, 1, 3, padding=1),
        )

    def forward(self, img):
        return self.model(img)


G_AB, G_BA = GeneratorResNet(), GeneratorResNet()
D_A, D_B = Discriminator(), Discriminator()
nets = {"G_AB": G_AB, "G_BA": G_BA, "D_A": D_A, "D_B": D_B}
if os.path.exists("%s/saved_models/G_AB.pth" % OUT):
    for name, net in nets.items():
        net.load_state_dict(torch.load("%s/saved_models/%s.pth" % (OUT, name)))
else:
    for name, net in nets.items():
        net.apply(weights_init_normal)
        torch.save(net.state_dict(), "%s/saved_models/%s.pth" % (OUT, name))

criterion_GAN = torch.nn.MSELoss()
criterion_cycle = torch.nn.L1Loss()
criterion_identity = torch.nn.L1Loss()
optimizer_G = torch.optim.Adam(itertools.chain(G_AB.parameters(), G_BA.parameters()), lr=0.0002, betas=(0.5, 0.999))
optimizer_D_A = torch.optim.Adam(D_A.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D_B = torch.optim.Adam(D_B.parameters(), lr=0.0002, betas=(0.5, 0.999))
lr_scheduler_G = torch.optim.lr_scheduler.LambdaLR(optimizer_G, lr_lambda=LambdaLR(n_epochs, 0, decay_epoch).step)
lr_scheduler_D_A = torch.optim.lr_scheduler.LambdaLR(optimizer_D_A, lr_lambda=LambdaLR(n_epochs, 0, decay_epoch).step)
lr_scheduler_D_B = torch.optim.lr_scheduler.LambdaLR(optimizer_D_B, lr_lambda=LambdaLR(n_epochs, 0, decay_epoch).step)
fake_A_buffer = ReplayBuffer(max_size=6)
fake_B_buffer = ReplayBuffer(max_size=6)

rng = np.random.RandomState(0)
domain_A = np.tanh(rng.randn(12, channels, img_size, img_size)).astype(np.float32)
domain_B = np.tanh(2 * rng.randn(12, channels, img_size, img_size) + 0.5).astype(np.float32)
dataloader = DataLoader(TensorDataset(torch.from_numpy(domain_A), torch.from_numpy(domain_B)), batch_size=4)

losses = []
for epoch in range(n_epochs):
    for i, (real_A, real_B) in enumerate(dataloader):
        valid = torch.ones((real_A.size(0), 1, img_size // 4, img_size // 4), requires_grad=False)
        fake = torch.zeros((real_A.size(0), 1, img_size // 4, img_size // 4), requires_grad=False)

        G_AB.train()
        G_BA.train()
        optimizer_G.zero_grad()
        loss_id_A = criterion_identity(G_BA(real_A), real_A)
        loss_id_B = criterion_identity(G_AB(real_B), real_B)
        loss_identity = (loss_id_A + loss_id_B) / 2
        fake_B = G_AB(real_A)
        loss_GAN_AB = criterion_GAN(D_B(fake_B), valid)
        fake_A = G_BA(real_B)
        loss_GAN_BA = criterion_GAN(D_A(fake_A), valid)
        loss_GAN = (loss_GAN_AB + loss_GAN_BA) / 2
        recov_A = G_BA(fake_B)
        loss_cycle_A = criterion_cycle(recov_A, real_A)
        recov_B = G_AB(fake_A)
        loss_cycle_B = criterion_cycle(recov_B, real_B)
        loss_cycle = (loss_cycle_A + loss_cycle_B) / 2
        loss_G = loss_GAN + lambda_cyc * loss_cycle + lambda_id * loss_identity
        loss_G.backward()
        optimizer_G.step()

        optimizer_D_A.zero_grad()
        loss_real = criterion_GAN(D_A(real_A), valid)
        fake_A_ = fake_A_buffer.push_and_pop(fake_A)
        loss_fake = criterion_GAN(D_A(fake_A_.detach()), fake)
        loss_D_A = (loss_real + loss_fake) / 2
        loss_D_A.backward()
        optimizer_D_A.step()

        optimizer_D_B.zero_grad()
        loss_real = criterion_GAN(D_B(real_B), valid)
        fake_B_ = fake_B_buffer.push_and_pop(fake_B)
        loss_fake = criterion_GAN(D_B(fake_B_.detach()), fake)
        loss_D_B = (loss_real + loss_fake) / 2
        loss_D_B.backward()
        optimizer_D_B.step()
        loss_D = (loss_D_A + loss_D_B) / 2
        losses.append((loss_D.item(), loss_G.item()))

    lr_scheduler_G.step()
    lr_scheduler_D_A.step()
    lr_scheduler_D_B.step()

assert abs(optimizer_G.param_groups[0]["lr"] - 0.0002 * 0.0) < 1e-12  # decayed to 0 after the last epoch
'''

CONTEXT_ENCODER = '''
import os
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
img_size, mask_size, channels = 16, 8, 1
os.makedirs("%s/saved_models" % OUT, exist_ok=True)


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm2d") != -1:
        torch.nn.init.normal_(m.weight.data, 1.0, 0.02)
        torch.nn.init.constant_(m.bias.data, 0.0)


class Generator(nn.Module):
    def __init__(self, channels=1):
        super(Generator, self).__init__()

        def downsample(in_feat, out_feat, normalize=True):
            layers = [nn.Conv2d(in_feat, out_feat, 4, stride=2, padding=1)]
            if normalize:
                layers.append(nn.BatchNorm2d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2))
            return layers

        def upsample(in_feat, out_feat, normalize=True):
            layers = [nn.ConvTranspose2d(in_feat, out_feat, 4, stride=2, padding=1)]
            if normalize:
                layers.append(nn.BatchNorm2d(out_feat, 0.8))
            layers.append(nn.ReLU())
            return layers

        self.model = nn.Sequential(
            *downsample(channels, 8, normalize=False),
            *downsample(8, 16),
            nn.Conv2d(16, 32, 4),
            nn.ConvTranspose2d(32, 16, 4),
            *upsample(16, 8),
            nn.Conv2d(8, channels, 3, 1, 1),
            nn.Tanh()
        )

    def forward(self, x):
        return self.model(x)


class Discriminator(nn.Module):
    def __init__(self, channels=1):
        super(Discriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, stride, normalize):
            layers = [nn.Conv2d(in_filters, out_filters, 3, stride, 1)]
            if normalize:
                layers.append(nn.BatchNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(channels, 8, 2, False),
            *discriminator_block(8, 16, 2, True),
            nn.Conv2d(16, 1, 3, 1, 1),
        )

    def forward(self, img):
        return self.model(img)


generator = Generator()
discriminator = Discriminator()
if os.path.exists("%s/saved_models/generator.pth" % OUT):
    generator.load_state_dict(torch.load("%s/saved_models/generator.pth" % OUT))
    discriminator.load_state_dict(torch.load("%s/saved_models/discriminator.pth" % OUT))
else:
    generator.apply(weights_init_normal)
    discriminator.apply(weights_init_normal)
    torch.save(generator.state_dict(), "%s/saved_models/generator.pth" % OUT)
    torch.save(discriminator.state_dict(), "%s/saved_models/discriminator.pth" % OUT)

adversarial_loss = torch.nn.MSELoss()
pixelwise_loss = torch.nn.L1Loss()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))


def apply_center_mask(imgs):
    i = (img_size - mask_size) // 2
    masked_imgs = imgs.copy()
    masked_imgs[:, :, i:i + mask_size, i:i + mask_size] = 1
    return masked_imgs, imgs[:, :, i:i + mask_size, i:i + mask_size].copy()


rng = np.random.RandomState(0)
images = np.tanh(rng.randn(24, channels, img_size, img_size)).astype(np.float32)
masked, parts = apply_center_mask(images)
dataloader = DataLoader(TensorDataset(torch.from_numpy(masked), torch.from_numpy(parts)), batch_size=8)
patch = (1, mask_size // 4, mask_size // 4)

losses = []
for epoch in range(2):
    for i, (masked_imgs, masked_parts) in enumerate(dataloader):
        valid = torch.ones((masked_imgs.shape[0], *patch), requires_grad=False)
        fake = torch.zeros((masked_imgs.shape[0], *patch), requires_grad=False)

        optimizer_G.zero_grad()
        gen_parts = generator(masked_imgs)
        g_adv = adversarial_loss(discriminator(gen_parts), valid)
        g_pixel = pixelwise_loss(gen_parts, masked_parts)
        g_loss = 0.001 * g_adv + 0.999 * g_pixel
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        real_loss = adversarial_loss(discriminator(masked_parts), valid)
        fake_loss = adversarial_loss(discriminator(gen_parts.detach()), fake)
        d_loss = 0.5 * (real_loss + fake_loss)
        d_loss.backward()
        optimizer_D.step()
        losses.append((d_loss.item(), g_loss.item()))

filled = masked_imgs.clone()
filled[:, :, 4:12, 4:12] = gen_parts.detach()
assert tuple(filled.shape) == (8, channels, img_size, img_size)
'''

SRGAN = '''
import os
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
hr_size, channels = 16, 1
os.makedirs("%s/saved_models" % OUT, exist_ok=True)


class ResidualBlock(nn.Module):
    def __init__(self, in_features):
        super(ResidualBlock, self).__init__()
        self.conv_block = nn.Sequential(
            nn.Conv2d(in_features, in_features, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(in_features, 0.8),
            nn.PReLU(),
            nn.Conv2d(in_features, in_features, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(in_features, 0.8),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class GeneratorResNet(nn.Module):
    def __init__(self, in_channels=1, out_channels=1, n_residual_blocks=2):
        super(GeneratorResNet, self).__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, 8, kernel_size=9, stride=1, padding=4), nn.PReLU())
        self.res_blocks = nn.Sequential(*[ResidualBlock(8) for _ in range(n_residual_blocks)])
        self.conv2 = nn.Sequential(nn.Conv2d(8, 8, kernel_size=3, stride=1, padding=1), nn.BatchNorm2d(8, 0.8))
        upsampling = []
        for out_features in range(2):
            upsampling += [
                nn.Conv2d(8, 32, 3, 1, 1),
                nn.BatchNorm2d(32),
                nn.PixelShuffle(upscale_factor=2),
                nn.PReLU(),
            ]
        self.upsampling = nn.Sequential(*upsampling)
        self.conv3 = nn.Sequential(nn.Conv2d(8, out_channels, kernel_size=9, stride=1, padding=4), nn.Tanh())

    def forward(self, x):
        out1 = self.conv1(x)
        out = self.res_blocks(out1)
        out2 = self.conv2(out)
        out = torch.add(out1, out2)
        out = self.upsampling(out)
        return self.conv3(out)


class Discriminator(nn.Module):
    def __init__(self, in_channels=1):
        super(Discriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, first_block=False):
            layers = [nn.Conv2d(in_filters, out_filters, kernel_size=3, stride=1, padding=1)]
            if not first_block:
                layers.append(nn.BatchNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            layers.append(nn.Conv2d(out_filters, out_filters, kernel_size=3, stride=2, padding=1))
            layers.append(nn.BatchNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(in_channels, 8, first_block=True),
            *discriminator_block(8, 16),
            nn.Conv2d(16, 1, kernel_size=3, stride=1, padding=1),
        )

    def forward(self, img):
        return self.model(img)


generator = GeneratorResNet()
discriminator = Discriminator()
if os.path.exists("%s/saved_models/generator.pth" % OUT):
    generator.load_state_dict(torch.load("%s/saved_models/generator.pth" % OUT))
    discriminator.load_state_dict(torch.load("%s/saved_models/discriminator.pth" % OUT))
else:
    torch.save(generator.state_dict(), "%s/saved_models/generator.pth" % OUT)
    torch.save(discriminator.state_dict(), "%s/saved_models/discriminator.pth" % OUT)

criterion_GAN = torch.nn.BCEWithLogitsLoss()
criterion_content = torch.nn.MSELoss()  # on pixels: this SRGAN has no VGG feature extractor
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))

rng = np.random.RandomState(0)
hr = np.tanh(rng.randn(24, channels, hr_size, hr_size)).astype(np.float32)
lr = hr.reshape(24, channels, hr_size // 4, 4, hr_size // 4, 4).mean(axis=(3, 5))
dataloader = DataLoader(TensorDataset(torch.from_numpy(lr), torch.from_numpy(hr)), batch_size=8)

losses = []
for epoch in range(2):
    for i, (imgs_lr, imgs_hr) in enumerate(dataloader):
        valid = torch.ones((imgs_lr.size(0), 1, hr_size // 4, hr_size // 4), requires_grad=False)
        fake = torch.zeros((imgs_lr.size(0), 1, hr_size // 4, hr_size // 4), requires_grad=False)

        optimizer_G.zero_grad()
        gen_hr = generator(imgs_lr)
        loss_GAN = criterion_GAN(discriminator(gen_hr), valid)
        loss_content = criterion_content(gen_hr, imgs_hr)
        loss_G = loss_content + 1e-3 * loss_GAN
        loss_G.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        loss_real = criterion_GAN(discriminator(imgs_hr), valid)
        loss_fake = criterion_GAN(discriminator(gen_hr.detach()), fake)
        loss_D = (loss_real + loss_fake) / 2
        loss_D.backward()
        optimizer_D.step()
        losses.append((loss_D.item(), loss_G.item()))

assert tuple(gen_hr.shape) == (8, channels, hr_size, hr_size)
'''

PROGRAMS = [
    pytest.param(PIX2PIX, 6, id="pix2pix"),
    pytest.param(CYCLEGAN, 9, id="cyclegan"),
    pytest.param(CONTEXT_ENCODER, 6, id="context_encoder"),
    pytest.param(SRGAN, 6, id="srgan"),
]


@pytest.mark.parametrize("program, steps", PROGRAMS)
def test_program_matches_pytorch_step_for_step(program, steps, tmp_path):
    pytest.importorskip("torch")
    theirs = run_program(program, tmp_path, "<pytorch program>")  # saves the initial weights
    ours = run_program(swap_imports(program), tmp_path, "<minigan program>")  # loads them
    assert len(theirs) == len(ours) == steps
    for d, g in ours:
        assert isinstance(d, float) and isinstance(g, float) and math.isfinite(d) and math.isfinite(g)
    assert len({g for _, g in ours}) == steps  # G's loss moves every step: training happened
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=2e-4, atol=1e-6)
