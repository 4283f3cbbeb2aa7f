"""Layers and models: ``from minigan import nn``, with torch.nn's names.

    module.py       Module: parameters, buffers, submodules, train/eval, state_dict, repr
    parameter.py    Parameter
    container.py    Sequential, ModuleList, ModuleDict
    linear.py       Linear, Identity          conv.py        Conv2d, ConvTranspose2d
    batchnorm.py    BatchNorm1d, BatchNorm2d  activation.py  ReLU, LeakyReLU, PReLU, ELU, Tanh,
                                              Sigmoid, Softmax, LogSoftmax
    dropout.py      Dropout, Dropout2d        embedding.py   Embedding
    flatten.py      Flatten, Unflatten        loss.py        BCELoss, BCEWithLogitsLoss, ...
    upsample.py     Upsample                  parallel.py    DataParallel (one device: a wrapper)
    normalization.py  InstanceNorm1d, InstanceNorm2d, GroupNorm, LayerNorm
    padding.py      ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d
    pooling.py      AvgPool2d, MaxPool2d, AdaptiveAvgPool2d
    pixelshuffle.py PixelShuffle, PixelUnshuffle
    minibatch.py    MinibatchDiscrimination, MinibatchStdDev (D's layers against mode collapse)
    init.py         nn.init: normal_, uniform_, xavier_*, kaiming_*, calculate_gain
    utils/          nn.utils: clip_grad_norm_/value_, spectral_norm, parameters_to_vector
    functional      minigan.nn.functional is minigan.functional (one module, two names)

The layers hold parameters and call the functions in minigan/functional.py, whose ops (forward and
backward) live in minigan/ops/.
"""

import sys

from minigan import functional
from minigan.nn import init, parallel, utils
from minigan.nn.activation import (
    ELU, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax, Tanh,
)
from minigan.nn.batchnorm import BatchNorm1d, BatchNorm2d
from minigan.nn.container import ModuleDict, ModuleList, Sequential
from minigan.nn.conv import Conv2d, ConvTranspose2d
from minigan.nn.dropout import Dropout, Dropout2d
from minigan.nn.embedding import Embedding
from minigan.nn.flatten import Flatten, Unflatten
from minigan.nn.linear import Identity, Linear
from minigan.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from minigan.nn.minibatch import MinibatchDiscrimination, MinibatchStdDev
from minigan.nn.module import Module
from minigan.nn.normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from minigan.nn.padding import ConstantPad2d, ReflectionPad2d, ReplicationPad2d, ZeroPad2d
from minigan.nn.pixelshuffle import PixelShuffle, PixelUnshuffle
from minigan.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from minigan.nn.parallel import DataParallel
from minigan.nn.parameter import Parameter
from minigan.nn.upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

# `import minigan.nn.functional as F` and `from minigan.nn import functional` give
# minigan.functional.
sys.modules["minigan.nn.functional"] = functional

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv2d", "ConvTranspose2d",
    "CrossEntropyLoss", "DataParallel", "Dropout", "Dropout2d", "ELU", "Embedding", "Flatten",
    "Identity", "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MinibatchDiscrimination",
    "MinibatchStdDev", "Module", "ModuleDict", "ModuleList", "NLLLoss", "Parameter", "ReLU",
    "Sequential", "Sigmoid", "Softmax", "Tanh", "Unflatten", "Upsample", "UpsamplingBilinear2d",
    "UpsamplingNearest2d", "functional", "init", "parallel", "utils",
    # issue 21: the layers of image-to-image and style-based GANs
    "AdaptiveAvgPool2d", "AvgPool2d", "ConstantPad2d", "GroupNorm", "InstanceNorm1d",
    "InstanceNorm2d", "LayerNorm", "MaxPool2d", "PReLU", "PixelShuffle", "PixelUnshuffle",
    "ReflectionPad2d", "ReplicationPad2d", "ZeroPad2d",
]
