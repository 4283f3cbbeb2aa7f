"""What each GAN loss reaches on the ring of 8 Gaussians with its default settings (VEEGAN metrics).

    python experiments/ring_losses.py [--seeds 3]   # writes benchmarks/results/ring_losses.{json,md}

For every loss: `default_config("mlp", "ring", loss=...)`, trained for its default number of steps,
then 2,500 samples scored with gan.mode_metrics (modes covered; share of samples within 3 standard
deviations of a mode). A quality measurement, not a test: GAN training varies from seed to seed.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # minigan
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))  # common: results/

from common import write_results  # noqa: E402
from minigan import gan  # noqa: E402
from minigan.gan.recipes import build, default_config  # noqa: E402


def train_and_score(loss: str, seed: int) -> dict:
    config = default_config("mlp", "ring", loss=loss, seed=seed, sample_every=0, checkpoint_every=0)
    run = build(config)
    trainer = gan.Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
    started = time.perf_counter()
    trainer.fit(progress=False)
    metrics = gan.mode_metrics(trainer.sample_many(2500), run.dataset.mixture.centers, run.dataset.mixture.std)
    return {"loss": loss, "seed": seed, "steps": config.steps, "n_critic": config.n_critic,
            "seconds": time.perf_counter() - started, "modes_covered": metrics["modes_covered"],
            "high_quality": metrics["high_quality"], "kl_to_uniform": metrics["kl_to_uniform"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for loss in gan.LOSSES:
        for seed in range(args.seeds):
            rows.append(train_and_score(loss, seed))
            print(rows[-1], flush=True)
    lines = ["| loss | steps (D steps each) | modes covered (of 8), per seed | high-quality samples, per seed | seconds per run |",
             "|---|---|---|---|---|"]
    for loss in gan.LOSSES:
        mine = [r for r in rows if r["loss"] == loss]
        modes = ", ".join(str(r["modes_covered"]) for r in mine)
        quality = ", ".join(f"{100 * r['high_quality']:.0f}%" for r in mine)
        seconds = sum(r["seconds"] for r in mine) / len(mine)
        lines.append(f"| {loss} | {mine[0]['steps']} ({mine[0]['n_critic']}) | {modes} | {quality} | {seconds:.0f} |")
    write_results("ring_losses", {"runs": rows}, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
