"""Lesson 2: modules, layers, losses and optimizers — and the proof that they are PyTorch's."""

CELLS = [
    ("md", r"""
# Lesson 2 — Layers, losses and optimizers

Lesson 1 built gradients. A neural network is a stack of **layers** holding **parameters**; a
**loss** measures how wrong it is; an **optimizer** turns gradients into parameter updates. minigan
names all of them the way PyTorch does, so this lesson doubles as a PyTorch lesson:

1. `nn.Module`, `nn.Linear` and the parameters they register;
2. training a small classifier with `F.cross_entropy` and `optim.Adam`;
3. the same network in PyTorch, given minigan's weights: same outputs, same gradients;
4. saving and loading with `mg.save` / `mg.load`.
"""),
    ("code", r"""
import os
import numpy as np
import minigan as mg
from minigan import nn, optim, functional as F

FAST = os.environ.get("MINIGAN_FAST") == "1"   # the test suite runs lessons in fast mode
mg.manual_seed(0)
"""),
    ("md", r"""
## 1. A module holds parameters

`nn.Linear(in_features, out_features)` computes $y = x W^\top + b$ with $W$ of shape
`(out_features, in_features)` — PyTorch's layout. Assigning a layer as an attribute of a `Module`
registers it, so `parameters()` finds every weight, and `state_dict()` names them.
"""),
    ("code", r"""
class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 16)
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        return self.out(F.relu(self.hidden(x)))

net = TinyNet()
print(net)
for name, p in net.named_parameters():
    print(f"{name:15s} {p.shape}")
"""),
    ("md", r"""
## 2. Training: loss, backward, step

A toy problem: three clouds of 2-D points, one per class. The loop is the one every PyTorch user
writes — `zero_grad`, forward, loss, `backward`, `step`.
"""),
    ("code", r"""
rng = np.random.default_rng(0)
centers = np.array([[0.0, 2.0], [-1.7, -1.0], [1.7, -1.0]])
labels = rng.integers(0, 3, 600)
points = (centers[labels] + 0.6 * rng.standard_normal((600, 2))).astype(np.float32)

x, y = mg.tensor(points), mg.Tensor(labels)      # integer labels stay integers
optimizer = optim.Adam(net.parameters(), lr=0.01)
for step in range(100 if FAST else 300):
    optimizer.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    optimizer.step()
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.4f}")

accuracy = (net(x).argmax(dim=1) == y).numpy().mean()
print(f"training accuracy: {accuracy:.1%}")
assert accuracy > 0.8
"""),
    ("md", r"""
## 3. The same numbers as PyTorch

Because minigan uses PyTorch's state-dict keys and array layouts, a model's weights move to
PyTorch with `{k: torch.from_numpy(v.numpy())}`. Then the two libraries compute the same outputs and
the same gradients, to float32 precision. (Skipped when PyTorch is not installed.)
"""),
    ("code", r"""
try:
    import torch
except ImportError:
    torch = None

if torch is not None:
    class TorchTinyNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = torch.nn.Linear(2, 16)
            self.out = torch.nn.Linear(16, 3)

        def forward(self, x):
            return self.out(torch.relu(self.hidden(x)))

    tnet = TorchTinyNet()
    tnet.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in net.state_dict().items()})

    net.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    tloss = torch.nn.functional.cross_entropy(tnet(torch.from_numpy(points)), torch.from_numpy(labels))
    tloss.backward()
    print("loss:", loss.item(), tloss.item())
    for (name, p), tp in zip(net.named_parameters(), tnet.parameters()):
        print(f"{name:15s} largest gradient difference {np.abs(p.grad.numpy() - tp.grad.numpy()).max():.1e}")
"""),
    ("md", r"""
## 4. Saving and loading

`mg.save` writes nested dicts of arrays, numbers and strings into one `.npz` file — never with
pickle, so loading a file from someone else cannot run their code — and writes it atomically, so a
crash in the middle never leaves a broken checkpoint.
"""),
    ("code", r"""
import tempfile, pathlib

path = pathlib.Path(tempfile.mkdtemp()) / "tinynet.npz"
mg.save({"model": net.state_dict(), "optimizer": optimizer.state_dict(), "note": "lesson 2"}, path)
checkpoint = mg.load(path)

fresh = TinyNet()
fresh.load_state_dict(checkpoint["model"])
print(checkpoint["note"], "-> identical outputs:",
      np.array_equal(fresh(x).numpy(), net(x).numpy()))

try:
    fresh.load_state_dict({"hidden.weight": np.zeros((4, 4), np.float32)})
except (KeyError, RuntimeError, ValueError) as err:
    print(type(err).__name__, err)
"""),
    ("md", r"""
## Exercises

1. Replace `optim.Adam` by `optim.SGD(net.parameters(), lr=0.1, momentum=0.9)`. How many steps does it
   need to reach the same accuracy?
2. Add `nn.Dropout(0.5)` after the ReLU. Why does the training accuracy printed in train mode differ
   from the one in `net.eval()` mode?
3. Read `minigan/optim.py`: find Adam's bias correction. What happens in the first steps without it?

Next lesson: two networks, one game — the GAN.
"""),
]
