"""Data augmentation with a conditional GAN, measured (lesson 22).

    OPENBLAS_NUM_THREADS=1 python experiments/augmentation.py [--per-class 50] [--seeds 3] [--gan-steps 2000]
        writes benchmarks/results/augmentation.{json,md}

The bundled Fashion-MNIST sample (10,000 images) is split once in two halves: a pool of 5,000 to
train from and 5,000 held-out test images. For each seed, `--per-class` images of each class are
drawn from the pool: the "few real images". A class-conditional GAN (`default_config("cgan")`,
the ConditionalGenerator28 recipe) is trained on those few images only, and a classifier
(the evaluator's network, `gan.uses.train_classifier`, the same number of steps for every variant)
is trained on

    real                 the few real images
    real + flips/shifts  the same, each batch flipped and shifted at random (classic augmentation)
    real + cGAN          each batch half real, half cGAN samples (`--fake-per-class` per class)
    cGAN only            the cGAN samples alone (the "classification accuracy score" of the cGAN)
    all pool (5,000)     every pool image: what more real data would give

and its accuracy on the 5,000 test images is reported. Also measured per seed: whether the cGAN
copies its few training images (the median distance of its samples to their nearest training image,
over the same for held-out real images: below 1, its samples sit closer to the training images than
new real images do) and whether its discriminator leaks membership (AUC of D's score on the training
images against held-out ones; 0.5 = no information).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import minigan as mg  # noqa: E402
from common import write_results  # noqa: E402
from minigan.datasets import load_dataset  # noqa: E402
from minigan.gan.metrics import nearest_neighbours  # noqa: E402
from minigan.gan.uses import (accuracy, class_balanced_subset, conditional_samples, discriminator_scores,  # noqa: E402
                              halves, membership_auc, train_classifier, train_cgan)


def run_seed(seed, data, pool, test, args):
    rng = np.random.default_rng(seed)
    few = pool[class_balanced_subset(data.labels[pool], args.per_class, rng)]
    x, y = data.images[few], data.labels[few]
    x_test, y_test = data.images[test], data.labels[test]

    started = time.process_time()
    trainer = train_cgan(x, y, data.classes, args.gan_steps, seed=seed)
    gan_cpu = time.process_time() - started
    fake_y = np.repeat(np.arange(10), args.fake_per_class)
    mg.manual_seed(1000 + seed)
    fake_x = conditional_samples(trainer, fake_y)

    # does the cGAN copy its few images, and does its D remember them?
    held_out = test[:len(few)]
    sample_nn, _ = nearest_neighbours(fake_x[:len(few) * 2], x)
    real_nn, _ = nearest_neighbours(data.images[held_out], x)
    auc = membership_auc(discriminator_scores(trainer.D, x, y),
                         discriminator_scores(trainer.D, data.images[held_out], data.labels[held_out]))

    variants = {
        "real": dict(images=x, labels=y),
        "real + flips/shifts": dict(images=x, labels=y, augment=True),
        "real + cGAN": dict(images=x, labels=y, extra=(fake_x, fake_y)),
        "cGAN only": dict(images=fake_x, labels=fake_y),
        f"all pool ({len(pool)})": dict(images=data.images[pool], labels=data.labels[pool]),
    }
    rows = []
    for name, kwargs in variants.items():
        started = time.process_time()
        model = train_classifier(steps=args.classifier_steps, seed=seed, num_classes=10, **kwargs)
        rows.append({"variant": name, "seed": seed, "accuracy": round(accuracy(model, x_test, y_test), 4),
                     "cpu_s": round(time.process_time() - started, 1)})
        print(rows[-1], flush=True)
    gan_row = {"seed": seed, "gan_cpu_s": round(gan_cpu), "nn_ratio": round(float(np.median(sample_nn) / np.median(real_nn)), 3),
               "sample_nn_median": round(float(np.median(sample_nn)), 3), "held_out_nn_median": round(float(np.median(real_nn)), 3),
               "membership_auc": round(auc, 3)}
    print(gan_row, flush=True)
    return rows, gan_row


def markdown(rows, gan_rows, args, command) -> str:
    seeds = sorted({r["seed"] for r in rows})
    lines = [f"`{command}`", "",
             f"Few real images: {args.per_class} per class ({10 * args.per_class}) from a pool of 5,000 of the bundled "
             f"sample; test: the other 5,000. cGAN: default_config(\"cgan\"), {args.gan_steps} steps on the few images; "
             f"{args.fake_per_class} samples per class. Classifier: the evaluator's network, {args.classifier_steps} "
             f"Adam steps of batch 64 for every variant (real + cGAN: half of each batch real). Seeds {seeds}.", "",
             "| training data | test accuracy per seed | mean | vs real |", "|---|---|---|---|"]
    base = {r["seed"]: r["accuracy"] for r in rows if r["variant"] == "real"}
    for name in dict.fromkeys(r["variant"] for r in rows):
        mine = [r for r in rows if r["variant"] == name]
        per_seed = ", ".join(f"{100 * r['accuracy']:.1f}%" for r in mine)
        diffs = [r["accuracy"] - base[r["seed"]] for r in mine]
        mean = np.mean([r["accuracy"] for r in mine])
        vs = "—" if name == "real" else ", ".join(f"{100 * d:+.1f}" for d in diffs) + " points"
        lines.append(f"| {name} | {per_seed} | {100 * mean:.1f}% | {vs} |")
    lines += ["", "The cGAN of each seed, against its few training images:", "",
              "| seed | sample-to-train / held-out-to-train median NN distance | membership AUC of D | cGAN CPU s |",
              "|---|---|---|---|"]
    lines += [f"| {g['seed']} | {g['nn_ratio']:.2f} ({g['sample_nn_median']:.2f} / {g['held_out_nn_median']:.2f}) | "
              f"{g['membership_auc']:.2f} | {g['gan_cpu_s']} |" for g in gan_rows]
    return "\n".join(lines) + "\n"


def run_seed_in_worker(seed, args):
    """run_seed in its own process (--workers): loads the data itself."""
    data = load_dataset("sample")
    pool, test = halves(len(data))
    return run_seed(seed, data, pool, test, args)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=50, help="real training images per class")
    parser.add_argument("--fake-per-class", type=int, default=200, help="cGAN samples per class")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--gan-steps", type=int, default=2000)
    parser.add_argument("--classifier-steps", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="run seeds first-seed .. seeds-1 only (to finish a run that stopped part way)")
    parser.add_argument("--workers", type=int, default=1, help="seeds run in parallel processes (same results)")
    args = parser.parse_args(argv)
    rows, gan_rows = [], []
    with ProcessPoolExecutor(args.workers) as workers:
        for r, g in workers.map(partial(run_seed_in_worker, args=args),
                                range(args.first_seed, args.seeds)):
            rows += r
            gan_rows.append(g)
    command = (f"OPENBLAS_NUM_THREADS=1 python experiments/augmentation.py --per-class {args.per_class} "
               f"--fake-per-class {args.fake_per_class} --seeds {args.seeds} --gan-steps {args.gan_steps} "
               f"--classifier-steps {args.classifier_steps}"
               + (f" --first-seed {args.first_seed}" if args.first_seed else ""))
    write_results("augmentation", {"command": command, **vars(args), "runs": rows, "cgan": gan_rows},
                  markdown(rows, gan_rows, args, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
