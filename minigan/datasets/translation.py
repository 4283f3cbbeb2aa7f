"""Image-to-image tasks, built from an image dataset with NumPy alone: deterministic, no download.

    train = load_task("outlines")                     # 8,000 (outline, garment) pairs
    test = load_task("outlines", split="held-out")    # 2,000 pairs no model trains on

Four tasks, one per image-to-image model of minigan.gan (each a real translation: the input lacks
what the model must invent):

    outlines            outline drawing -> garment, paired (pix2pix). The outline is the
                        boundary of the garment's silhouette (`outline`): shading, texture and
                        print are gone.
    backgrounds         garments on a white background -> on black, unpaired (CycleGAN): domain
                        A holds one half of the training images with their background turned
                        white (`white_background`: a catalogue photo), domain B the OTHER half as
                        they are, so no garment of B is in A. Not a pixel-wise map: a dark pixel
                        is background (to turn black) or garment (to keep) depending on whether
                        it is connected to the image's border.
    low-res             7x7 -> 28x28, four times the resolution (super-resolution): the 7x7 image is
                        the 28x28 one averaged over 4x4 blocks (`downsample`).
    masked              the centre 14x14 square hidden -> the whole image (inpainting): the hidden
                        pixels are set to 0, mid-grey, a value the garments and the black
                        background rarely take (`mask_centre`).

Splits of the bundled "sample" (Fashion-MNIST's 10,000 test images): "train" is images 0..7999,
"held-out" images 8000..9999 (every class has 173..224 of them). For "fashion-mnist" and "mnist",
"train" is the training split and "held-out" the first 2,000 test images. The held-out split of the
unpaired task keeps each input with its own garment (what evaluation needs: the class of each
input, and real garments to compare with); only its training split is unpaired.
"""

from __future__ import annotations

import numpy as np

TASKS = ("outlines", "backgrounds", "low-res", "masked")
SPLITS = ("train", "held-out")
SAMPLE_TRAIN = 8000        # images 0..7999 of the sample train, 8000..9999 are held out
HELD_OUT = 2000            # held-out images of the full datasets (the first of their test split)
OUTLINE_THRESHOLD = -0.8   # a pixel belongs to the garment when brighter than this (10% grey)
LOW_RES_FACTOR = 4         # 28x28 -> 7x7
MASK_SIZE = 14             # the hidden centre square of the masked task
MASK_FILL = 0.0


# ----------------------------------------------------------------------------- the translations


def outline(images: np.ndarray, threshold: float = OUTLINE_THRESHOLD) -> np.ndarray:
    """Outline drawings of images (N, 1, H, W) in [-1, 1]: 1 on the boundary of each silhouette,
    -1 elsewhere.

    The silhouette is every pixel brighter than `threshold`; a silhouette pixel is on the boundary
    when one of its four neighbours is not (outside the image counts as not), so holes in a garment
    (the gap between trouser legs, a dark print) get their own outline.
    """
    _check_images(images, "outline")
    inside = images[:, 0] > threshold
    padded = np.pad(inside, ((0, 0), (1, 1), (1, 1)))
    interior = (padded[:, 1:-1, 1:-1] & padded[:, :-2, 1:-1] & padded[:, 2:, 1:-1]
                & padded[:, 1:-1, :-2] & padded[:, 1:-1, 2:])
    boundary = inside & ~interior
    return np.where(boundary, 1.0, -1.0).astype(np.float32)[:, None]


def background(images: np.ndarray, threshold: float = OUTLINE_THRESHOLD) -> np.ndarray:
    """(N, H, W) bool: the background of images (N, 1, H, W) in [-1, 1], the pixels not brighter
    than `threshold` that connect to the border through such pixels (4-neighbours). Dark pixels
    enclosed by the garment (a black print, the inside of a bag) are not background."""
    _check_images(images, "background")
    dark = images[:, 0] <= threshold
    region = np.zeros_like(dark)
    for edge in (np.s_[:, 0, :], np.s_[:, -1, :], np.s_[:, :, 0], np.s_[:, :, -1]):
        region[edge] = dark[edge]
    while True:  # flood fill: grow the region into dark neighbours until it stops growing
        padded = np.pad(region, ((0, 0), (1, 1), (1, 1)))
        grown = dark & (padded[:, 1:-1, 1:-1] | padded[:, :-2, 1:-1] | padded[:, 2:, 1:-1]
                        | padded[:, 1:-1, :-2] | padded[:, 1:-1, 2:])
        if (grown == region).all():
            return region
        region = grown


def white_background(images: np.ndarray) -> np.ndarray:
    """The images with their `background` set to 1 (white), the garment untouched."""
    return np.where(background(images)[:, None], 1.0, images).astype(np.float32)


def downsample(images: np.ndarray, factor: int = LOW_RES_FACTOR) -> np.ndarray:
    """(N, C, H, W) -> (N, C, H/factor, W/factor): the mean of each factor x factor block."""
    _check_images(images, "downsample")
    n, c, h, w = images.shape
    if h % factor or w % factor:
        raise ValueError(f"downsample: the image side must be divisible by factor={factor}, "
                         f"got images of {h}x{w}")
    blocks = images.reshape(n, c, h // factor, factor, w // factor, factor)
    return blocks.mean(axis=(3, 5)).astype(images.dtype)


def centre_mask(side: int = 28, size: int = MASK_SIZE) -> np.ndarray:
    """(side, side) bool, True on the centre size x size square (the pixels to fill in)."""
    if not 0 < size < side:
        raise ValueError(f"centre_mask: size must be in 1..{side - 1}, got {size!r}")
    start = (side - size) // 2
    mask = np.zeros((side, side), dtype=bool)
    mask[start:start + size, start:start + size] = True
    return mask


def mask_centre(images: np.ndarray, size: int = MASK_SIZE, fill: float = MASK_FILL) -> np.ndarray:
    """The images (N, 1, H, W) with their centre size x size square set to `fill`."""
    _check_images(images, "mask_centre")
    masked = images.copy()
    masked[:, :, centre_mask(images.shape[-1], size)] = fill
    return masked


def _check_images(images, who: str) -> None:
    square = isinstance(images, np.ndarray) and images.ndim == 4
    if not square or images.shape[-1] != images.shape[-2]:
        got = images.shape if isinstance(images, np.ndarray) else type(images).__name__
        raise ValueError(f"{who}: expected square images as an array (N, C, H, W), got {got}")


# ----------------------------------------------------------------------------- the datasets


class ImagePairs:
    """The two sides of a translation task, all in memory.

    Attributes:
        task: the task's name (TASKS); split: "train" or "held-out".
        inputs: (N, 1, h, w) float32 in [-1, 1]: what the model is given (domain A when unpaired).
        targets: (N, 1, 28, 28) float32 in [-1, 1]: what it should produce (domain B).
        labels, target_labels: (N,) int64, the class of each input and of each target (the same
            array when paired: inputs[i] and targets[i] are two views of one garment).
        paired: whether targets[i] belongs to inputs[i].
        arrays: (inputs, targets): what a DataLoader batches.
    """

    def __init__(self, task: str, split: str, inputs, targets, labels, target_labels, classes,
                 paired: bool):
        if len(inputs) != len(targets):
            raise ValueError(f"ImagePairs: {len(inputs)} inputs but {len(targets)} targets")
        self.task, self.split, self.paired = task, split, paired
        self.inputs, self.targets = inputs, targets
        self.labels, self.target_labels = labels, target_labels
        self.classes = list(classes)

    @property
    def arrays(self) -> tuple:
        return self.inputs, self.targets

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index):
        return self.inputs[index], self.targets[index]

    def __repr__(self) -> str:
        def side(a):
            return "x".join(str(s) for s in a.shape[1:])

        return (f"ImagePairs({self.task!r}, {self.split}, {len(self)} "
                f"{'pairs' if self.paired else 'unpaired images'}: {side(self.inputs)} -> "
                f"{side(self.targets)})")


def task_images(dataset: str = "sample", split: str = "train", root=None):
    """(images, labels, classes) of one split of a task's source data (module docstring)."""
    from minigan.datasets import load_dataset

    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if dataset == "sample":
        data = load_dataset("sample", root=root)
        part = slice(0, SAMPLE_TRAIN) if split == "train" else slice(SAMPLE_TRAIN, None)
        return data.images[part], data.labels[part], data.classes
    data = load_dataset(dataset, "train" if split == "train" else "test", root=root)
    part = slice(None) if split == "train" else slice(0, HELD_OUT)
    return data.images[part], data.labels[part], data.classes


def make_task(task: str, images: np.ndarray, labels: np.ndarray, classes=(), split: str = "train",
              unpaired: bool | None = None) -> ImagePairs:
    """The task's pairs made from `images` (N, 1, 28, 28) and their labels.

    For "backgrounds" (unpaired=True, the default for its train split) domain A is the first half
    of the images on a white background and domain B the second half as they are.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    _check_images(images, f"make_task({task!r})")
    if task == "low-res":
        return ImagePairs(task, split, downsample(images), images, labels, labels, classes, True)
    if task == "masked":
        return ImagePairs(task, split, mask_centre(images), images, labels, labels, classes, True)
    translate = outline if task == "outlines" else white_background
    unpaired = (task == "backgrounds" and split == "train") if unpaired is None else unpaired
    if not unpaired:
        return ImagePairs(task, split, translate(images), images, labels, labels, classes, True)
    half = len(images) // 2
    return ImagePairs(task, split, translate(images[:half]), images[half:2 * half], labels[:half],
                      labels[half:2 * half], classes, False)


def load_task(task: str, split: str = "train", dataset: str = "sample", root=None) -> ImagePairs:
    """One split of a task (module docstring), made from `dataset` ("sample": no download)."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    images, labels, classes = task_images(dataset, split, root)
    return make_task(task, images, labels, classes, split)
