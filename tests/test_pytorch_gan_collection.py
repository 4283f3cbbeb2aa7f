'''The image-to-image and multi-model programs of the PyTorch-GAN collection, on PyTorch and on minigan.

The collection (eriklindernoren/PyTorch-GAN) is the set of single-file GAN programs students copy
most. Its image-to-image and multi-model programs -- cyclegan, pix2pix, context_encoder, ccgan,
discogan, dualgan, unit, munit, stargan, pixelda, srgan, esrgan -- are built from the layers of
issue 21 (InstanceNorm2d, ReflectionPad2d, ZeroPad2d, PixelShuffle, PReLU, AvgPool2d, ...), the
Tensor methods they call (repeat, clone, contiguous, std, ...) and lr_scheduler.LambdaLR.

Below, each program's models and training loop are written fresh, in the same everyday PyTorch
style as the collection (the same classes, layers, arguments and idioms; no line of it copied), as
program text that starts with ``import torch``. The text runs once with real PyTorch and once with
minigan, with only the import lines swapped (tests/test_pytorch_programs.py's swap_imports).
Differences from the collection, all in sizes: the base width W (64 in the collection) is 8 and the
images are small (16 to 256 pixels), so that a 2-core CPU runs everything in seconds; torchvision's
pretrained VGG19 (SRGAN's and ESRGAN's feature extractor) is a stand-in with VGG19's layer types;
ESRGAN's ``out.mul(s)`` is written ``out * s`` and StarGAN's ``size_average=False`` is written
``reduction="sum"`` (those two idioms belong to the PyTorch-fidelity issue).

Two kinds of test:

* every model class (50 in 12 programs): built on both libraries, PyTorch's weights and buffers
  copied into minigan's (strict load_state_dict: the same keys), then the same float64 input in
  training mode (dropout off): the outputs, the gradients of the input and of every parameter,
  and the updated running statistics must agree;
* every program's training loop: a few steps on small random stand-in data, on both libraries,
  with finite losses that change.
'''

import numpy as np
import pytest

import minigan as mg
from test_pytorch_programs import check_losses, swap_imports

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch,
              pytest.mark.filterwarnings("ignore:Implicit dimension choice for softmax"),
              pytest.mark.filterwarnings("ignore:optimizer contains a parameter group with duplicate parameters")]

HEADER = '''
import itertools
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.autograd as autograd
from torch.autograd import Variable
from torch.utils.data import DataLoader, Dataset

W = 8  # the base width: 64 in the collection
'''

# The collection's two helpers, the same in most of its programs (written once here).
WEIGHTS_INIT = '''
def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm2d") != -1:
        torch.nn.init.normal_(m.weight.data, 1.0, 0.02)
        torch.nn.init.constant_(m.bias.data, 0.0)
'''

LAMBDA_LR = '''
class LambdaLR:
    def __init__(self, n_epochs, offset, decay_start_epoch):
        assert (n_epochs - decay_start_epoch) > 0, "Decay must start before the training session ends!"
        self.n_epochs = n_epochs
        self.offset = offset
        self.decay_start_epoch = decay_start_epoch

    def step(self, epoch):
        return 1.0 - max(0, epoch + self.offset - self.decay_start_epoch) / (self.n_epochs - self.decay_start_epoch)
'''

# ----------------------------------------------------------------------------- the models, program by program

CYCLEGAN = HEADER + '''
def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
        if hasattr(m, "bias") and m.bias is not None:
            torch.nn.init.constant_(m.bias.data, 0.0)
    elif classname.find("BatchNorm2d") != -1:
        torch.nn.init.normal_(m.weight.data, 1.0, 0.02)
        torch.nn.init.constant_(m.bias.data, 0.0)


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
    def __init__(self, input_shape, num_residual_blocks):
        super(GeneratorResNet, self).__init__()
        channels = input_shape[0]
        out_features = W
        model = [
            nn.ReflectionPad2d(channels),
            nn.Conv2d(channels, out_features, 7),
            nn.InstanceNorm2d(out_features),
            nn.ReLU(inplace=True),
        ]
        in_features = out_features
        for _ in range(2):  # downsampling
            out_features *= 2
            model += [
                nn.Conv2d(in_features, out_features, 3, stride=2, padding=1),
                nn.InstanceNorm2d(out_features),
                nn.ReLU(inplace=True),
            ]
            in_features = out_features
        for _ in range(num_residual_blocks):
            model += [ResidualBlock(out_features)]
        for _ in range(2):  # upsampling
            out_features //= 2
            model += [
                nn.Upsample(scale_factor=2),
                nn.Conv2d(in_features, out_features, 3, stride=1, padding=1),
                nn.InstanceNorm2d(out_features),
                nn.ReLU(inplace=True),
            ]
            in_features = out_features
        model += [nn.ReflectionPad2d(channels), nn.Conv2d(out_features, channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class Discriminator(nn.Module):
    def __init__(self, input_shape):
        super(Discriminator, self).__init__()
        channels, height, width = input_shape
        self.output_shape = (1, height // 2 ** 4, width // 2 ** 4)  # PatchGAN

        def discriminator_block(in_filters, out_filters, normalize=True):
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalize:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(channels, W, normalize=False),
            *discriminator_block(W, 2 * W),
            *discriminator_block(2 * W, 4 * W),
            *discriminator_block(4 * W, 8 * W),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(8 * W, 1, 4, padding=1)
        )

    def forward(self, img):
        return self.model(img)


''' + LAMBDA_LR + '''


class ReplayBuffer:
    def __init__(self, max_size=50):
        assert max_size > 0, "Empty buffer or trying to create a black hole. Be careful."
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
        return Variable(torch.cat(to_return))
'''

PIX2PIX = HEADER + '''
''' + WEIGHTS_INIT + '''


class UNetDown(nn.Module):
    def __init__(self, in_size, out_size, normalize=True, dropout=0.0):
        super(UNetDown, self).__init__()
        layers = [nn.Conv2d(in_size, out_size, 4, 2, 1, bias=False)]
        if normalize:
            layers.append(nn.InstanceNorm2d(out_size))
        layers.append(nn.LeakyReLU(0.2))
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class UNetUp(nn.Module):
    def __init__(self, in_size, out_size, dropout=0.0):
        super(UNetUp, self).__init__()
        layers = [
            nn.ConvTranspose2d(in_size, out_size, 4, 2, 1, bias=False),
            nn.InstanceNorm2d(out_size),
            nn.ReLU(inplace=True),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x, skip_input):
        x = self.model(x)
        x = torch.cat((x, skip_input), 1)
        return x


class GeneratorUNet(nn.Module):
    def __init__(self, in_channels=3, out_channels=3):
        super(GeneratorUNet, self).__init__()
        self.down1 = UNetDown(in_channels, W, normalize=False)
        self.down2 = UNetDown(W, 2 * W)
        self.down3 = UNetDown(2 * W, 4 * W)
        self.down4 = UNetDown(4 * W, 8 * W, dropout=0.5)
        self.down5 = UNetDown(8 * W, 8 * W, dropout=0.5)
        self.down6 = UNetDown(8 * W, 8 * W, dropout=0.5)
        self.down7 = UNetDown(8 * W, 8 * W, dropout=0.5)
        self.down8 = UNetDown(8 * W, 8 * W, normalize=False, dropout=0.5)

        self.up1 = UNetUp(8 * W, 8 * W, dropout=0.5)
        self.up2 = UNetUp(16 * W, 8 * W, dropout=0.5)
        self.up3 = UNetUp(16 * W, 8 * W, dropout=0.5)
        self.up4 = UNetUp(16 * W, 8 * W, dropout=0.5)
        self.up5 = UNetUp(16 * W, 4 * W)
        self.up6 = UNetUp(8 * W, 2 * W)
        self.up7 = UNetUp(4 * W, W)

        self.final = nn.Sequential(
            nn.Upsample(scale_factor=2),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(2 * W, out_channels, 4, padding=1),
            nn.Tanh(),
        )

    def forward(self, x):
        # U-Net: skip connections from each encoder level to the decoder level of the same size
        d1 = self.down1(x)
        d2 = self.down2(d1)
        d3 = self.down3(d2)
        d4 = self.down4(d3)
        d5 = self.down5(d4)
        d6 = self.down6(d5)
        d7 = self.down7(d6)
        d8 = self.down8(d7)
        u1 = self.up1(d8, d7)
        u2 = self.up2(u1, d6)
        u3 = self.up3(u2, d5)
        u4 = self.up4(u3, d4)
        u5 = self.up5(u4, d3)
        u6 = self.up6(u5, d2)
        u7 = self.up7(u6, d1)
        return self.final(u7)


class Discriminator(nn.Module):
    def __init__(self, in_channels=3):
        super(Discriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, normalization=True):
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalization:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(in_channels * 2, W, normalization=False),
            *discriminator_block(W, 2 * W),
            *discriminator_block(2 * W, 4 * W),
            *discriminator_block(4 * W, 8 * W),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(8 * W, 1, 4, padding=1, bias=False)
        )

    def forward(self, img_A, img_B):
        img_input = torch.cat((img_A, img_B), 1)  # the image and its condition, channel by channel
        return self.model(img_input)
'''

CONTEXT_ENCODER = HEADER + '''
BOTTLENECK = 50  # 4000 in the collection


class Generator(nn.Module):
    def __init__(self, channels=3):
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
            *downsample(channels, W, normalize=False),
            *downsample(W, W),
            *downsample(W, 2 * W),
            *downsample(2 * W, 4 * W),
            *downsample(4 * W, 8 * W),
            nn.Conv2d(8 * W, BOTTLENECK, 1),
            *upsample(BOTTLENECK, 8 * W),
            *upsample(8 * W, 4 * W),
            *upsample(4 * W, 2 * W),
            *upsample(2 * W, W),
            nn.Conv2d(W, channels, 3, 1, 1),
            nn.Tanh()
        )

    def forward(self, x):
        return self.model(x)


class Discriminator(nn.Module):
    def __init__(self, channels=3):
        super(Discriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, stride, normalize):
            layers = [nn.Conv2d(in_filters, out_filters, 3, stride, 1)]
            if normalize:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        layers = []
        in_filters = channels
        for out_filters, stride, normalize in [(W, 2, False), (2 * W, 2, True), (4 * W, 2, True), (8 * W, 1, True)]:
            layers.extend(discriminator_block(in_filters, out_filters, stride, normalize))
            in_filters = out_filters
        layers.append(nn.Conv2d(out_filters, 1, 3, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, img):
        return self.model(img)
'''

CCGAN = HEADER + '''
class UNetDown(nn.Module):
    def __init__(self, in_size, out_size, normalize=True, dropout=0.0):
        super(UNetDown, self).__init__()
        model = [nn.Conv2d(in_size, out_size, 4, stride=2, padding=1, bias=False)]
        if normalize:
            model.append(nn.BatchNorm2d(out_size, 0.8))
        model.append(nn.LeakyReLU(0.2))
        if dropout:
            model.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class UNetUp(nn.Module):
    def __init__(self, in_size, out_size, dropout=0.0):
        super(UNetUp, self).__init__()
        model = [
            nn.ConvTranspose2d(in_size, out_size, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(out_size, 0.8),
            nn.ReLU(inplace=True),
        ]
        if dropout:
            model.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*model)

    def forward(self, x, skip_input):
        x = self.model(x)
        out = torch.cat((x, skip_input), 1)
        return out


class Generator(nn.Module):
    def __init__(self, input_shape):
        super(Generator, self).__init__()
        channels, _, _ = input_shape
        self.down1 = UNetDown(channels, W, normalize=False)
        self.down2 = UNetDown(W, 2 * W)
        self.down3 = UNetDown(2 * W + channels, 4 * W, dropout=0.5)
        self.down4 = UNetDown(4 * W, 8 * W, dropout=0.5)
        self.down5 = UNetDown(8 * W, 8 * W, dropout=0.5)
        self.down6 = UNetDown(8 * W, 8 * W, dropout=0.5)

        self.up1 = UNetUp(8 * W, 8 * W, dropout=0.5)
        self.up2 = UNetUp(16 * W, 8 * W, dropout=0.5)
        self.up3 = UNetUp(16 * W, 4 * W, dropout=0.5)
        self.up4 = UNetUp(8 * W, 2 * W)
        self.up5 = UNetUp(4 * W + channels, W)

        final = [nn.Upsample(scale_factor=2), nn.Conv2d(2 * W, channels, 3, 1, 1), nn.Tanh()]
        self.final = nn.Sequential(*final)

    def forward(self, x, x_lr):
        d1 = self.down1(x)
        d2 = self.down2(d1)
        d2 = torch.cat((d2, x_lr), 1)  # the low-resolution context joins at 1/4 scale
        d3 = self.down3(d2)
        d4 = self.down4(d3)
        d5 = self.down5(d4)
        d6 = self.down6(d5)
        u1 = self.up1(d6, d5)
        u2 = self.up2(u1, d4)
        u3 = self.up3(u2, d3)
        u4 = self.up4(u3, d2)
        u5 = self.up5(u4, d1)
        return self.final(u5)


class Discriminator(nn.Module):
    def __init__(self, input_shape):
        super(Discriminator, self).__init__()
        channels, height, width = input_shape
        patch_h, patch_w = int(height / 2 ** 3), int(width / 2 ** 3)
        self.output_shape = (1, patch_h, patch_w)

        def discriminator_block(in_filters, out_filters, stride, normalize):
            layers = [nn.Conv2d(in_filters, out_filters, 3, stride, 1)]
            if normalize:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        layers = []
        in_filters = channels
        for out_filters, stride, normalize in [(W, 2, False), (2 * W, 2, True), (4 * W, 2, True), (8 * W, 1, True)]:
            layers.extend(discriminator_block(in_filters, out_filters, stride, normalize))
            in_filters = out_filters
        layers.append(nn.Conv2d(out_filters, 1, 3, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, img):
        return self.model(img)
'''

DISCOGAN = HEADER + '''
class UNetDown(nn.Module):
    def __init__(self, in_size, out_size, normalize=True, dropout=0.0):
        super(UNetDown, self).__init__()
        layers = [nn.Conv2d(in_size, out_size, 4, 2, 1)]
        if normalize:
            layers.append(nn.InstanceNorm2d(out_size))
        layers.append(nn.LeakyReLU(0.2))
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class UNetUp(nn.Module):
    def __init__(self, in_size, out_size, dropout=0.0):
        super(UNetUp, self).__init__()
        layers = [nn.ConvTranspose2d(in_size, out_size, 4, 2, 1), nn.InstanceNorm2d(out_size), nn.ReLU(inplace=True)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x, skip_input):
        x = self.model(x)
        x = torch.cat((x, skip_input), 1)
        return x


class GeneratorUNet(nn.Module):
    def __init__(self, input_shape):
        super(GeneratorUNet, self).__init__()
        channels, _, _ = input_shape
        self.down1 = UNetDown(channels, W, normalize=False)
        self.down2 = UNetDown(W, 2 * W)
        self.down3 = UNetDown(2 * W, 4 * W, dropout=0.5)
        self.down4 = UNetDown(4 * W, 8 * W, dropout=0.5)
        self.down5 = UNetDown(8 * W, 8 * W, dropout=0.5)
        self.down6 = UNetDown(8 * W, 8 * W, dropout=0.5, normalize=False)

        self.up1 = UNetUp(8 * W, 8 * W, dropout=0.5)
        self.up2 = UNetUp(16 * W, 8 * W, dropout=0.5)
        self.up3 = UNetUp(16 * W, 4 * W, dropout=0.5)
        self.up4 = UNetUp(8 * W, 2 * W)
        self.up5 = UNetUp(4 * W, W)

        self.final = nn.Sequential(
            nn.Upsample(scale_factor=2), nn.ZeroPad2d((1, 0, 1, 0)), nn.Conv2d(2 * W, channels, 4, padding=1), nn.Tanh()
        )

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(d1)
        d3 = self.down3(d2)
        d4 = self.down4(d3)
        d5 = self.down5(d4)
        d6 = self.down6(d5)
        u1 = self.up1(d6, d5)
        u2 = self.up2(u1, d4)
        u3 = self.up3(u2, d3)
        u4 = self.up4(u3, d2)
        u5 = self.up5(u4, d1)
        return self.final(u5)


class Discriminator(nn.Module):
    def __init__(self, input_shape):
        super(Discriminator, self).__init__()
        channels, height, width = input_shape
        self.output_shape = (1, height // 2 ** 3, width // 2 ** 3)

        def discriminator_block(in_filters, out_filters, normalization=True):
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalization:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(channels, W, normalization=False),
            *discriminator_block(W, 2 * W),
            *discriminator_block(2 * W, 4 * W),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(4 * W, 1, 4, padding=1)
        )

    def forward(self, img):
        return self.model(img)
'''

DUALGAN = HEADER + '''
class UNetDown(nn.Module):
    def __init__(self, in_size, out_size, normalize=True, dropout=0.0):
        super(UNetDown, self).__init__()
        layers = [nn.Conv2d(in_size, out_size, 4, stride=2, padding=1, bias=False)]
        if normalize:
            layers.append(nn.InstanceNorm2d(out_size, affine=True))
        layers.append(nn.LeakyReLU(0.2))
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class UNetUp(nn.Module):
    def __init__(self, in_size, out_size, dropout=0.0):
        super(UNetUp, self).__init__()
        layers = [
            nn.ConvTranspose2d(in_size, out_size, 4, stride=2, padding=1, bias=False),
            nn.InstanceNorm2d(out_size, affine=True),
            nn.ReLU(inplace=True),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout))
        self.model = nn.Sequential(*layers)

    def forward(self, x, skip_input):
        x = self.model(x)
        x = torch.cat((x, skip_input), 1)
        return x


class Generator(nn.Module):
    def __init__(self, channels=3):
        super(Generator, self).__init__()
        self.down1 = UNetDown(channels, W, normalize=False)
        self.down2 = UNetDown(W, 2 * W)
        self.down3 = UNetDown(2 * W, 4 * W)
        self.down4 = UNetDown(4 * W, 8 * W, dropout=0.5)
        self.down5 = UNetDown(8 * W, 8 * W, dropout=0.5)
        self.down6 = UNetDown(8 * W, 8 * W, dropout=0.5)
        self.down7 = UNetDown(8 * W, 8 * W, dropout=0.5, normalize=False)

        self.up1 = UNetUp(8 * W, 8 * W, dropout=0.5)
        self.up2 = UNetUp(16 * W, 8 * W, dropout=0.5)
        self.up3 = UNetUp(16 * W, 8 * W, dropout=0.5)
        self.up4 = UNetUp(16 * W, 4 * W)
        self.up5 = UNetUp(8 * W, 2 * W)
        self.up6 = UNetUp(4 * W, W)

        self.final = nn.Sequential(nn.ConvTranspose2d(2 * W, channels, 4, stride=2, padding=1), nn.Tanh())

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(d1)
        d3 = self.down3(d2)
        d4 = self.down4(d3)
        d5 = self.down5(d4)
        d6 = self.down6(d5)
        d7 = self.down7(d6)
        u1 = self.up1(d7, d6)
        u2 = self.up2(u1, d5)
        u3 = self.up3(u2, d4)
        u4 = self.up4(u3, d3)
        u5 = self.up5(u4, d2)
        u6 = self.up6(u5, d1)
        return self.final(u6)


class Discriminator(nn.Module):
    def __init__(self, in_channels=3):
        super(Discriminator, self).__init__()

        def discrimintor_block(in_features, out_features, normalize=True):
            layers = [nn.Conv2d(in_features, out_features, 4, stride=2, padding=1)]
            if normalize:
                layers.append(nn.BatchNorm2d(out_features, 0.8))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discrimintor_block(in_channels, W, False),
            *discrimintor_block(W, 2 * W),
            *discrimintor_block(2 * W, 4 * W),
            nn.ZeroPad2d((1, 0, 1, 0)),
            nn.Conv2d(4 * W, 1, kernel_size=4)
        )

    def forward(self, img):
        return self.model(img)


def compute_gradient_penalty(D, real_samples, fake_samples):
    """WGAN-GP: (|grad D(x_hat)| - 1)^2 at random points between real and fake samples."""
    alpha = FloatTensor(np.random.random((real_samples.size(0), 1, 1, 1)))
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    validity = D(interpolates)
    fake = Variable(FloatTensor(np.ones(validity.shape)), requires_grad=False)
    gradients = autograd.grad(
        outputs=validity, inputs=interpolates, grad_outputs=fake,
        create_graph=True, retain_graph=True, only_inputs=True,
    )[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


FloatTensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor
'''

UNIT = HEADER + '''
class ResidualBlock(nn.Module):
    def __init__(self, features):
        super(ResidualBlock, self).__init__()
        conv_block = [
            nn.ReflectionPad2d(1),
            nn.Conv2d(features, features, 3),
            nn.InstanceNorm2d(features),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(features, features, 3),
            nn.InstanceNorm2d(features),
        ]
        self.conv_block = nn.Sequential(*conv_block)

    def forward(self, x):
        return x + self.conv_block(x)


class Encoder(nn.Module):
    def __init__(self, in_channels=3, dim=64, n_downsample=2, shared_block=None):
        super(Encoder, self).__init__()
        layers = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, dim, 7),
            nn.InstanceNorm2d(dim),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for _ in range(n_downsample):
            layers += [
                nn.Conv2d(dim, dim * 2, 4, stride=2, padding=1),
                nn.InstanceNorm2d(dim * 2),
                nn.ReLU(inplace=True),
            ]
            dim *= 2
        for _ in range(3):
            layers += [ResidualBlock(dim)]
        self.model_blocks = nn.Sequential(*layers)
        self.shared_block = shared_block

    def reparameterization(self, mu):
        Tensor = torch.cuda.FloatTensor if mu.is_cuda else torch.FloatTensor
        z = Variable(Tensor(np.random.normal(0, 1, mu.shape)))
        return z + mu

    def forward(self, x):
        x = self.model_blocks(x)
        mu = self.shared_block(x)
        z = self.reparameterization(mu)
        return mu, z


class Generator(nn.Module):
    def __init__(self, out_channels=3, dim=64, n_upsample=2, shared_block=None):
        super(Generator, self).__init__()
        self.shared_block = shared_block
        layers = []
        dim = dim * 2 ** n_upsample
        for _ in range(3):
            layers += [ResidualBlock(dim)]
        for _ in range(n_upsample):
            layers += [
                nn.ConvTranspose2d(dim, dim // 2, 4, stride=2, padding=1),
                nn.InstanceNorm2d(dim // 2),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            dim = dim // 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(dim, out_channels, 7), nn.Tanh()]
        self.model_blocks = nn.Sequential(*layers)

    def forward(self, x):
        x = self.shared_block(x)
        x = self.model_blocks(x)
        return x


class Discriminator(nn.Module):
    def __init__(self, input_shape):
        super(Discriminator, self).__init__()
        channels, height, width = input_shape
        self.output_shape = (1, height // 2 ** 4, width // 2 ** 4)

        def discriminator_block(in_filters, out_filters, normalize=True):
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalize:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *discriminator_block(channels, W, normalize=False),
            *discriminator_block(W, 2 * W),
            *discriminator_block(2 * W, 4 * W),
            *discriminator_block(4 * W, 8 * W),
            nn.Conv2d(8 * W, 1, 3, padding=1)
        )

    def forward(self, img):
        return self.model(img)


''' + LAMBDA_LR + '''
'''

MUNIT = HEADER + '''
class Encoder(nn.Module):
    def __init__(self, in_channels=3, dim=64, n_residual=3, n_downsample=2, style_dim=8):
        super(Encoder, self).__init__()
        self.content_encoder = ContentEncoder(in_channels, dim, n_residual, n_downsample)
        self.style_encoder = StyleEncoder(in_channels, dim, n_downsample, style_dim)

    def forward(self, x):
        content_code = self.content_encoder(x)
        style_code = self.style_encoder(x)
        return content_code, style_code


class Decoder(nn.Module):
    def __init__(self, out_channels=3, dim=64, n_residual=3, n_upsample=2, style_dim=8):
        super(Decoder, self).__init__()
        layers = []
        dim = dim * 2 ** n_upsample
        for _ in range(n_residual):
            layers += [ResidualBlock(dim, norm="adain")]
        for _ in range(n_upsample):
            layers += [
                nn.Upsample(scale_factor=2),
                nn.Conv2d(dim, dim // 2, 5, stride=1, padding=2),
                LayerNorm(dim // 2),
                nn.ReLU(inplace=True),
            ]
            dim = dim // 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(dim, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        num_adain_params = self.get_num_adain_params()
        self.mlp = MLP(style_dim, num_adain_params)  # predicts the AdaIN parameters from the style code

    def get_num_adain_params(self):
        num_adain_params = 0
        for m in self.modules():
            if m.__class__.__name__ == "AdaptiveInstanceNorm2d":
                num_adain_params += 2 * m.num_features
        return num_adain_params

    def assign_adain_params(self, adain_params):
        for m in self.modules():
            if m.__class__.__name__ == "AdaptiveInstanceNorm2d":
                mean = adain_params[:, : m.num_features]
                std = adain_params[:, m.num_features : 2 * m.num_features]
                m.bias = mean.contiguous().view(-1)
                m.weight = std.contiguous().view(-1)
                if adain_params.size(1) > 2 * m.num_features:
                    adain_params = adain_params[:, 2 * m.num_features :]

    def forward(self, content_code, style_code):
        self.assign_adain_params(self.mlp(style_code))
        img = self.model(content_code)
        return img


class ContentEncoder(nn.Module):
    def __init__(self, in_channels=3, dim=64, n_residual=3, n_downsample=2):
        super(ContentEncoder, self).__init__()
        layers = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, dim, 7),
            nn.InstanceNorm2d(dim),
            nn.ReLU(inplace=True),
        ]
        for _ in range(n_downsample):
            layers += [
                nn.Conv2d(dim, dim * 2, 4, stride=2, padding=1),
                nn.InstanceNorm2d(dim * 2),
                nn.ReLU(inplace=True),
            ]
            dim *= 2
        for _ in range(n_residual):
            layers += [ResidualBlock(dim, norm="in")]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class StyleEncoder(nn.Module):
    def __init__(self, in_channels=3, dim=64, n_downsample=2, style_dim=8):
        super(StyleEncoder, self).__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, dim, 7), nn.ReLU(inplace=True)]
        for _ in range(2):
            layers += [nn.Conv2d(dim, dim * 2, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
            dim *= 2
        for _ in range(n_downsample - 2):
            layers += [nn.Conv2d(dim, dim, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
        layers += [nn.AdaptiveAvgPool2d(1), nn.Conv2d(dim, style_dim, 1, 1, 0)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class MLP(nn.Module):
    def __init__(self, input_dim, output_dim, dim=256, n_blk=3, activ="relu"):
        super(MLP, self).__init__()
        layers = [nn.Linear(input_dim, dim), nn.ReLU(inplace=True)]
        for _ in range(n_blk - 2):
            layers += [nn.Linear(dim, dim), nn.ReLU(inplace=True)]
        layers += [nn.Linear(dim, output_dim)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x.view(x.size(0), -1))


class MultiDiscriminator(nn.Module):
    def __init__(self, in_channels=3):
        super(MultiDiscriminator, self).__init__()

        def discriminator_block(in_filters, out_filters, normalize=True):
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1)]
            if normalize:
                layers.append(nn.InstanceNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.models = nn.ModuleList()  # one discriminator per scale
        for i in range(3):
            self.models.add_module(
                "disc_%d" % i,
                nn.Sequential(
                    *discriminator_block(in_channels, W, normalize=False),
                    *discriminator_block(W, 2 * W),
                    *discriminator_block(2 * W, 4 * W),
                    *discriminator_block(4 * W, 8 * W),
                    nn.Conv2d(8 * W, 1, 3, padding=1)
                ),
            )
        self.downsample = nn.AvgPool2d(in_channels, stride=2, padding=[1, 1], count_include_pad=False)

    def compute_loss(self, x, gt):
        loss = sum([torch.mean((out - gt) ** 2) for out in self.forward(x)])
        return loss

    def forward(self, x):
        outputs = []
        for m in self.models:
            outputs.append(m(x))
            x = self.downsample(x)
        return outputs


class ResidualBlock(nn.Module):
    def __init__(self, features, norm="in"):
        super(ResidualBlock, self).__init__()
        norm_layer = AdaptiveInstanceNorm2d if norm == "adain" else nn.InstanceNorm2d
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(features, features, 3),
            norm_layer(features),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(features, features, 3),
            norm_layer(features),
        )

    def forward(self, x):
        return x + self.block(x)


class AdaptiveInstanceNorm2d(nn.Module):
    """Instance norm whose scale and shift are set from outside (by Decoder, from the style code)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super(AdaptiveInstanceNorm2d, self).__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.weight = None
        self.bias = None
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        assert self.weight is not None and self.bias is not None, "Please assign weight and bias before calling AdaIN!"
        b, c, h, w = x.size()
        running_mean = self.running_mean.repeat(b)
        running_var = self.running_var.repeat(b)
        x_reshaped = x.contiguous().view(1, b * c, h, w)  # each sample's channels as one batch's channels
        out = F.batch_norm(
            x_reshaped, running_mean, running_var, self.weight, self.bias, True, self.momentum, self.eps
        )
        return out.view(b, c, h, w)

    def __repr__(self):
        return self.__class__.__name__ + "(" + str(self.num_features) + ")"


class LayerNorm(nn.Module):
    def __init__(self, num_features, eps=1e-5, affine=True):
        super(LayerNorm, self).__init__()
        self.num_features = num_features
        self.affine = affine
        self.eps = eps
        if self.affine:
            self.gamma = nn.Parameter(torch.Tensor(num_features).uniform_())
            self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, x):
        shape = [-1] + [1] * (x.dim() - 1)
        mean = x.view(x.size(0), -1).mean(1).view(*shape)
        std = x.view(x.size(0), -1).std(1).view(*shape)
        x = (x - mean) / (std + self.eps)
        if self.affine:
            shape = [1, -1] + [1] * (x.dim() - 2)
            x = x * self.gamma.view(*shape) + self.beta.view(*shape)
        return x


''' + LAMBDA_LR + '''
'''

STARGAN = HEADER + '''
class ResidualBlock(nn.Module):
    def __init__(self, in_features):
        super(ResidualBlock, self).__init__()
        conv_block = [
            nn.Conv2d(in_features, in_features, 3, stride=1, padding=1, bias=False),
            nn.InstanceNorm2d(in_features, affine=True, track_running_stats=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_features, in_features, 3, stride=1, padding=1, bias=False),
            nn.InstanceNorm2d(in_features, affine=True, track_running_stats=True),
        ]
        self.conv_block = nn.Sequential(*conv_block)

    def forward(self, x):
        return x + self.conv_block(x)


class GeneratorResNet(nn.Module):
    def __init__(self, img_shape=(3, 128, 128), res_blocks=9, c_dim=5):
        super(GeneratorResNet, self).__init__()
        channels, img_size, _ = img_shape
        model = [
            nn.Conv2d(channels + c_dim, W, 7, stride=1, padding=3, bias=False),
            nn.InstanceNorm2d(W, affine=True, track_running_stats=True),
            nn.ReLU(inplace=True),
        ]
        curr_dim = W
        for _ in range(2):
            model += [
                nn.Conv2d(curr_dim, curr_dim * 2, 4, stride=2, padding=1, bias=False),
                nn.InstanceNorm2d(curr_dim * 2, affine=True, track_running_stats=True),
                nn.ReLU(inplace=True),
            ]
            curr_dim *= 2
        for _ in range(res_blocks):
            model += [ResidualBlock(curr_dim)]
        for _ in range(2):
            model += [
                nn.ConvTranspose2d(curr_dim, curr_dim // 2, 4, stride=2, padding=1, bias=False),
                nn.InstanceNorm2d(curr_dim // 2, affine=True, track_running_stats=True),
                nn.ReLU(inplace=True),
            ]
            curr_dim = curr_dim // 2
        model += [nn.Conv2d(curr_dim, channels, 7, stride=1, padding=3), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x, c):
        c = c.view(c.size(0), c.size(1), 1, 1)
        c = c.repeat(1, 1, x.size(2), x.size(3))  # the target domain as extra image channels
        x = torch.cat((x, c), 1)
        return self.model(x)


class Discriminator(nn.Module):
    def __init__(self, img_shape=(3, 128, 128), c_dim=5, n_strided=6):
        super(Discriminator, self).__init__()
        channels, img_size, _ = img_shape

        def discriminator_block(in_filters, out_filters):
            layers = [nn.Conv2d(in_filters, out_filters, 4, stride=2, padding=1), nn.LeakyReLU(0.01)]
            return layers

        layers = discriminator_block(channels, W)
        curr_dim = W
        for _ in range(n_strided - 1):
            layers.extend(discriminator_block(curr_dim, curr_dim * 2))
            curr_dim *= 2
        self.model = nn.Sequential(*layers)
        self.out1 = nn.Conv2d(curr_dim, 1, 3, padding=1, bias=False)  # PatchGAN
        kernel_size = img_size // 2 ** n_strided
        self.out2 = nn.Conv2d(curr_dim, c_dim, kernel_size, bias=False)  # domain classification

    def forward(self, img):
        feature_repr = self.model(img)
        out_adv = self.out1(feature_repr)
        out_cls = self.out2(feature_repr)
        return out_adv, out_cls.view(out_cls.size(0), -1)


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
'''

PIXELDA = HEADER + '''
class opt:  # the command line's options
    latent_dim, channels, img_size, n_classes, n_residual_blocks = 10, 3, 32, 10, 2


class ResidualBlock(nn.Module):
    def __init__(self, in_features=64, out_features=64):
        super(ResidualBlock, self).__init__()
        self.block = nn.Sequential(
            nn.Conv2d(in_features, in_features, 3, 1, 1),
            nn.BatchNorm2d(in_features),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_features, in_features, 3, 1, 1),
            nn.BatchNorm2d(in_features),
        )

    def forward(self, x):
        return x + self.block(x)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.fc = nn.Linear(opt.latent_dim, opt.channels * opt.img_size ** 2)
        self.l1 = nn.Sequential(nn.Conv2d(opt.channels * 2, 64, 3, 1, 1), nn.ReLU(inplace=True))
        resblocks = []
        for _ in range(opt.n_residual_blocks):
            resblocks.append(ResidualBlock())
        self.resblocks = nn.Sequential(*resblocks)
        self.l2 = nn.Sequential(nn.Conv2d(64, opt.channels, 3, 1, 1), nn.Tanh())

    def forward(self, img, z):
        gen_input = torch.cat((img, self.fc(z).view(*img.shape)), 1)
        out = self.l1(gen_input)
        out = self.resblocks(out)
        img_ = self.l2(out)
        return img_


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()

        def block(in_features, out_features, normalization=True):
            layers = [nn.Conv2d(in_features, out_features, 3, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
            if normalization:
                layers.append(nn.InstanceNorm2d(out_features))
            return layers

        self.model = nn.Sequential(
            *block(opt.channels, W, normalization=False),
            *block(W, 2 * W),
            *block(2 * W, 4 * W),
            *block(4 * W, 8 * W),
            nn.Conv2d(8 * W, 1, 3, 1, 1)
        )

    def forward(self, img):
        validity = self.model(img)
        return validity


class Classifier(nn.Module):
    def __init__(self):
        super(Classifier, self).__init__()

        def block(in_features, out_features, normalization=True):
            layers = [nn.Conv2d(in_features, out_features, 3, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
            if normalization:
                layers.append(nn.InstanceNorm2d(out_features))
            return layers

        self.model = nn.Sequential(
            *block(opt.channels, W, normalization=False), *block(W, 2 * W), *block(2 * W, 4 * W), *block(4 * W, 8 * W)
        )
        input_size = opt.img_size // 2 ** 4
        self.output_layer = nn.Sequential(nn.Linear(8 * W * input_size ** 2, opt.n_classes), nn.Softmax())

    def forward(self, img):
        feature_repr = self.model(img)
        feature_repr = feature_repr.view(feature_repr.size(0), -1)
        label = self.output_layer(feature_repr)
        return label


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight.data, 1.0, 0.02)
        torch.nn.init.constant_(m.bias.data, 0.0)
'''

# torchvision's VGG19 has 16 convolutions, each followed by a ReLU, in 5 stages that end in a max
# pool; the stand-in has the same 37 layers with W / 8 of the channels and random weights.
VGG_STAND_IN = '''
class vgg19:
    def __init__(self, pretrained=True):
        layers, in_channels = [], 3
        for width, convs in [(W, 2), (2 * W, 2), (4 * W, 4), (8 * W, 4), (8 * W, 4)]:
            for _ in range(convs):
                layers += [nn.Conv2d(in_channels, width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                in_channels = width
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False))
        self.features = nn.Sequential(*layers)
'''

SRGAN = HEADER + VGG_STAND_IN + '''
class FeatureExtractor(nn.Module):
    def __init__(self):
        super(FeatureExtractor, self).__init__()
        vgg19_model = vgg19(pretrained=True)
        self.feature_extractor = nn.Sequential(*list(vgg19_model.features.children())[:18])

    def forward(self, img):
        return self.feature_extractor(img)


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
    def __init__(self, in_channels=3, out_channels=3, n_residual_blocks=16):
        super(GeneratorResNet, self).__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, W, kernel_size=9, stride=1, padding=4), nn.PReLU())
        res_blocks = []
        for _ in range(n_residual_blocks):
            res_blocks.append(ResidualBlock(W))
        self.res_blocks = nn.Sequential(*res_blocks)
        self.conv2 = nn.Sequential(nn.Conv2d(W, W, kernel_size=3, stride=1, padding=1), nn.BatchNorm2d(W, 0.8))
        upsampling = []
        for out_features in range(2):
            upsampling += [
                nn.Conv2d(W, 4 * W, 3, 1, 1),
                nn.BatchNorm2d(4 * W),
                nn.PixelShuffle(upscale_factor=2),
                nn.PReLU(),
            ]
        self.upsampling = nn.Sequential(*upsampling)
        self.conv3 = nn.Sequential(nn.Conv2d(W, out_channels, kernel_size=9, stride=1, padding=4), nn.Tanh())

    def forward(self, x):
        out1 = self.conv1(x)
        out = self.res_blocks(out1)
        out2 = self.conv2(out)
        out = torch.add(out1, out2)
        out = self.upsampling(out)
        out = self.conv3(out)
        return out


class Discriminator(nn.Module):
    def __init__(self, input_shape):
        super(Discriminator, self).__init__()
        self.input_shape = input_shape
        in_channels, in_height, in_width = self.input_shape
        patch_h, patch_w = int(in_height / 2 ** 4), int(in_width / 2 ** 4)
        self.output_shape = (1, patch_h, patch_w)

        def discriminator_block(in_filters, out_filters, first_block=False):
            layers = []
            layers.append(nn.Conv2d(in_filters, out_filters, kernel_size=3, stride=1, padding=1))
            if not first_block:
                layers.append(nn.BatchNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            layers.append(nn.Conv2d(out_filters, out_filters, kernel_size=3, stride=2, padding=1))
            layers.append(nn.BatchNorm2d(out_filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        layers = []
        in_filters = in_channels
        for i, out_filters in enumerate([W, 2 * W, 4 * W, 8 * W]):
            layers.extend(discriminator_block(in_filters, out_filters, first_block=(i == 0)))
            in_filters = out_filters
        layers.append(nn.Conv2d(out_filters, 1, kernel_size=3, stride=1, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, img):
        return self.model(img)
'''

ESRGAN = HEADER + VGG_STAND_IN + '''
class FeatureExtractor(nn.Module):
    def __init__(self):
        super(FeatureExtractor, self).__init__()
        vgg19_model = vgg19(pretrained=True)
        self.vgg19_54 = nn.Sequential(*list(vgg19_model.features.children())[:35])

    def forward(self, img):
        return self.vgg19_54(img)


class DenseResidualBlock(nn.Module):
    """The residual dense block: every convolution sees the block's input and all earlier outputs."""

    def __init__(self, filters, res_scale=0.2):
        super(DenseResidualBlock, self).__init__()
        self.res_scale = res_scale

        def block(in_features, non_linearity=True):
            layers = [nn.Conv2d(in_features, filters, 3, 1, 1, bias=True)]
            if non_linearity:
                layers += [nn.LeakyReLU()]
            return nn.Sequential(*layers)

        self.b1 = block(in_features=1 * filters)
        self.b2 = block(in_features=2 * filters)
        self.b3 = block(in_features=3 * filters)
        self.b4 = block(in_features=4 * filters)
        self.b5 = block(in_features=5 * filters, non_linearity=False)
        self.blocks = [self.b1, self.b2, self.b3, self.b4, self.b5]

    def forward(self, x):
        inputs = x
        for block in self.blocks:
            out = block(inputs)
            inputs = torch.cat([inputs, out], 1)
        return out * self.res_scale + x


class ResidualInResidualDenseBlock(nn.Module):
    def __init__(self, filters, res_scale=0.2):
        super(ResidualInResidualDenseBlock, self).__init__()
        self.res_scale = res_scale
        self.dense_blocks = nn.Sequential(
            DenseResidualBlock(filters), DenseResidualBlock(filters), DenseResidualBlock(filters)
        )

    def forward(self, x):
        return self.dense_blocks(x) * self.res_scale + x


class GeneratorRRDB(nn.Module):
    def __init__(self, channels, filters=64, num_res_blocks=16, num_upsample=2):
        super(GeneratorRRDB, self).__init__()
        self.conv1 = nn.Conv2d(channels, filters, kernel_size=3, stride=1, padding=1)
        self.res_blocks = nn.Sequential(*[ResidualInResidualDenseBlock(filters) for _ in range(num_res_blocks)])
        self.conv2 = nn.Conv2d(filters, filters, kernel_size=3, stride=1, padding=1)
        upsample_layers = []
        for _ in range(num_upsample):
            upsample_layers += [
                nn.Conv2d(filters, filters * 4, kernel_size=3, stride=1, padding=1),
                nn.LeakyReLU(),
                nn.PixelShuffle(upscale_factor=2),
            ]
        self.upsampling = nn.Sequential(*upsample_layers)
        self.conv3 = nn.Sequential(
            nn.Conv2d(filters, filters, kernel_size=3, stride=1, padding=1),
            nn.LeakyReLU(),
            nn.Conv2d(filters, channels, kernel_size=3, stride=1, padding=1),
        )

    def forward(self, x):
        out1 = self.conv1(x)
        out = self.res_blocks(out1)
        out2 = self.conv2(out)
        out = torch.add(out1, out2)
        out = self.upsampling(out)
        out = self.conv3(out)
        return out
''' + "class Discriminator(nn.Module):" + SRGAN.split("class Discriminator(nn.Module):", 1)[1]  # SRGAN's

PROGRAMS = {"cyclegan": CYCLEGAN, "pix2pix": PIX2PIX, "context_encoder": CONTEXT_ENCODER, "ccgan": CCGAN,
            "discogan": DISCOGAN, "dualgan": DUALGAN, "unit": UNIT, "munit": MUNIT, "stargan": STARGAN,
            "pixelda": PIXELDA, "srgan": SRGAN, "esrgan": ESRGAN}


def load(program: str, lib: str) -> dict:
    """The namespace of a program's model code, run with torch or (imports swapped) with minigan."""
    code = PROGRAMS[program] if lib == "torch" else swap_imports(PROGRAMS[program])
    namespace = {"__name__": f"{program}_models_{lib}"}
    exec(compile(code, f"<{program} models on {lib}>", "exec"), namespace)
    return namespace


# ----------------------------------------------------------------------------- every model class, weights copied

ADAIN_WEIGHT = np.random.default_rng(11).uniform(0.5, 1.5, 2 * 4)
ADAIN_BIAS = np.random.default_rng(12).uniform(-0.5, 0.5, 2 * 4)


def _adain(ns):
    m = ns["AdaptiveInstanceNorm2d"](4)
    m.weight, m.bias = ns["torch"].tensor(ADAIN_WEIGHT), ns["torch"].tensor(ADAIN_BIAS)
    return m


def _unit(ns, name, *args, **kwargs):
    return ns[name](*args, **kwargs, shared_block=ns["ResidualBlock"](32))


# (program, class, how to build it from the program's namespace, input shapes)
CASES = [
    ("cyclegan", "ResidualBlock", lambda ns: ns["ResidualBlock"](8), [(2, 8, 6, 6)]),
    ("cyclegan", "GeneratorResNet", lambda ns: ns["GeneratorResNet"]((3, 16, 16), 2), [(2, 3, 16, 16)]),
    ("cyclegan", "Discriminator", lambda ns: ns["Discriminator"]((3, 32, 32)), [(2, 3, 32, 32)]),
    ("pix2pix", "UNetDown", lambda ns: ns["UNetDown"](3, 8, dropout=0.5), [(2, 3, 8, 8)]),
    ("pix2pix", "UNetUp", lambda ns: ns["UNetUp"](8, 4), [(2, 8, 4, 4), (2, 4, 8, 8)]),
    ("pix2pix", "GeneratorUNet", lambda ns: ns["GeneratorUNet"](), [(1, 3, 256, 256)]),
    ("pix2pix", "Discriminator", lambda ns: ns["Discriminator"](), [(2, 3, 32, 32), (2, 3, 32, 32)]),
    ("context_encoder", "Generator", lambda ns: ns["Generator"](), [(2, 3, 64, 64)]),
    ("context_encoder", "Discriminator", lambda ns: ns["Discriminator"](), [(2, 3, 32, 32)]),
    ("ccgan", "UNetDown", lambda ns: ns["UNetDown"](3, 8), [(2, 3, 8, 8)]),
    ("ccgan", "UNetUp", lambda ns: ns["UNetUp"](8, 4, dropout=0.5), [(2, 8, 4, 4), (2, 4, 8, 8)]),
    ("ccgan", "Generator", lambda ns: ns["Generator"]((3, 64, 64)), [(2, 3, 64, 64), (2, 3, 16, 16)]),
    ("ccgan", "Discriminator", lambda ns: ns["Discriminator"]((3, 32, 32)), [(2, 3, 32, 32)]),
    ("discogan", "UNetDown", lambda ns: ns["UNetDown"](3, 8), [(2, 3, 8, 8)]),
    ("discogan", "UNetUp", lambda ns: ns["UNetUp"](8, 4), [(2, 8, 4, 4), (2, 4, 8, 8)]),
    ("discogan", "GeneratorUNet", lambda ns: ns["GeneratorUNet"]((3, 64, 64)), [(2, 3, 64, 64)]),
    ("discogan", "Discriminator", lambda ns: ns["Discriminator"]((3, 32, 32)), [(2, 3, 32, 32)]),
    ("dualgan", "UNetDown", lambda ns: ns["UNetDown"](3, 8), [(2, 3, 8, 8)]),
    ("dualgan", "UNetUp", lambda ns: ns["UNetUp"](8, 4), [(2, 8, 4, 4), (2, 4, 8, 8)]),
    ("dualgan", "Generator", lambda ns: ns["Generator"](), [(1, 3, 128, 128)]),
    ("dualgan", "Discriminator", lambda ns: ns["Discriminator"](), [(2, 3, 32, 32)]),
    ("unit", "ResidualBlock", lambda ns: ns["ResidualBlock"](8), [(2, 8, 6, 6)]),
    ("unit", "Encoder", lambda ns: _unit(ns, "Encoder", dim=8, n_downsample=2), [(2, 3, 32, 32)]),
    ("unit", "Generator", lambda ns: _unit(ns, "Generator", dim=8, n_upsample=2), [(2, 32, 8, 8)]),
    ("unit", "Discriminator", lambda ns: ns["Discriminator"]((3, 32, 32)), [(2, 3, 32, 32)]),
    ("munit", "Encoder", lambda ns: ns["Encoder"](dim=8, n_residual=2, n_downsample=2), [(2, 3, 32, 32)]),
    ("munit", "Decoder", lambda ns: ns["Decoder"](dim=8, n_residual=2, n_upsample=2), [(2, 32, 8, 8), (2, 8, 1, 1)]),
    ("munit", "ContentEncoder", lambda ns: ns["ContentEncoder"](3, 8, 2, 2), [(2, 3, 16, 16)]),
    ("munit", "StyleEncoder", lambda ns: ns["StyleEncoder"](3, 8, 3, 8), [(2, 3, 32, 32)]),
    ("munit", "MLP", lambda ns: ns["MLP"](8, 20, dim=16), [(2, 8, 1, 1)]),
    ("munit", "MultiDiscriminator", lambda ns: ns["MultiDiscriminator"](), [(2, 3, 128, 128)]),  # 3 scales: >= 128
    ("munit", "ResidualBlock", lambda ns: ns["ResidualBlock"](8, norm="in"), [(2, 8, 6, 6)]),
    ("munit", "AdaptiveInstanceNorm2d", _adain, [(2, 4, 5, 5)]),
    ("munit", "LayerNorm", lambda ns: ns["LayerNorm"](4), [(2, 4, 5, 5)]),
    ("stargan", "ResidualBlock", lambda ns: ns["ResidualBlock"](8), [(2, 8, 6, 6)]),
    ("stargan", "GeneratorResNet", lambda ns: ns["GeneratorResNet"]((3, 16, 16), res_blocks=2, c_dim=5),
     [(2, 3, 16, 16), (2, 5)]),
    ("stargan", "Discriminator", lambda ns: ns["Discriminator"]((3, 32, 32), c_dim=5, n_strided=4), [(2, 3, 32, 32)]),
    ("pixelda", "ResidualBlock", lambda ns: ns["ResidualBlock"](), [(2, 64, 6, 6)]),
    ("pixelda", "Generator", lambda ns: ns["Generator"](), [(2, 3, 32, 32), (2, 10)]),
    ("pixelda", "Discriminator", lambda ns: ns["Discriminator"](), [(2, 3, 32, 32)]),
    ("pixelda", "Classifier", lambda ns: ns["Classifier"](), [(2, 3, 32, 32)]),
    ("srgan", "FeatureExtractor", lambda ns: ns["FeatureExtractor"](), [(2, 3, 16, 16)]),
    ("srgan", "ResidualBlock", lambda ns: ns["ResidualBlock"](8), [(2, 8, 6, 6)]),
    ("srgan", "GeneratorResNet", lambda ns: ns["GeneratorResNet"](n_residual_blocks=2), [(2, 3, 8, 8)]),
    ("srgan", "Discriminator", lambda ns: ns["Discriminator"]((3, 32, 32)), [(2, 3, 32, 32)]),
    ("esrgan", "FeatureExtractor", lambda ns: ns["FeatureExtractor"](), [(2, 3, 32, 32)]),
    ("esrgan", "DenseResidualBlock", lambda ns: ns["DenseResidualBlock"](4), [(2, 4, 5, 5)]),
    ("esrgan", "ResidualInResidualDenseBlock", lambda ns: ns["ResidualInResidualDenseBlock"](4), [(2, 4, 5, 5)]),
    ("esrgan", "GeneratorRRDB", lambda ns: ns["GeneratorRRDB"](3, filters=4, num_res_blocks=1), [(2, 3, 8, 8)]),
    ("esrgan", "Discriminator", lambda ns: ns["Discriminator"]((3, 32, 32)), [(2, 3, 32, 32)]),
]


@pytest.fixture
def float64_everywhere():
    """Both libraries build and compute in float64 (comparisons to 1e-9 rather than float32 noise)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    mg.set_default_dtype(np.float64)
    yield
    torch.set_default_dtype(previous)


def _outputs(result) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _run(model, lib, inputs, upstream):
    """Outputs, input gradients and parameter gradients of sum(output * upstream) (as NumPy)."""
    tensors = [lib.tensor(x, requires_grad=True) for x in inputs]
    np.random.seed(0)  # UNIT's encoder samples its noise with np.random: the same draw on both
    outputs = _outputs(model(*tensors))
    total = sum((out * lib.tensor(w)).sum() for out, w in zip(outputs, upstream))
    total.backward()
    def numpy(t):
        return t.detach().numpy()

    return ([numpy(o) for o in outputs], [numpy(t.grad) for t in tensors],
            {name: numpy(p.grad) for name, p in model.named_parameters() if p.grad is not None},
            {name: numpy(b) for name, b in model.named_buffers()})


@pytest.mark.parametrize("program, name, build, shapes", CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_model_class_builds_and_matches_pytorch(program, name, build, shapes, float64_everywhere):
    theirs, ours = build(load(program, "torch")), build(load(program, "minigan"))
    state = {key: value.detach().numpy().copy() for key, value in theirs.state_dict().items()}
    ours.load_state_dict(state)  # strict: the same keys, shapes and layouts as PyTorch's
    assert repr(ours) == repr(theirs)
    for model in (ours, theirs):
        model.train()
        for m in model.modules():
            if m.__class__.__name__.startswith("Dropout"):
                m.eval()  # random masks differ between the libraries: dropout off, the rest in training mode
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-1, 1, shape) for shape in shapes]
    with torch.no_grad():
        np.random.seed(0)
        shapes_out = [o.shape for o in _outputs(theirs(*[torch.tensor(x) for x in inputs]))]
    theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})  # undo that pass's running stats
    upstream = [rng.standard_normal(tuple(s)) for s in shapes_out]
    t_out, t_in, t_params, t_buffers = _run(theirs, torch, inputs, upstream)
    m_out, m_in, m_params, m_buffers = _run(ours, mg, inputs, upstream)
    for got, expected in zip(m_out, t_out):
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9, err_msg=f"{program}.{name} output")
    for got, expected in zip(m_in, t_in):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9, err_msg=f"{program}.{name} input gradient")
    assert sorted(m_params) == sorted(t_params)
    for key in t_params:
        np.testing.assert_allclose(m_params[key], t_params[key], rtol=1e-6, atol=1e-9, err_msg=f"{program}.{name} {key}")
    for key in t_buffers:  # running statistics after one training-mode forward
        np.testing.assert_allclose(m_buffers[key], t_buffers[key], rtol=1e-7, atol=1e-10, err_msg=f"{program}.{name} {key}")


def test_every_model_class_of_every_program_is_checked():
    """The count the issue asks for: every nn.Module subclass that a program defines has a case."""
    checked = {(program, name) for program, name, _, _ in CASES}
    for program in PROGRAMS:
        namespace = load(program, "torch")
        defined = {name for name, value in namespace.items()
                   if isinstance(value, type) and issubclass(value, torch.nn.Module) and value.__module__ == namespace["__name__"]}
        assert defined == {name for p, name in checked if p == program}, program
    assert len(CASES) == 50 and len(PROGRAMS) == 12


@pytest.mark.parametrize("name", ["dualgan", "stargan"])
def test_gradient_penalty_through_the_critic_matches_pytorch(name, float64_everywhere):
    """WGAN-GP's penalty (a second derivative through the critic: BatchNorm in DualGAN's) and its
    gradient with respect to the critic's weights."""
    rng = np.random.default_rng(1)
    real, fake, alpha = rng.uniform(-1, 1, (2, 3, 32, 32)), rng.uniform(-1, 1, (2, 3, 32, 32)), rng.random((2, 1, 1, 1))
    results = []
    for lib in ("torch", "minigan"):
        ns = load(name, lib)
        critic = ns["Discriminator"]() if name == "dualgan" else ns["Discriminator"]((3, 32, 32), c_dim=5, n_strided=4)
        if lib == "torch":
            state = {k: v.detach().numpy() for k, v in critic.state_dict().items()}
        else:
            critic.load_state_dict(state)
        t = ns["torch"]
        interpolates = (t.tensor(alpha) * t.tensor(real) + (1 - t.tensor(alpha)) * t.tensor(fake)).requires_grad_(True)
        validity = critic(interpolates)
        validity = validity[0] if isinstance(validity, tuple) else validity
        gradients = t.autograd.grad(validity, interpolates, t.ones(*validity.shape), create_graph=True)[0]
        penalty = ((gradients.view(2, -1).norm(2, dim=1) - 1) ** 2).mean()
        penalty.backward()
        # (the last layer's bias, and StarGAN's classifier head, play no part in the penalty: no gradient)
        grads = [np.zeros(p.shape) if p.grad is None else np.array(p.grad.tolist()) for p in critic.parameters()]
        results.append((penalty.item(), grads))
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-9)
    assert sum(int(np.abs(g).sum() > 0) for g in results[0][1]) >= 4  # the penalty reaches the weights
    for ours, theirs in zip(results[1][1], results[0][1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-10)


# ----------------------------------------------------------------------------- the training loops

CYCLEGAN_TRAIN = CYCLEGAN + '''
class ImageDataset(Dataset):  # stands in for the unpaired photo / painting folders
    def __init__(self, n, shape):
        self.A = torch.rand(n, *shape) * 2 - 1
        self.B = torch.rand(n, *shape) * 2 - 1

    def __getitem__(self, index):
        return {"A": self.A[index], "B": self.B[index]}

    def __len__(self):
        return len(self.A)


torch.manual_seed(0)
n_epochs, decay_epoch, lambda_cyc, lambda_id = 2, 1, 10.0, 5.0
input_shape = (3, 32, 32)
cuda = torch.cuda.is_available()
criterion_GAN = torch.nn.MSELoss()
criterion_cycle = torch.nn.L1Loss()
criterion_identity = torch.nn.L1Loss()
G_AB = GeneratorResNet(input_shape, 2)
G_BA = GeneratorResNet(input_shape, 2)
D_A = Discriminator(input_shape)
D_B = Discriminator(input_shape)
G_AB.apply(weights_init_normal)
G_BA.apply(weights_init_normal)
D_A.apply(weights_init_normal)
D_B.apply(weights_init_normal)
optimizer_G = torch.optim.Adam(itertools.chain(G_AB.parameters(), G_BA.parameters()), lr=0.0002, betas=(0.5, 0.999))
optimizer_D_A = torch.optim.Adam(D_A.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D_B = torch.optim.Adam(D_B.parameters(), lr=0.0002, betas=(0.5, 0.999))
lr_scheduler_G = torch.optim.lr_scheduler.LambdaLR(optimizer_G, lr_lambda=LambdaLR(n_epochs, 0, decay_epoch).step)
lr_scheduler_D_A = torch.optim.lr_scheduler.LambdaLR(optimizer_D_A, lr_lambda=LambdaLR(n_epochs, 0, decay_epoch).step)
lr_scheduler_D_B = torch.optim.lr_scheduler.LambdaLR(optimizer_D_B, lr_lambda=LambdaLR(n_epochs, 0, decay_epoch).step)
Tensor = torch.cuda.FloatTensor if cuda else torch.Tensor
fake_A_buffer = ReplayBuffer()
fake_B_buffer = ReplayBuffer()
dataloader = DataLoader(ImageDataset(2, input_shape), batch_size=2, shuffle=True, num_workers=0)

losses = []
for epoch in range(n_epochs):
    for i, batch in enumerate(dataloader):
        real_A = Variable(batch["A"].type(Tensor))
        real_B = Variable(batch["B"].type(Tensor))
        valid = Variable(Tensor(np.ones((real_A.size(0), *D_A.output_shape))), requires_grad=False)
        fake = Variable(Tensor(np.zeros((real_A.size(0), *D_A.output_shape))), requires_grad=False)

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

assert lr_scheduler_G.get_last_lr() == [0.0]  # the linear decay has reached 0 after the last epoch
'''

PIX2PIX_TRAIN = PIX2PIX + '''
class ImageDataset(Dataset):  # stands in for the facades: (photo, label map) pairs
    def __init__(self, n):
        self.images = torch.rand(n, 3, 256, 256) * 2 - 1

    def __getitem__(self, index):
        img = self.images[index]
        return {"A": img, "B": img.flip(-1)}

    def __len__(self):
        return len(self.images)


torch.manual_seed(0)
criterion_GAN = torch.nn.MSELoss()
criterion_pixelwise = torch.nn.L1Loss()
lambda_pixel = 100
patch = (1, 256 // 2 ** 4, 256 // 2 ** 4)
generator = GeneratorUNet()
discriminator = Discriminator()
generator.apply(weights_init_normal)
discriminator.apply(weights_init_normal)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
dataloader = DataLoader(ImageDataset(1), batch_size=1, shuffle=True)
Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, batch in enumerate(dataloader):
        real_A = Variable(batch["B"].type(Tensor))
        real_B = Variable(batch["A"].type(Tensor))
        valid = Variable(Tensor(np.ones((real_A.size(0), *patch))), requires_grad=False)
        fake = Variable(Tensor(np.zeros((real_A.size(0), *patch))), requires_grad=False)

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
'''

CONTEXT_ENCODER_TRAIN = CONTEXT_ENCODER + '''
img_size, mask_size = 64, 32
torch.manual_seed(0)
np.random.seed(0)
patch = (1, int(mask_size / 2 ** 3), int(mask_size / 2 ** 3))


''' + WEIGHTS_INIT + '''


def apply_random_mask(imgs):
    idx = np.random.randint(0, img_size - mask_size, (imgs.shape[0], 2))
    masked_imgs = imgs.clone()
    masked_parts = None
    for i, (y1, x1) in enumerate(idx):
        y2, x2 = y1 + mask_size, x1 + mask_size
        masked_part = masked_imgs[i : i + 1, :, y1:y2, x1:x2].clone()
        masked_parts = masked_part if masked_parts is None else torch.cat((masked_parts, masked_part), 0)
        masked_imgs[i, :, y1:y2, x1:x2] = 1
    return masked_imgs, masked_parts


adversarial_loss = torch.nn.MSELoss()
pixelwise_loss = torch.nn.L1Loss()
generator = Generator(channels=3)
discriminator = Discriminator(channels=3)
generator.apply(weights_init_normal)
discriminator.apply(weights_init_normal)
dataloader = DataLoader(torch.rand(8, 3, img_size, img_size) * 2 - 1, batch_size=4, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, imgs in enumerate(dataloader):
        masked_imgs, masked_parts = apply_random_mask(imgs)
        valid = Variable(Tensor(imgs.shape[0], *patch).fill_(1.0), requires_grad=False)
        fake = Variable(Tensor(imgs.shape[0], *patch).fill_(0.0), requires_grad=False)
        imgs = Variable(imgs.type(Tensor))
        masked_imgs = Variable(masked_imgs.type(Tensor))
        masked_parts = Variable(masked_parts.type(Tensor))

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
'''

CCGAN_TRAIN = CCGAN + '''
img_size, mask_size = 64, 16
torch.manual_seed(0)
np.random.seed(0)
input_shape = (3, img_size, img_size)


''' + WEIGHTS_INIT + '''


def apply_random_mask(imgs):
    idx = np.random.randint(0, img_size - mask_size, (imgs.shape[0], 2))
    masked_imgs = imgs.clone()
    for i, (y1, x1) in enumerate(idx):
        y2, x2 = y1 + mask_size, x1 + mask_size
        masked_imgs[i, :, y1:y2, x1:x2] = -1
    return masked_imgs


adversarial_loss = torch.nn.MSELoss()
generator = Generator(input_shape)
discriminator = Discriminator(input_shape)
generator.apply(weights_init_normal)
discriminator.apply(weights_init_normal)
images = torch.rand(8, *input_shape) * 2 - 1
dataloader = DataLoader(list(zip(images, F.interpolate(images, scale_factor=0.25))), batch_size=4, shuffle=True)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, (imgs, imgs_lr) in enumerate(dataloader):
        batch_size = imgs.shape[0]
        masked_imgs = apply_random_mask(imgs)
        valid = Variable(Tensor(batch_size, *discriminator.output_shape).fill_(1.0), requires_grad=False)
        fake = Variable(Tensor(batch_size, *discriminator.output_shape).fill_(0.0), requires_grad=False)
        real_imgs = Variable(imgs.type(Tensor))
        imgs_lr = Variable(imgs_lr.type(Tensor))
        masked_imgs = Variable(masked_imgs.type(Tensor))

        optimizer_G.zero_grad()
        gen_imgs = generator(masked_imgs, imgs_lr)
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

DISCOGAN_TRAIN = DISCOGAN + '''
torch.manual_seed(0)
input_shape = (3, 64, 64)


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)


adversarial_loss = torch.nn.MSELoss()
cycle_loss = torch.nn.L1Loss()
pixelwise_loss = torch.nn.L1Loss()
G_AB = GeneratorUNet(input_shape)
G_BA = GeneratorUNet(input_shape)
D_A = Discriminator(input_shape)
D_B = Discriminator(input_shape)
for model in (G_AB, G_BA, D_A, D_B):
    model.apply(weights_init_normal)
optimizer_G = torch.optim.Adam(itertools.chain(G_AB.parameters(), G_BA.parameters()), lr=0.0002, betas=(0.5, 0.999))
optimizer_D_A = torch.optim.Adam(D_A.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D_B = torch.optim.Adam(D_B.parameters(), lr=0.0002, betas=(0.5, 0.999))
pairs = torch.rand(2, 3, 64, 128) * 2 - 1  # edges2shoes: each image is the pair side by side
dataloader = DataLoader(pairs, batch_size=2, shuffle=True)
Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor

losses = []
for epoch in range(2):
    for i, batch in enumerate(dataloader):
        real_A = Variable(batch[..., :64].type(Tensor))
        real_B = Variable(batch[..., 64:].type(Tensor))
        valid = Variable(Tensor(np.ones((real_A.size(0), *D_A.output_shape))), requires_grad=False)
        fake = Variable(Tensor(np.zeros((real_A.size(0), *D_A.output_shape))), requires_grad=False)

        G_AB.train()
        G_BA.train()
        optimizer_G.zero_grad()
        fake_B = G_AB(real_A)
        loss_GAN_AB = adversarial_loss(D_B(fake_B), valid)
        fake_A = G_BA(real_B)
        loss_GAN_BA = adversarial_loss(D_A(fake_A), valid)
        loss_GAN = (loss_GAN_AB + loss_GAN_BA) / 2
        loss_pixelwise = (pixelwise_loss(fake_A, real_A) + pixelwise_loss(fake_B, real_B)) / 2
        loss_cycle_A = cycle_loss(G_BA(fake_B), real_A)
        loss_cycle_B = cycle_loss(G_AB(fake_A), real_B)
        loss_cycle = (loss_cycle_A + loss_cycle_B) / 2
        loss_G = loss_GAN + loss_cycle + loss_pixelwise
        loss_G.backward()
        optimizer_G.step()

        optimizer_D_A.zero_grad()
        loss_D_A = (adversarial_loss(D_A(real_A), valid) + adversarial_loss(D_A(fake_A.detach()), fake)) / 2
        loss_D_A.backward()
        optimizer_D_A.step()
        optimizer_D_B.zero_grad()
        loss_D_B = (adversarial_loss(D_B(real_B), valid) + adversarial_loss(D_B(fake_B.detach()), fake)) / 2
        loss_D_B.backward()
        optimizer_D_B.step()
        losses.append((0.5 * (loss_D_A + loss_D_B).item(), loss_G.item()))
'''

DUALGAN_TRAIN = DUALGAN + '''
torch.manual_seed(0)
np.random.seed(0)
lambda_adv, lambda_cycle, lambda_gp, n_critic = 1, 10, 10, 2
cycle_loss = torch.nn.L1Loss()
G_AB = Generator()
G_BA = Generator()
D_A = Discriminator()
D_B = Discriminator()


''' + WEIGHTS_INIT + '''


for model in (G_AB, G_BA, D_A, D_B):
    model.apply(weights_init_normal)
optimizer_G = torch.optim.Adam(itertools.chain(G_AB.parameters(), G_BA.parameters()), lr=0.0002, betas=(0.5, 0.999))
optimizer_D_A = torch.optim.Adam(D_A.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D_B = torch.optim.Adam(D_B.parameters(), lr=0.0002, betas=(0.5, 0.999))
data = {"A": torch.rand(8, 3, 128, 128) * 2 - 1, "B": torch.rand(8, 3, 128, 128) * 2 - 1}
dataloader = DataLoader([{"A": a, "B": b} for a, b in zip(data["A"], data["B"])], batch_size=2, shuffle=True)

losses = []
for i, batch in enumerate(dataloader):
    imgs_A = Variable(batch["A"].type(FloatTensor))
    imgs_B = Variable(batch["B"].type(FloatTensor))

    optimizer_D_A.zero_grad()
    optimizer_D_B.zero_grad()
    fake_A = G_BA(imgs_B).detach()
    fake_B = G_AB(imgs_A).detach()
    gp_A = compute_gradient_penalty(D_A, imgs_A.data, fake_A.data)
    D_A_loss = -torch.mean(D_A(imgs_A)) + torch.mean(D_A(fake_A)) + lambda_gp * gp_A
    gp_B = compute_gradient_penalty(D_B, imgs_B.data, fake_B.data)
    D_B_loss = -torch.mean(D_B(imgs_B)) + torch.mean(D_B(fake_B)) + lambda_gp * gp_B
    D_loss = D_A_loss + D_B_loss
    D_loss.backward()
    optimizer_D_A.step()
    optimizer_D_B.step()

    if i % n_critic == 0:
        optimizer_G.zero_grad()
        fake_A = G_BA(imgs_B)
        fake_B = G_AB(imgs_A)
        recov_A = G_BA(fake_B)
        recov_B = G_AB(fake_A)
        G_adv = -torch.mean(D_A(fake_A)) - torch.mean(D_B(fake_B))
        G_cycle = cycle_loss(recov_A, imgs_A) + cycle_loss(recov_B, imgs_B)
        G_loss = lambda_adv * G_adv + lambda_cycle * G_cycle
        G_loss.backward()
        optimizer_G.step()
        losses.append((D_loss.item(), G_adv.data.item()))
'''

UNIT_TRAIN = UNIT + '''
torch.manual_seed(0)
np.random.seed(0)
n_epochs, decay_epoch, dim, n_downsample = 2, 1, 8, 2
input_shape = (3, 32, 32)
criterion_GAN = torch.nn.MSELoss()
criterion_pixel = torch.nn.L1Loss()
shared_dim = dim * 2 ** n_downsample
shared_E = ResidualBlock(features=shared_dim)
E1 = Encoder(dim=dim, n_downsample=n_downsample, shared_block=shared_E)
E2 = Encoder(dim=dim, n_downsample=n_downsample, shared_block=shared_E)
shared_G = ResidualBlock(features=shared_dim)
G1 = Generator(dim=dim, n_upsample=n_downsample, shared_block=shared_G)
G2 = Generator(dim=dim, n_upsample=n_downsample, shared_block=shared_G)
D1 = Discriminator(input_shape)
D2 = Discriminator(input_shape)
lambda_0, lambda_1, lambda_2, lambda_3, lambda_4 = 10, 0.1, 100, 0.1, 100
# the shared blocks' parameters come twice through this chain: PyTorch warns, and updates them twice
optimizer_G = torch.optim.Adam(
    itertools.chain(E1.parameters(), E2.parameters(), G1.parameters(), G2.parameters()), lr=0.0001, betas=(0.5, 0.999)
)
optimizer_D1 = torch.optim.Adam(D1.parameters(), lr=0.0001, betas=(0.5, 0.999))
optimizer_D2 = torch.optim.Adam(D2.parameters(), lr=0.0001, betas=(0.5, 0.999))
lr_scheduler_G = torch.optim.lr_scheduler.LambdaLR(optimizer_G, lr_lambda=LambdaLR(n_epochs, 0, decay_epoch).step)
Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.Tensor
dataloader = DataLoader([{"A": torch.rand(*input_shape), "B": torch.rand(*input_shape)} for _ in range(2)], batch_size=2)


def compute_kl(mu):
    mu_2 = torch.pow(mu, 2)
    loss = torch.mean(mu_2)
    return loss


losses = []
for epoch in range(n_epochs):
    for i, batch in enumerate(dataloader):
        X1 = Variable(batch["A"].type(Tensor))
        X2 = Variable(batch["B"].type(Tensor))
        valid = Variable(Tensor(np.ones((X1.size(0), *D1.output_shape))), requires_grad=False)
        fake = Variable(Tensor(np.zeros((X1.size(0), *D1.output_shape))), requires_grad=False)

        optimizer_G.zero_grad()
        mu1, Z1 = E1(X1)
        mu2, Z2 = E2(X2)
        recon_X1 = G1(Z1)
        recon_X2 = G2(Z2)
        fake_X1 = G1(Z2)
        fake_X2 = G2(Z1)
        mu1_, Z1_ = E1(fake_X1)
        mu2_, Z2_ = E2(fake_X2)
        cycle_X1 = G1(Z2_)
        cycle_X2 = G2(Z1_)
        loss_GAN_1 = lambda_0 * criterion_GAN(D1(fake_X1), valid)
        loss_GAN_2 = lambda_0 * criterion_GAN(D2(fake_X2), valid)
        loss_KL_1 = lambda_1 * compute_kl(mu1)
        loss_KL_2 = lambda_1 * compute_kl(mu2)
        loss_ID_1 = lambda_2 * criterion_pixel(recon_X1, X1)
        loss_ID_2 = lambda_2 * criterion_pixel(recon_X2, X2)
        loss_KL_1_ = lambda_3 * compute_kl(mu1_)
        loss_KL_2_ = lambda_3 * compute_kl(mu2_)
        loss_cyc_1 = lambda_4 * criterion_pixel(cycle_X1, X1)
        loss_cyc_2 = lambda_4 * criterion_pixel(cycle_X2, X2)
        loss_G = (loss_KL_1 + loss_KL_2 + loss_ID_1 + loss_ID_2 + loss_GAN_1 + loss_GAN_2
                  + loss_KL_1_ + loss_KL_2_ + loss_cyc_1 + loss_cyc_2)
        loss_G.backward()
        optimizer_G.step()

        optimizer_D1.zero_grad()
        loss_D1 = criterion_GAN(D1(X1), valid) + criterion_GAN(D1(fake_X1.detach()), fake)
        loss_D1.backward()
        optimizer_D1.step()
        optimizer_D2.zero_grad()
        loss_D2 = criterion_GAN(D2(X2), valid) + criterion_GAN(D2(fake_X2.detach()), fake)
        loss_D2.backward()
        optimizer_D2.step()
        losses.append(((loss_D1 + loss_D2).item(), loss_G.item()))
    lr_scheduler_G.step()
'''

MUNIT_TRAIN = MUNIT + '''
torch.manual_seed(0)
n_epochs, decay_epoch, dim, n_downsample, n_residual, style_dim = 2, 1, 8, 2, 2, 8


''' + WEIGHTS_INIT + '''


criterion_recon = torch.nn.L1Loss()
Enc1 = Encoder(dim=dim, n_downsample=n_downsample, n_residual=n_residual, style_dim=style_dim)
Dec1 = Decoder(dim=dim, n_upsample=n_downsample, n_residual=n_residual, style_dim=style_dim)
Enc2 = Encoder(dim=dim, n_downsample=n_downsample, n_residual=n_residual, style_dim=style_dim)
Dec2 = Decoder(dim=dim, n_upsample=n_downsample, n_residual=n_residual, style_dim=style_dim)
D1 = MultiDiscriminator()
D2 = MultiDiscriminator()
for model in (Enc1, Dec1, Enc2, Dec2, D1, D2):
    model.apply(weights_init_normal)
lambda_gan, lambda_id, lambda_style, lambda_cont, lambda_cyc = 1, 10, 1, 1, 0
optimizer_G = torch.optim.Adam(
    itertools.chain(Enc1.parameters(), Dec1.parameters(), Enc2.parameters(), Dec2.parameters()),
    lr=0.0001, betas=(0.5, 0.999),
)
optimizer_D1 = torch.optim.Adam(D1.parameters(), lr=0.0001, betas=(0.5, 0.999))
optimizer_D2 = torch.optim.Adam(D2.parameters(), lr=0.0001, betas=(0.5, 0.999))
lr_scheduler_G = torch.optim.lr_scheduler.LambdaLR(optimizer_G, lr_lambda=LambdaLR(n_epochs, 0, decay_epoch).step)
Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.Tensor
dataloader = DataLoader([{"A": torch.rand(3, 128, 128), "B": torch.rand(3, 128, 128)}], batch_size=1)
valid = 1
fake = 0

losses = []
for epoch in range(n_epochs):
    for i, batch in enumerate(dataloader):
        X1 = Variable(batch["A"].type(Tensor))
        X2 = Variable(batch["B"].type(Tensor))
        style_1 = Variable(torch.randn(X1.size(0), style_dim, 1, 1).type(Tensor))
        style_2 = Variable(torch.randn(X1.size(0), style_dim, 1, 1).type(Tensor))

        optimizer_G.zero_grad()
        c_code_1, s_code_1 = Enc1(X1)
        c_code_2, s_code_2 = Enc2(X2)
        X11 = Dec1(c_code_1, s_code_1)
        X22 = Dec2(c_code_2, s_code_2)
        X21 = Dec1(c_code_2, style_1)
        X12 = Dec2(c_code_1, style_2)
        c_code_21, s_code_21 = Enc1(X21)
        c_code_12, s_code_12 = Enc2(X12)
        X121 = Dec1(c_code_12, s_code_1) if lambda_cyc > 0 else 0
        X212 = Dec2(c_code_21, s_code_2) if lambda_cyc > 0 else 0
        loss_GAN_1 = lambda_gan * D1.compute_loss(X21, valid)
        loss_GAN_2 = lambda_gan * D2.compute_loss(X12, valid)
        loss_ID_1 = lambda_id * criterion_recon(X11, X1)
        loss_ID_2 = lambda_id * criterion_recon(X22, X2)
        loss_s_1 = lambda_style * criterion_recon(s_code_21, style_1)
        loss_s_2 = lambda_style * criterion_recon(s_code_12, style_2)
        loss_c_1 = lambda_cont * criterion_recon(c_code_12, c_code_1.detach())
        loss_c_2 = lambda_cont * criterion_recon(c_code_21, c_code_2.detach())
        loss_cyc_1 = lambda_cyc * criterion_recon(X121, X1) if lambda_cyc > 0 else 0
        loss_cyc_2 = lambda_cyc * criterion_recon(X212, X2) if lambda_cyc > 0 else 0
        loss_G = (loss_GAN_1 + loss_GAN_2 + loss_ID_1 + loss_ID_2 + loss_s_1 + loss_s_2
                  + loss_c_1 + loss_c_2 + loss_cyc_1 + loss_cyc_2)
        loss_G.backward()
        optimizer_G.step()

        optimizer_D1.zero_grad()
        loss_D1 = D1.compute_loss(X1, valid) + D1.compute_loss(X21.detach(), fake)
        loss_D1.backward()
        optimizer_D1.step()
        optimizer_D2.zero_grad()
        loss_D2 = D2.compute_loss(X2, valid) + D2.compute_loss(X12.detach(), fake)
        loss_D2.backward()
        optimizer_D2.step()
        losses.append(((loss_D1 + loss_D2).item(), loss_G.item()))
    lr_scheduler_G.step()
'''

STARGAN_TRAIN = STARGAN + '''
torch.manual_seed(0)
np.random.seed(0)
img_shape, c_dim, n_critic = (3, 32, 32), 5, 2
lambda_cls, lambda_rec, lambda_gp = 1, 10, 10
criterion_cycle = torch.nn.L1Loss()


def criterion_cls(logit, target):
    return F.binary_cross_entropy_with_logits(logit, target, reduction="sum") / logit.size(0)


generator = GeneratorResNet(img_shape=img_shape, res_blocks=2, c_dim=c_dim)
discriminator = Discriminator(img_shape=img_shape, c_dim=c_dim, n_strided=4)
generator.apply(weights_init_normal)
discriminator.apply(weights_init_normal)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
attributes = (torch.rand(8, c_dim) > 0.5).float()  # CelebA's five attributes, 0 or 1
dataloader = DataLoader(list(zip(torch.rand(8, *img_shape) * 2 - 1, attributes)), batch_size=2, shuffle=True)
Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor


def compute_gradient_penalty(D, real_samples, fake_samples):
    alpha = Tensor(np.random.random((real_samples.size(0), 1, 1, 1)))
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    d_interpolates, _ = D(interpolates)
    fake = Variable(Tensor(np.ones(d_interpolates.shape)), requires_grad=False)
    gradients = autograd.grad(
        outputs=d_interpolates, inputs=interpolates, grad_outputs=fake,
        create_graph=True, retain_graph=True, only_inputs=True,
    )[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


losses = []
for i, (imgs, labels) in enumerate(dataloader):
    imgs = Variable(imgs.type(Tensor))
    labels = Variable(labels.type(Tensor))
    sampled_c = Variable(Tensor(np.random.randint(0, 2, (imgs.size(0), c_dim))))
    fake_imgs = generator(imgs, sampled_c)

    optimizer_D.zero_grad()
    real_validity, pred_cls = discriminator(imgs)
    fake_validity, _ = discriminator(fake_imgs.detach())
    gradient_penalty = compute_gradient_penalty(discriminator, imgs.data, fake_imgs.data)
    loss_D_adv = -torch.mean(real_validity) + torch.mean(fake_validity) + lambda_gp * gradient_penalty
    loss_D_cls = criterion_cls(pred_cls, labels)
    loss_D = loss_D_adv + lambda_cls * loss_D_cls
    loss_D.backward()
    optimizer_D.step()

    optimizer_G.zero_grad()
    if i % n_critic == 0:
        gen_imgs = generator(imgs, sampled_c)
        recov_imgs = generator(gen_imgs, labels)
        fake_validity, pred_cls = discriminator(gen_imgs)
        loss_G_adv = -torch.mean(fake_validity)
        loss_G_cls = criterion_cls(pred_cls, sampled_c)
        loss_G_rec = criterion_cycle(recov_imgs, imgs)
        loss_G = loss_G_adv + lambda_cls * loss_G_cls + lambda_rec * loss_G_rec
        loss_G.backward()
        optimizer_G.step()
        losses.append((loss_D.item(), loss_G.item()))
'''

PIXELDA_TRAIN = PIXELDA + '''
torch.manual_seed(0)
np.random.seed(0)
patch = int(opt.img_size / 2 ** 4)
patch = (1, patch, patch)
adversarial_loss = torch.nn.MSELoss()
task_loss = torch.nn.CrossEntropyLoss()
lambda_adv, lambda_task = 1, 0.1
generator = Generator()
discriminator = Discriminator()
classifier = Classifier()
generator.apply(weights_init_normal)
discriminator.apply(weights_init_normal)
classifier.apply(weights_init_normal)
# MNIST digits (1 channel) as the source domain, MNIST-M (3 channels) as the target
mnist = torch.utils.data.TensorDataset(torch.rand(8, 1, 32, 32) * 2 - 1, torch.randint(0, 10, (8,)))
mnistm = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.randint(0, 10, (8,)))
dataloader_A = torch.utils.data.DataLoader(mnist, batch_size=4, shuffle=True)
dataloader_B = torch.utils.data.DataLoader(mnistm, batch_size=4, shuffle=True)
optimizer_G = torch.optim.Adam(itertools.chain(generator.parameters(), classifier.parameters()), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
FloatTensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor
LongTensor = torch.cuda.LongTensor if torch.cuda.is_available() else torch.LongTensor

losses, task_performance = [], []
for epoch in range(2):
    for i, ((imgs_A, labels_A), (imgs_B, labels_B)) in enumerate(zip(dataloader_A, dataloader_B)):
        batch_size = imgs_A.size(0)
        valid = Variable(FloatTensor(batch_size, *patch).fill_(1.0), requires_grad=False)
        fake = Variable(FloatTensor(batch_size, *patch).fill_(0.0), requires_grad=False)
        imgs_A = Variable(imgs_A.type(FloatTensor).expand(batch_size, 3, opt.img_size, opt.img_size))
        labels_A = Variable(labels_A.type(LongTensor))
        imgs_B = Variable(imgs_B.type(FloatTensor))

        optimizer_G.zero_grad()
        z = Variable(FloatTensor(np.random.uniform(-1, 1, (batch_size, opt.latent_dim))))
        fake_B = generator(imgs_A, z)
        label_pred = classifier(fake_B)
        task_loss_ = (task_loss(label_pred, labels_A) + task_loss(classifier(imgs_A), labels_A)) / 2
        g_loss = lambda_adv * adversarial_loss(discriminator(fake_B), valid) + lambda_task * task_loss_
        g_loss.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        real_loss = adversarial_loss(discriminator(imgs_B), valid)
        fake_loss = adversarial_loss(discriminator(fake_B.detach()), fake)
        d_loss = (real_loss + fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()
        acc = np.mean(np.argmax(label_pred.data.cpu().numpy(), axis=1) == labels_A.data.cpu().numpy())
        task_performance.append(acc)
        losses.append((d_loss.item(), g_loss.item()))
assert all(0 <= a <= 1 for a in task_performance)
'''

SUPER_RESOLUTION_TRAIN = '''
torch.manual_seed(0)
hr_shape, channels = (32, 32), 3
lr_images = torch.rand(4, channels, 8, 8) * 2 - 1
dataloader = DataLoader([{"lr": lr, "hr": F.interpolate(lr.unsqueeze(0), scale_factor=4, mode="bilinear").squeeze(0)}
                         for lr in lr_images], batch_size=2, shuffle=True)
generator = GENERATOR
discriminator = Discriminator(input_shape=(channels, *hr_shape))
feature_extractor = FeatureExtractor()
feature_extractor.eval()  # the VGG features are fixed
criterion_GAN = CRITERION_GAN
criterion_content = torch.nn.L1Loss()
criterion_pixel = torch.nn.L1Loss()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.9, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.9, 0.999))
Tensor = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.Tensor

losses = []
for epoch in range(2):
    for i, imgs in enumerate(dataloader):
        imgs_lr = Variable(imgs["lr"].type(Tensor))
        imgs_hr = Variable(imgs["hr"].type(Tensor))
        valid = Variable(Tensor(np.ones((imgs_lr.size(0), *discriminator.output_shape))), requires_grad=False)
        fake = Variable(Tensor(np.zeros((imgs_lr.size(0), *discriminator.output_shape))), requires_grad=False)
        G_AND_D_STEPS
        losses.append((loss_D.item(), loss_G.item()))
'''

SRGAN_TRAIN = SRGAN + SUPER_RESOLUTION_TRAIN.replace("GENERATOR", "GeneratorResNet(n_residual_blocks=2)").replace(
    "CRITERION_GAN", "torch.nn.MSELoss()").replace("        G_AND_D_STEPS", '''        optimizer_G.zero_grad()
        gen_hr = generator(imgs_lr)
        loss_GAN = criterion_GAN(discriminator(gen_hr), valid)
        gen_features = feature_extractor(gen_hr)
        real_features = feature_extractor(imgs_hr)
        loss_content = criterion_content(gen_features, real_features.detach())
        loss_G = loss_content + 1e-3 * loss_GAN
        loss_G.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        loss_real = criterion_GAN(discriminator(imgs_hr), valid)
        loss_fake = criterion_GAN(discriminator(gen_hr.detach()), fake)
        loss_D = (loss_real + loss_fake) / 2
        loss_D.backward()
        optimizer_D.step()''')

ESRGAN_TRAIN = ESRGAN + SUPER_RESOLUTION_TRAIN.replace("GENERATOR", "GeneratorRRDB(channels, filters=8, num_res_blocks=1)").replace(
    "CRITERION_GAN", "torch.nn.BCEWithLogitsLoss()").replace("        G_AND_D_STEPS", '''        optimizer_G.zero_grad()
        gen_hr = generator(imgs_lr)
        loss_pixel = criterion_pixel(gen_hr, imgs_hr)
        pred_real = discriminator(imgs_hr).detach()
        pred_fake = discriminator(gen_hr)
        # relativistic average GAN: is the real image more realistic than the average fake?
        loss_GAN = (criterion_GAN(pred_fake - pred_real.mean(0, keepdim=True), valid)
                    + criterion_GAN(pred_real - pred_fake.mean(0, keepdim=True), fake)) / 2
        gen_features = feature_extractor(gen_hr)
        real_features = feature_extractor(imgs_hr).detach()
        loss_content = criterion_content(gen_features, real_features)
        loss_G = loss_content + 5e-3 * loss_GAN + 1e-2 * loss_pixel
        loss_G.backward()
        optimizer_G.step()

        optimizer_D.zero_grad()
        pred_real = discriminator(imgs_hr)
        pred_fake = discriminator(gen_hr.detach())
        loss_real = criterion_GAN(pred_real - pred_fake.mean(0, keepdim=True), valid)
        loss_fake = criterion_GAN(pred_fake - pred_real.mean(0, keepdim=True), fake)
        loss_D = (loss_real + loss_fake) / 2
        loss_D.backward()
        optimizer_D.step()''')

TRAINING = {"cyclegan": (CYCLEGAN_TRAIN, 2), "pix2pix": (PIX2PIX_TRAIN, 2), "context_encoder": (CONTEXT_ENCODER_TRAIN, 4),
            "ccgan": (CCGAN_TRAIN, 4), "discogan": (DISCOGAN_TRAIN, 2), "dualgan": (DUALGAN_TRAIN, 2),
            "unit": (UNIT_TRAIN, 2), "munit": (MUNIT_TRAIN, 2), "stargan": (STARGAN_TRAIN, 2),
            "pixelda": (PIXELDA_TRAIN, 4), "srgan": (SRGAN_TRAIN, 4), "esrgan": (ESRGAN_TRAIN, 4)}


@pytest.mark.parametrize("program", list(TRAINING))
@pytest.mark.parametrize("lib", ["torch", "minigan"])
def test_training_loop_runs_with_finite_changing_losses(program, lib):
    code, steps = TRAINING[program]
    namespace = {"__name__": f"{program}_training_{lib}"}
    exec(compile(code if lib == "torch" else swap_imports(code), f"<{program} on {lib}>", "exec"), namespace)
    check_losses(namespace["losses"], steps)
