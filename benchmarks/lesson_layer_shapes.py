"""Which layers the lessons' image-to-image, progressive and style-based models call, at which input
shapes: the shapes `benchmarks/run.py --cases layers` times them at (its LAYERS table).

    python benchmarks/lesson_layer_shapes.py      # a few seconds: one training step of each model

Each model is built from its default configuration (`default_config(model, "sample")`, as lessons
16-20 build them: pix2pix, cyclegan, srgan, inpaint, progan at each of its three stages, stylegan)
and trains for one step of its own trainer (progan: one step in each stage, halfway through its
fade-in), while every call of the layers and functions below is
recorded with the model that made it and its input's shape. Prints one line per (model, call),
its input shapes (largest first) and how many times it was called at each.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minigan import functional as F  # noqa: E402
from minigan import nn  # noqa: E402

# The layers of issues 21-23 (recorded as layers: their repr names the arguments), then the
# functions behind them, recorded where a model calls one outside those layers (as
# `F.<function>(...) in <the module that called it>`).
LAYER_CLASSES = ("InstanceNorm2d", "GroupNorm", "LayerNorm", "ReflectionPad2d", "ReplicationPad2d",
                 "ZeroPad2d", "AvgPool2d", "MaxPool2d", "AdaptiveAvgPool2d", "PixelShuffle",
                 "PixelUnshuffle", "PReLU", "Upsample", "PixelNorm", "MinibatchStdDev", "AdaIN",
                 "NoiseInjection")
FUNCTIONS = ("instance_norm", "group_norm", "layer_norm", "pad", "avg_pool2d", "max_pool2d",
             "adaptive_avg_pool2d", "pixel_shuffle", "pixel_unshuffle", "prelu", "interpolate")

MODELS = ("pix2pix", "cyclegan", "srgan", "inpaint", "progan", "stylegan")


def _shape(x) -> tuple:
    return tuple(int(n) for n in x.shape)


def recorded_calls(models=MODELS) -> dict:
    """{(model, where, call): Counter of input shapes (calls at each)}: `where` is the class of the model's top
    module (G or D) that made the call, `call` the layer's repr or `F.<function>(...)` for a
    function called outside the layers above."""
    from minigan.gan.recipes import build, default_config, make_trainer

    calls = defaultdict(Counter)
    stack = []                                  # the modules being called, outermost first
    model_name = [None]
    original_call = nn.Module.__call__
    original_functions = {name: getattr(F, name) for name in FUNCTIONS}

    def module_call(self, *args, **kwargs):
        stack.append(self)
        try:
            if type(self).__name__ in LAYER_CLASSES and args and hasattr(args[0], "shape"):
                calls[(model_name[0], type(stack[0]).__name__, " ".join(repr(self).split()))][_shape(args[0])] += 1
            return original_call(self, *args, **kwargs)
        finally:
            stack.pop()

    def recording(name):
        function = original_functions[name]

        def call(x, *args, **kwargs):
            inside_layer = any(type(m).__name__ in LAYER_CLASSES for m in stack)
            if not inside_layer:
                where = type(stack[0]).__name__ if stack else "(the trainer)"
                caller = type(stack[-1]).__name__ if stack else "-"
                shown = ", ".join([*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items())])
                calls[(model_name[0], where, f"F.{name}(x{', ' if shown else ''}{shown}) in {caller}")][_shape(x)] += 1
            return function(x, *args, **kwargs)

        return call

    nn.Module.__call__ = module_call
    for name in FUNCTIONS:
        setattr(F, name, recording(name))
    try:
        for model in models:
            config = default_config(model, "sample", sample_every=0, checkpoint_every=0)
            trainer = make_trainer(build(config), config)
            steps = [0]
            if model == "progan":  # each stage, halfway through its fade-in (both of G's paths run)
                steps = [s * config.grow_every + config.fade_steps // 2 for s in range(3)]
            for step in steps:
                model_name[0] = model
                trainer.step = step
                trainer.train_step()
                model_name[0] = None
    finally:
        nn.Module.__call__ = original_call
        for name, function in original_functions.items():
            setattr(F, name, function)
    return calls


def main() -> None:
    calls = recorded_calls()
    for (model, where, call), shapes in sorted(calls.items()):
        ordered = sorted(shapes, key=lambda s: -math.prod(s))
        print(f"{model:9s} {where:20s} {call:58s} " + ", ".join(f"{s} x{shapes[s]}" for s in ordered))


if __name__ == "__main__":
    main()
