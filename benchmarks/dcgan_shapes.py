"""The convolution and matmul shapes of minigan's DCGAN models, shared by every benchmark.

28x28 (the default `train` model, batch 64):
  G: z (64, 100) -> Linear(100, 128*7*7) -> (64, 128, 7, 7)
     ConvTranspose2d(128, 64, 4, stride 2, padding 1): (64, 128, 7, 7) -> (64, 64, 14, 14)
     ConvTranspose2d(64, 1, 4, stride 2, padding 1):   (64, 64, 14, 14) -> (64, 1, 28, 28)
  D: Conv2d(1, 64, 4, stride 2, padding 1):   (64, 1, 28, 28) -> (64, 64, 14, 14)
     Conv2d(64, 128, 4, stride 2, padding 1): (64, 64, 14, 14) -> (64, 128, 7, 7)
     Flatten -> Linear(128*7*7, 1)

64x64 (the pytorch/examples layout, nz=100, ngf=ndf=64, 3 channels, batch 64): listed below too.
"""

BATCH = 64

# (name, kind, in_channels, out_channels, kernel, stride, padding, input H=W)
CONV_LAYERS_28 = [
    ("G.convT1", "conv_transpose2d", 128, 64, 4, 2, 1, 7),
    ("G.convT2", "conv_transpose2d", 64, 1, 4, 2, 1, 14),
    ("D.conv1", "conv2d", 1, 64, 4, 2, 1, 28),
    ("D.conv2", "conv2d", 64, 128, 4, 2, 1, 14),
]

CONV_LAYERS_64 = [
    ("G.convT1", "conv_transpose2d", 100, 512, 4, 1, 0, 1),
    ("G.convT2", "conv_transpose2d", 512, 256, 4, 2, 1, 4),
    ("G.convT3", "conv_transpose2d", 256, 128, 4, 2, 1, 8),
    ("G.convT4", "conv_transpose2d", 128, 64, 4, 2, 1, 16),
    ("G.convT5", "conv_transpose2d", 64, 3, 4, 2, 1, 32),
    ("D.conv1", "conv2d", 3, 64, 4, 2, 1, 64),
    ("D.conv2", "conv2d", 64, 128, 4, 2, 1, 32),
    ("D.conv3", "conv2d", 128, 256, 4, 2, 1, 16),
    ("D.conv4", "conv2d", 256, 512, 4, 2, 1, 8),
    ("D.conv5", "conv2d", 512, 1, 4, 1, 0, 4),
]

# The (M, N, K) of the matrix products those layers run (forward, batch 64), plus the 28x28 models'
# Linear layers. A convolution is one GEMM over the whole batch: weight (O, C*kh*kw) @ columns
# (C*kh*kw, N*OH*OW), so M = out_channels, N = batch*OH*OW, K = in_channels*kh*kw. A transposed
# convolution is weight^T (Cout*kh*kw, Cin) @ input (Cin, N*H*W), followed by col2im.
GEMM_SHAPES_28 = [
    ("G.linear", 64, 128 * 7 * 7, 100),
    ("D.linear", 64, 1, 128 * 7 * 7),
    ("D.conv1 (im2col)", 64, 64 * 14 * 14, 1 * 16),
    ("D.conv2 (im2col)", 128, 64 * 7 * 7, 64 * 16),
    ("G.convT1 (col)", 64 * 16, 64 * 7 * 7, 128),
    ("G.convT2 (col)", 1 * 16, 64 * 14 * 14, 64),
]
