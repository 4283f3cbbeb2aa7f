"""DCGAN on Fashion-MNIST: the training loop of lessons 5 and 10, written against minigan's API and
ready for PyTorch's distributed training.

With minigan, on one process (this file as it is):

    python examples/ddp_dcgan.py --steps 200 --out runs/ddp-start

With PyTorch, on two processes of one machine (DistributedDataParallel, gloo backend, CPU): change
the one import line marked below to `import torch`, and start it with torchrun:

    sed 's/^import minigan as torch.*/import torch/' examples/ddp_dcgan.py > ddp_dcgan_torch.py
    torchrun --standalone --nproc_per_node 2 ddp_dcgan_torch.py \
        --init runs/ddp-start --steps 200 --out runs/ddp

Back in minigan, the same program loads PyTorch's weights (--steps 0 trains nothing) and writes
samples for the course's evaluation:

    python examples/ddp_dcgan.py --init runs/ddp --steps 0 --out runs/ddp-back
    python -m minigan evaluate --samples runs/ddp-back/samples.npy --dataset sample

Weights travel as .safetensors files of the state dicts (PyTorch's keys and layouts, which are
minigan's): G.safetensors and D.safetensors, with config.json for the architecture. Everything
random (data order, noise) comes from NumPy, seeded per process, so a run does not depend on the
library.

Under torchrun each process trains on its own shard of the data with its own noise; DDP averages
the gradients across processes in backward(), so every process takes the same optimizer step and
the weights stay identical (checked at the end). Nothing else in the loop changes.
"""

import argparse
import datetime
import gzip
import json
import os
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

import minigan as torch  # on PyTorch: import torch   (the only line that changes)

nn, optim = torch.nn, torch.optim

DEFAULT_DATA = "data/fashion-mnist-sample/t10k-images-idx3-ubyte.gz"


# ----------------------------------------------------------------------------- the models
# The layout of minigan's gan.DCGANGenerator28 / DCGANDiscriminator28 (lesson 10), layer for layer,
# so the state dicts have the same keys and the weights load into the course's models.


class Generator(nn.Module):
    """z: (N, latent_dim) -> images (N, 1, 28, 28) in [-1, 1]."""

    def __init__(self, latent_dim=100, width=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 2 * width * 7 * 7, bias=False),
            nn.Unflatten(1, (2 * width, 7, 7)),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    """x: (N, 1, 28, 28) -> logits (N, 1)."""

    def __init__(self, width=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, 1),
        )

    def forward(self, x):
        return self.net(x)


def weights_init(m):
    """DCGAN's initialisation: weights from N(0, 0.02), BatchNorm's scale from N(1, 0.02)."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


# ----------------------------------------------------------------------------- files


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def read_images(path):
    """The images of an IDX file (gzip or raw) as float32 (N, 1, 28, 28) in [-1, 1]."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except OSError as err:
        fail(f"--data {path}: cannot read it ({err})")
    if len(raw) < 16 or raw[:4] != b"\x00\x00\x08\x03":
        fail(f"--data {path}: not an IDX file of 28x28 images (it starts with {raw[:4]!r})")
    n, rows, cols = (int.from_bytes(raw[4 * i : 4 * i + 4], "big") for i in (1, 2, 3))
    if (rows, cols) != (28, 28) or len(raw) != 16 + n * rows * cols:
        fail(
            f"--data {path}: expected {n} images of 28x28 in {16 + n * 784} bytes, "
            f"got {rows}x{cols} in {len(raw)} bytes"
        )
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, 28, 28)
    return images.astype(np.float32) / 127.5 - 1.0


def load_weights(model, path):
    """A state dict from a .safetensors file into `model` (keys and shapes must match)."""
    if not path.is_file():
        fail(f"--init: {path} not found")
    model.load_state_dict({k: torch.from_numpy(v) for k, v in load_file(str(path)).items()})


def save_weights(model, path):
    arrays = {
        k: np.array(v.detach().cpu().numpy(), order="C") for k, v in model.state_dict().items()
    }
    save_file(arrays, str(path))


# ----------------------------------------------------------------------------- distributed


def start_processes():
    """(rank, world size): under torchrun (WORLD_SIZE set), join the gloo process group."""
    if "WORLD_SIZE" not in os.environ:
        return 0, 1
    if not hasattr(torch, "distributed"):
        fail(
            "started by torchrun, but minigan trains on one process: change the import line to "
            "`import torch` to train on several"
        )
    torch.distributed.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
    return torch.distributed.get_rank(), torch.distributed.get_world_size()


def same_on_every_process(model):
    """True when every process holds exactly the same state dict (parameters and buffers)."""
    flat = torch.cat([v.detach().reshape(-1).double() for v in model.state_dict().values()])
    gathered = [torch.zeros_like(flat) for _ in range(torch.distributed.get_world_size())]
    torch.distributed.all_gather(gathered, flat)
    return all(torch.equal(g, gathered[0]) for g in gathered)


# ----------------------------------------------------------------------------- training


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--steps", type=int, default=200, help="training steps (0: load, sample, save)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=64, help="images per step on each process"
    )
    parser.add_argument("--width", type=int, default=64, help="channels of the first conv layer")
    parser.add_argument("--latent-dim", type=int, default=100)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from G.safetensors, D.safetensors and config.json in this folder",
    )
    parser.add_argument(
        "--data", type=Path, default=None, help=f"IDX images (default: {DEFAULT_DATA})"
    )
    parser.add_argument("--samples", type=int, default=500, help="samples written to samples.npy")
    parser.add_argument(
        "--save-every-process",
        action="store_true",
        help="each process also writes its own weights (G.rank1.safetensors, ...)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args(argv)
    if (
        args.steps < 0
        or args.batch_size < 1
        or args.width < 1
        or args.latent_dim < 1
        or args.samples < 0
    ):
        fail("--steps and --samples must be >= 0; --batch-size, --width and --latent-dim >= 1")
    if args.init is not None:  # the architecture travels with the weights
        config_file = args.init / "config.json"
        if not config_file.is_file():
            fail(f"--init {args.init}: no config.json there (a folder written by this program)")
        config = json.loads(config_file.read_text())
        args.width, args.latent_dim = config["width"], config["latent_dim"]
    data_file = args.data or Path(DEFAULT_DATA)
    if args.data is None and not data_file.exists():  # run from outside the repository
        data_file = Path(__file__).resolve().parents[1] / DEFAULT_DATA

    rank, world = start_processes()
    rng = np.random.default_rng([args.seed, rank])  # this process's data order and noise
    torch.manual_seed(args.seed)

    G, D = Generator(args.latent_dim, args.width), Discriminator(args.width)
    if args.init is not None:
        load_weights(G, args.init / "G.safetensors")
        load_weights(D, args.init / "D.safetensors")
    else:
        G.apply(weights_init)
        D.apply(weights_init)
    G_train, D_train = G, D
    if world > 1:
        # DDP copies rank 0's weights to every process, then averages gradients in backward().
        G_train = nn.parallel.DistributedDataParallel(G)
        D_train = nn.parallel.DistributedDataParallel(D)
    opt_g = optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    loss_fn = nn.BCEWithLogitsLoss()

    images = read_images(data_file)[rank::world] if args.steps else None  # this process's shard
    ones, zeros = torch.ones(args.batch_size, 1), torch.zeros(args.batch_size, 1)
    history = []
    for step in range(args.steps):
        real = torch.from_numpy(images[rng.integers(0, len(images), args.batch_size)])
        z = torch.from_numpy(
            rng.standard_normal((args.batch_size, args.latent_dim), dtype=np.float32)
        )

        # D step (lesson 5): fakes made without a graph through G; D's loss on real (1), fake (0).
        with torch.no_grad():
            fake = G_train(z)
        opt_d.zero_grad()
        d_loss = loss_fn(D_train(real), ones) + loss_fn(D_train(fake), zeros)
        d_loss.backward()  # under DDP: D's gradients averaged over the processes here
        opt_d.step()

        # G step: D frozen. D only scores here, so it runs as the bare module (nothing to share).
        D.requires_grad_(False)
        try:
            opt_g.zero_grad()
            g_loss = loss_fn(D(G_train(z)), ones)
            g_loss.backward()  # under DDP: G's gradients averaged over the processes here
            opt_g.step()
        finally:
            D.requires_grad_(True)
        history.append({"step": step + 1, "d_loss": d_loss.item(), "g_loss": g_loss.item()})

    if world > 1:
        # DDP sends rank 0's BatchNorm statistics to the others at the start of each forward; the
        # last forward's update is sent here, so every process ends with the same buffers.
        for buffer in list(G.buffers()) + list(D.buffers()):
            torch.distributed.broadcast(buffer, 0)
        if not (same_on_every_process(G) and same_on_every_process(D)):
            print(f"error: the {world} processes ended with different weights", file=sys.stderr)
            sys.exit(1)

    G.eval()  # samples from the fixed noise of --seed, with BatchNorm's running statistics
    noise = np.random.default_rng(args.seed).standard_normal(
        (args.samples, args.latent_dim), dtype=np.float32
    )
    with torch.no_grad():
        samples = (
            G(torch.from_numpy(noise)).numpy()
            if args.samples
            else np.zeros((0, 1, 28, 28), np.float32)
        )
    args.out.mkdir(parents=True, exist_ok=True)
    if args.save_every_process:
        save_weights(G, args.out / f"G.rank{rank}.safetensors")
        save_weights(D, args.out / f"D.rank{rank}.safetensors")
    if rank == 0:
        save_weights(G, args.out / "G.safetensors")
        save_weights(D, args.out / "D.safetensors")
        np.save(args.out / "samples.npy", samples)
        (args.out / "config.json").write_text(
            json.dumps(
                {
                    "width": args.width,
                    "latent_dim": args.latent_dim,
                    "library": torch.__name__,
                    "processes": world,
                    "steps": args.steps,
                },
                indent=1,
            )
        )
        (args.out / "history.json").write_text(json.dumps(history, indent=1))
        print(f"{torch.__name__}, {world} process(es): {args.steps} steps -> {args.out}")
    if world > 1:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
