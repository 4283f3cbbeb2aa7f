"""Where each image dataset comes from: its files, their checksums, its mirrors, its class names.

The checksums are sha256 digests of the DECOMPRESSED files, so a copy that was re-compressed
(Debian's dataset-fashion-mnist package, a mirror that gzips with another level) still verifies,
and a raw (uncompressed) copy verifies too.

Tests replace entries of SOURCES (mirrors on a local HTTP server, made-up files); a dataset of
your own in IDX format can be added the same way::

    SOURCES["my-digits"] = ImageSource(directories=("my-digits",), mirrors=(...), ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImageSource:
    """One image dataset in IDX files.

    directories: the folder names searched under each data directory, in order.
    mirrors: base URLs (ending in "/"), tried in turn; each serves "<file>.gz".
    files: split -> (images file, labels file), without ".gz".
    sha256: file -> sha256 hex digest of its decompressed bytes.
    classes: the class name of each label value.
    sizes: file -> size in bytes of the decompressed file (optional): a copy whose header
        announces another size is refused before it is inflated.
    """

    directories: tuple
    mirrors: tuple
    files: dict
    sha256: dict
    classes: tuple
    sizes: dict = field(default_factory=dict)


MNIST_CLASSES = tuple(str(digit) for digit in range(10))
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                         "Sneaker", "Bag", "Ankle boot")

# Every MNIST-format file: a 16-byte (images) or 8-byte (labels) header, then one byte per value.
_SIZES = {
    "train-images-idx3-ubyte": 16 + 60_000 * 28 * 28,
    "train-labels-idx1-ubyte": 8 + 60_000,
    "t10k-images-idx3-ubyte": 16 + 10_000 * 28 * 28,
    "t10k-labels-idx1-ubyte": 8 + 10_000,
}

_SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# MNIST (Y. LeCun, C. Cortes, C. J. C. Burges). The test digests were computed from the canonical
# files (gz sha256 8d422c7b... and f7ae60f9...); the training digests are the values published by
# many independent projects for the canonical files (we could not download them here).
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# Fashion-MNIST (Zalando SE, MIT licence), computed from Debian's dataset-fashion-mnist package.
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

FASHION_MNIST_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)

SOURCES = {
    "mnist": ImageSource(
        directories=("mnist",),
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        files=_SPLITS,
        sha256=MNIST_SHA256,
        classes=MNIST_CLASSES,
        sizes=_SIZES,
    ),
    "fashion-mnist": ImageSource(
        directories=("fashion-mnist",),
        mirrors=FASHION_MNIST_MIRRORS,
        files=_SPLITS,
        sha256=FASHION_MNIST_SHA256,
        classes=FASHION_MNIST_CLASSES,
        sizes=_SIZES,
    ),
    # The bundled sample: Fashion-MNIST's 10,000 test images, committed in
    # data/fashion-mnist-sample/.
    # It has one split, so "train" and "test" both give it. Where the bundled copy is missing
    # (a non-editable install) any Fashion-MNIST folder holding the test files serves it.
    "sample": ImageSource(
        directories=("fashion-mnist-sample", "fashion-mnist"),
        mirrors=FASHION_MNIST_MIRRORS,
        files={"train": _SPLITS["test"], "test": _SPLITS["test"]},
        sha256=FASHION_MNIST_SHA256,
        classes=FASHION_MNIST_CLASSES,
        sizes=_SIZES,
    ),
}
