"""Every setting of a training run in one table: its name, type, valid range or choices, default,
help text, and whether it may change when a run is resumed.

The table is the one place where settings are checked. From it come

* ``TrainConfig``, the dataclass a run carries (one field per row with ``config=True``);
* the ``train`` command's flags (``--batch-size`` for ``batch_size``; argparse calls the row's
  check, so ``--steps -5`` ends in ``error: argument --steps: ...`` and exit 2);
* the checks of a ``--config`` file and of a checkpoint's config (``check_settings``);
* what ``--resume`` may change (``check_resume``).

Adding a setting is adding a row::

    Setting("label_smoothing", float, 0.0, "one-sided label smoothing (BCE losses)", low=0, high=1,
            high_open=True),

Every value is checked for its type (an int is not a bool, 2.5 is not an int, "x" is not a number)
and range (finite numbers only) before any work starts; a bad value is a ValueError that names the
setting, what was expected and what was got. Every count has an upper bound too (a typo such as
``--steps 1e26`` would otherwise run forever); what the whole configuration needs in memory is
checked against the machine by ``minigan.gan.recipes.check_memory`` before anything is allocated.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass, field

from minigan.datasets.toy import TOY_NAMES
from minigan.gan.losses import LOSSES
from minigan.gan.models import FAMILIES
from minigan.gan.remedies import MINIBATCH_LAYERS

MODELS = tuple(FAMILIES)  # the model families' registry (minigan/gan/models/__init__.py)
MAX_STEPS = 100_000_000  # about a year at the default run's speed: larger is a typo, not a plan
TOY_DATASETS = TOY_NAMES  # the one list lives with the data (minigan.datasets.toy)
IMAGE_DATASETS = ("sample", "fashion-mnist", "mnist")
# Which kind of data each model takes, and the image side it is built for (None: any).
MODEL_DATA = {name: family.data for name, family in FAMILIES.items()}
MODEL_IMAGE_SIZE = {name: family.image_size for name, family in FAMILIES.items()}
# The image-to-image models: the task each translates (minigan.datasets.translation) and the GAN
# loss of its paper (the only one it takes).
MODEL_TASK = {name: family.task for name, family in FAMILIES.items() if family.task}
MODEL_LOSS = {name: family.loss for name, family in FAMILIES.items() if family.loss}
# Settings of the noise-to-image GANs that an image-to-image model does not use: refused when set.
NOISE_ONLY = ("n_critic", "drift", "label_smoothing", "two_sided_smoothing", "instance_noise",
              "feature_matching", "minibatch", "pack", "spectral_norm", "unroll")
# Settings only the image-to-image models use: refused for the others when set.
TRANSLATION_ONLY = ("adv_weight", "pixel_weight", "cycle_weights", "identity_weight",
                    "feature_weight", "pool_size", "blocks", "dropout")
IMAGE_CLASSES = 10  # every image dataset here has ten classes (a conditional GAN's labels)


@dataclass(frozen=True)
class Setting:
    """One row of the table.

    type: int, float, bool, str, tuple (a pair of floats) or dict. low/high: the range of a number
    (inclusive unless low_open/high_open). choices: the allowed strings. resume: "fixed" (must
    equal the checkpoint's on --resume) or "free". config: a TrainConfig field (False: a flag
    only, such as --epochs). models: the model families the setting applies to (empty: all);
    for the others it must keep its default.
    """

    name: str
    type: type
    default: object
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple = ()
    resume: str = "fixed"
    config: bool = True
    models: tuple = ()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def expected(self) -> str:
        """What a valid value is, in words: "an integer >= 1", "one of 'adam', 'rmsprop'"."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.type is dict:
            return "a JSON object"
        if self.type is bool:
            return "true or false"
        what = {int: "an integer", float: "a finite number", str: "a string",
                tuple: "two numbers"}[self.type]
        low, high = (None if v is None else f"{v:,}" if self.type is int else f"{v:g}"
                     for v in (self.low, self.high))
        if low is not None and high is not None:
            return (f"{what} in {'(' if self.low_open else '['}{low}, {high}"
                    f"{')' if self.high_open else ']'}")
        if low is not None:
            return f"{what} {'>' if self.low_open else '>='} {low}"
        return what

    def check(self, value):
        """The value, converted to the row's type (5.0 -> 5 for an int); ValueError if invalid."""
        if self.type is tuple:
            if isinstance(value, (list, tuple)) and len(value) == 2:
                return tuple(self._check_number(v, float, value) for v in value)
            raise self._invalid(value)
        if self.type is bool:
            if not isinstance(value, bool):
                raise self._invalid(value)
            return value
        if self.type in (int, float):
            return self._check_number(value, self.type, value)
        if not isinstance(value, self.type) or (self.choices and value not in self.choices):
            raise self._invalid(value)
        return value

    def _check_number(self, value, kind, whole):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._invalid(whole)
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise self._invalid(whole)
            value = int(value)
        elif not math.isfinite(value):
            raise self._invalid(whole)
        else:
            value = float(value)
        low_ok = self.low is None or (value > self.low if self.low_open else value >= self.low)
        high_ok = self.high is None or (value < self.high if self.high_open else value <= self.high)
        if not (low_ok and high_ok):
            raise self._invalid(whole)
        return value

    def _invalid(self, value) -> ValueError:
        return ValueError(f"{self.name} must be {self.expected()}, got {value!r}")

    def argparse_type(self, text: str):
        """argparse's `type=` for the flag: parse the text, then check it like a config value."""
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        try:
            value = (text if self.type is str else words.get(text.lower(), text)
                     if self.type is bool else (int if self.type is int else float)(text))
        except ValueError:
            value = text
        try:  # a pair (--betas 0.5 0.999) comes one number at a time: each is checked alone
            if self.type is tuple:
                return self._check_number(value, float, value)
            return self.check(value)
        except ValueError as err:
            raise argparse.ArgumentTypeError(f"must be {self.expected()}, got {text!r}") from err


SETTINGS = (
    Setting("model", str, "dcgan", "network family (default: dcgan; mlp for 2-D data)",
            choices=MODELS),
    Setting("dataset", str, "sample", "training data (default: sample, the bundled Fashion-MNIST "
            "test split)", choices=IMAGE_DATASETS + TOY_DATASETS),
    Setting("loss", str, "bce", "GAN loss (default: bce, non-saturating)", choices=tuple(LOSSES)),
    Setting("steps", int, 1000, "generator updates in total (on --resume: the new total)", low=1,
            high=MAX_STEPS, resume="free"),
    Setting("epochs", float, None, "passes over the data (instead of --steps)", low=0,
            low_open=True, high=100_000, resume="free", config=False),
    Setting("batch_size", int, 64, "samples per batch (at most the dataset's size)", low=1,
            high=100_000),
    Setting("latent_dim", int, 100, "size of the noise vector z", low=1, high=10_000),
    Setting("width", int, 32, "feature maps (DCGAN) or hidden units (MLP)", low=1, high=10_000),
    Setting("optimizer", str, "adam", "optimizer of both networks", choices=("adam", "rmsprop")),
    Setting("lr", float, None, "learning rate of both networks (sets lr_g and lr_d)", low=0,
            low_open=True, config=False),
    Setting("lr_g", float, 2e-4, "generator learning rate", low=0, low_open=True),
    Setting("lr_d", float, 2e-4, "discriminator learning rate", low=0, low_open=True),
    Setting("betas", tuple, (0.5, 0.999), "Adam's (beta1, beta2)", low=0, high=1, high_open=True),
    Setting("lr_decay", str, "none", "linear: both learning rates fall to 0 at the last step; "
            "linear-second-half: constant for the first half of the steps, then linear to 0 "
            "(CycleGAN's schedule)", choices=("none", "linear", "linear-second-half")),
    Setting("n_critic", int, 1, "discriminator steps per generator step", low=1, high=1000),
    Setting("gp_weight", float, 10.0, "gradient penalty weight (wgan-gp)", low=0),
    Setting("clip_value", float, 0.01, "weight clipping bound (wgan)", low=0, low_open=True),
    Setting("label_smoothing", float, 0.0, "one-sided label smoothing (BCE losses)", low=0,
            high=1, high_open=True),
    # -- mode-collapse remedies, each off by default (README "Mode collapse and its remedies") ----
    Setting("two_sided_smoothing", float, 0.0, "label smoothing on both sides: real label 1 - s, "
            "fake label s (BCE losses; for contrast with one-sided)", low=0, high=0.5,
            high_open=True),
    Setting("instance_noise", float, 0.0, "std of Gaussian noise on D's inputs, annealed to 0",
            low=0),
    Setting("feature_matching", bool, False, "G matches the mean of D's features on real data"),
    Setting("minibatch", str, "none", "a minibatch layer before D's output",
            choices=MINIBATCH_LAYERS),
    Setting("pack", int, 1, "PacGAN: D judges this many samples at once (divides batch_size)",
            low=1, high=1000),
    Setting("spectral_norm", bool, False, "spectral normalisation of every Linear/Conv2d weight "
            "of D"),
    Setting("unroll", int, 0, "unrolled GAN: G's loss through D after K SGD steps of D", low=0,
            high=100),
    Setting("unroll_lr", float, 0.5, "learning rate of those unrolled SGD steps", low=0,
            low_open=True),
    # -- image-to-image models (pix2pix, cyclegan, srgan, inpaint) -------------------------------
    Setting("adv_weight", float, 1.0, "weight of the adversarial term of G's loss (0: no "
            "adversary, the baseline: G trained on its pixel or cycle loss alone)", low=0),
    Setting("pixel_weight", float, 100.0, "weight of G's pixel loss (pix2pix: L1, srgan and "
            "inpaint: L2)", low=0),
    Setting("cycle_weights", tuple, (10.0, 10.0), "cyclegan: weights of the two cycle-consistency "
            "losses, a -> b -> a and b -> a -> b", low=0),
    Setting("identity_weight", float, 5.0, "cyclegan: weight of the identity loss", low=0),
    Setting("feature_weight", float, 0.0, "srgan: weight of the feature loss (MSE between the "
            "evaluator's convolutional features of the output and of the target)", low=0),
    Setting("pool_size", int, 50, "cyclegan: past translations kept for D (0: no pool)", low=0,
            high=10_000),
    Setting("blocks", int, 3, "residual blocks of the cyclegan and srgan generators", low=0,
            high=100),
    Setting("dropout", float, 0.5, "pix2pix: dropout in the U-Net's decoder", low=0, high=1,
            high_open=True),
    # -- progressive growing and the style-based generator (Karras et al. 2018, 2019) -------------
    Setting("grow_every", int, 600, "progan: steps at each resolution (7, 14, 28) before the next "
            "block grows (0: the full network from the first step)", low=0, high=100_000_000,
            models=("progan",)),
    Setting("fade_steps", int, 300, "progan: steps over which a new block fades in (alpha 0 -> 1; "
            "at most grow_every)", low=0, high=100_000_000, models=("progan",)),
    Setting("pixel_norm", bool, True, "pixel-wise feature normalisation (progan: G's features; "
            "stylegan: z before the mapping network)", models=("progan", "stylegan")),
    Setting("equalized_lr", bool, True, "equalized learning rate: weights stored at N(0, 1), "
            "scaled by He's constant at run time", models=("progan", "stylegan")),
    Setting("minibatch_std", bool, True, "the minibatch standard-deviation channel in D's last "
            "block", models=("progan", "stylegan")),
    Setting("drift", float, 0.0, "epsilon-drift: drift * E[D(x)^2] added to D's loss (progan's "
            "WGAN-GP: 0.001)", low=0),
    Setting("style_mixing", float, 0.9, "stylegan: probability that a training batch mixes the "
            "styles of two latents", low=0, high=1, models=("stylegan",)),
    Setting("mapping_layers", int, 4, "stylegan: layers of the mapping network z -> w", low=1,
            high=100, models=("stylegan",)),
    Setting("seed", int, 0, "random seed of weights, noise and batches", low=0, high=2**63 - 1),
    Setting("backend", str, "numpy", "array library (cupy needs a CUDA GPU)",
            choices=("numpy", "cupy"), resume="free"),
    Setting("num_fixed", int, 64, "fixed-noise samples drawn for the grids and the GIF", low=1,
            high=1024),
    Setting("sample_every", int, 100, "fixed-noise snapshot every K steps (0: never)", low=0,
            high=MAX_STEPS, resume="free"),
    Setting("checkpoint_every", int, 500, "checkpoint every K steps (0: only at the end)", low=0,
            high=MAX_STEPS, resume="free"),
    Setting("eval_every", int, 0, "compute metrics every K steps (0: never)", low=0,
            high=MAX_STEPS, resume="free"),
    Setting("n_samples", int, 2500, "samples written to samples.npy at the end", low=1,
            high=1_000_000, resume="free"),
    Setting("image_size", int, 28, "image side (28; 64 for dcgan64)", low=1, high=256),
    Setting("num_classes", int, 10, "classes of a conditional GAN", low=1, high=1000),
    Setting("extra", dict, None, "free-form notes kept with the run", resume="free"),
)
BY_NAME = {s.name: s for s in SETTINGS}
CONFIG_SETTINGS = tuple(s for s in SETTINGS if s.config)


def check_settings(values, source: str = "the config") -> dict:
    """Check a dict of TrainConfig values (a config file, a checkpoint's config, overrides):
    unknown keys, types and ranges. Returns the converted values; ValueError names `source`."""
    if not isinstance(values, dict):
        raise ValueError(f"{source} must hold a JSON object of settings, got "
                         f"{'null' if values is None else type(values).__name__}")
    known = [s.name for s in CONFIG_SETTINGS]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{source}: unknown config keys {unknown}; known keys are {sorted(known)}")
    checked = {}
    for name, value in values.items():
        try:
            checked[name] = BY_NAME[name].check(value)
        except ValueError as err:
            raise ValueError(f"{source}: {err}") from None
    return checked


def check_combination(config) -> None:
    """Settings that are valid alone but not together (checked for every TrainConfig)."""
    kind = "toy" if config.dataset in TOY_DATASETS else "image"
    if kind not in MODEL_DATA[config.model]:
        raise ValueError(f"model {config.model!r} does not work on {kind} data "
                         f"({config.dataset!r}); use --model mlp for {', '.join(TOY_DATASETS)}")
    size = MODEL_IMAGE_SIZE[config.model]
    if kind == "image" and size is not None and config.image_size != size:
        raise ValueError(f"image_size must be {size} for model {config.model!r}, got "
                         f"{config.image_size}")
    translation = config.model in MODEL_TASK
    if translation and config.loss != MODEL_LOSS[config.model]:
        raise ValueError(f"model {config.model!r} trains with the {MODEL_LOSS[config.model]!r} "
                         f"loss of its paper, got loss {config.loss!r}")
    unused = NOISE_ONLY if translation else TRANSLATION_ONLY
    changed = [BY_NAME[name].flag for name in unused
               if getattr(config, name) != BY_NAME[name].default]
    if changed:
        kinds = "noise-to-image GANs" if translation else "image-to-image models"
        verb = "applies" if len(changed) == 1 else "apply"
        raise ValueError(f"{', '.join(changed)} {verb} to the {kinds}, not to model "
                         f"{config.model!r}")
    unused = [s.flag for s in CONFIG_SETTINGS if s.models and config.model not in s.models
              and getattr(config, s.name) != s.default]
    if unused:
        owners = sorted({m for s in CONFIG_SETTINGS if s.flag in unused for m in s.models})
        raise ValueError(f"{', '.join(unused)} {'applies' if len(unused) == 1 else 'apply'} to "
                         f"model {' and '.join(owners)}, not to model {config.model!r}")
    if config.fade_steps > config.grow_every > 0:
        raise ValueError(f"fade_steps must be at most grow_every ({config.grow_every}), got "
                         f"{config.fade_steps}")
    # -- what would otherwise fail only once training has started (after the first write) --------
    if config.model == "cgan" and config.num_classes != IMAGE_CLASSES:
        raise ValueError(f"num_classes must be {IMAGE_CLASSES} for model 'cgan' (the classes of "
                         f"{config.dataset!r}), got {config.num_classes}")
    if config.feature_matching and config.unroll:
        raise ValueError(f"choose feature_matching or unroll, not both (got feature_matching "
                         f"and unroll {config.unroll})")
    for name in ("batch_size", "num_fixed"):  # D judges training batches and the fixed samples
        rows = getattr(config, name)
        if rows % config.pack:
            raise ValueError(f"pack must be a positive integer dividing {name} ({rows}), got "
                             f"{config.pack}")
        if config.minibatch == "stddev" and (rows // config.pack) % _stddev_group():
            raise ValueError(f"minibatch 'stddev' takes groups of {_stddev_group()}: {name} "
                             f"(divided by pack) must be a multiple of it, got {rows}")


def _stddev_group() -> int:
    from minigan.gan.remedies import STDDEV_GROUP_SIZE

    return STDDEV_GROUP_SIZE


def check_backend_available(name: str) -> None:
    from minigan import cuda_available

    if name == "cupy" and not cuda_available():
        raise ValueError("backend 'cupy' needs CuPy and a CUDA GPU, and none is available here "
                         "(use --backend numpy)")


def check_resume(old, new) -> None:
    """On --resume, settings marked resume="fixed" must equal the checkpoint's."""
    changed = [f"{s.name} (the checkpoint has {getattr(old, s.name)!r}, now "
               f"{getattr(new, s.name)!r})" for s in CONFIG_SETTINGS
               if s.resume == "fixed" and getattr(old, s.name) != getattr(new, s.name)]
    if changed:
        raise ValueError("--resume continues a run with its own settings; these differ from the "
                         "checkpoint's: " + "; ".join(changed)
                         + ". Start a new run to change them.")


def add_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per row (--batch-size for batch_size), checked by the row."""
    for s in SETTINGS:
        if s.type is dict:
            continue
        default_text = "" if s.default is None or s.choices else f"; default {s.default}"
        metavar = "{" + ",".join(s.choices) + "}" if s.choices else s.name.upper()
        # a bool flag alone means true (--feature-matching); it also takes yes/no, true/false
        nargs = 2 if s.type is tuple else "?" if s.type is bool else None
        parser.add_argument(s.flag, dest=s.name, type=s.argparse_type, metavar=metavar,
                            nargs=nargs, const=True if s.type is bool else None,
                            help=f"{s.help} ({s.expected()}{default_text})")


def given_flags(args) -> dict:
    """The settings given on the command line (None: not given)."""
    return {s.name: (tuple(getattr(args, s.name)) if s.type is tuple else getattr(args, s.name))
            for s in SETTINGS if getattr(args, s.name, None) is not None}


# ----------------------------------------------------------------------------- TrainConfig


@dataclass
class TrainConfig:
    """Every choice a run makes, one field per row of SETTINGS above (in its order, with its type
    and default; tests/test_structure.py checks that the two agree). Each value is checked by its
    row when the config is created. Defaults per model/dataset pair live in minigan.gan.recipes."""

    model: str = "dcgan"
    dataset: str = "sample"
    loss: str = "bce"
    steps: int = 1000
    batch_size: int = 64
    latent_dim: int = 100
    width: int = 32
    optimizer: str = "adam"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.999)
    lr_decay: str = "none"
    n_critic: int = 1
    gp_weight: float = 10.0
    clip_value: float = 0.01
    label_smoothing: float = 0.0
    # the mode-collapse remedies, each off by default
    two_sided_smoothing: float = 0.0
    instance_noise: float = 0.0
    feature_matching: bool = False
    minibatch: str = "none"
    pack: int = 1
    spectral_norm: bool = False
    unroll: int = 0
    unroll_lr: float = 0.5
    # the image-to-image models
    adv_weight: float = 1.0
    pixel_weight: float = 100.0
    cycle_weights: tuple = (10.0, 10.0)
    identity_weight: float = 5.0
    feature_weight: float = 0.0
    pool_size: int = 50
    blocks: int = 3
    dropout: float = 0.5
    # progressive growing and the style-based generator
    grow_every: int = 600
    fade_steps: int = 300
    pixel_norm: bool = True
    equalized_lr: bool = True
    minibatch_std: bool = True
    drift: float = 0.0
    style_mixing: float = 0.9
    mapping_layers: int = 4
    seed: int = 0
    backend: str = "numpy"
    num_fixed: int = 64
    sample_every: int = 100
    checkpoint_every: int = 500
    eval_every: int = 0
    n_samples: int = 2500
    image_size: int = 28
    num_classes: int = 10
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for s in CONFIG_SETTINGS:  # each field checked (and converted: 5.0 -> 5) by its row
            value = s.check(getattr(self, s.name))
            setattr(self, s.name, dict(value) if s.type is dict else value)
        check_combination(self)

    def to_dict(self) -> dict:
        """The settings as JSON-ready values (config.json, a checkpoint's config)."""
        d = asdict(self)
        for s in CONFIG_SETTINGS:  # pairs as JSON lists
            if s.type is tuple:
                d[s.name] = list(d[s.name])
        return d

    @classmethod
    def from_dict(cls, values, source: str = "the config") -> TrainConfig:
        """A TrainConfig from a dict of settings, checked first (unknown keys, types, ranges);
        ValueError naming `source` otherwise."""
        return cls(**check_settings(values, source))

