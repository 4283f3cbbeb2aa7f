'''The everyday idioms of PyTorch programs, each run on PyTorch 2.13 and on minigan and compared.

Every idiom below is a few lines of ordinary PyTorch code (``torch``, ``nn``, ``F`` and ``np`` are
bound; ``x`` is a small float tensor). It runs once with ``torch`` = PyTorch and once with
``torch`` = minigan; what it leaves in ``out`` must agree: tensors by dtype, shape and values
(to float32 rounding), numbers by type and value, strings exactly (printing), an exception by its
type. The list samples what GAN programs do (pytorch/examples, the PyTorch-GAN collection, d2l,
the DCGAN tutorial, CycleGAN/pix2pix/StyleGAN ports) around the layers: reductions and their
numpy-style aliases, integer and boolean tensors, type promotion, device plumbing, creation,
Tensor methods, grad mode, old loss arguments, optimizer state, printing.

    python tests/test_pytorch_idioms.py      # prints the agreement rate and every disagreement
'''

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch") if __name__ != "__main__" else __import__("torch")

SETUP = '''
x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
ints = torch.tensor([5, -3, 0, 7])
mask = torch.tensor([True, False, True, False])
'''

# name -> code; a one-line code is an expression whose value is compared, otherwise the code
# sets `out`.
IDIOMS = {
    # -- reductions, with PyTorch's and NumPy's argument names ------------------------------------
    "sum(axis=)": "x.sum(axis=1)",
    "sum(axis=, keepdims=)": "x.sum(axis=0, keepdims=True)",
    "torch.sum(x, axis=)": "torch.sum(x, axis=0)",
    "mean(axis=)": "x.mean(axis=1)",
    "torch.mean(x, dim)": "torch.mean(x, 0)",
    "mean(dim=(0, 1))": "x.mean(dim=(0, 1))",
    "amax(axis=)": "x.amax(axis=1)",
    "argmax(axis=)": "x.argmax(axis=1)",
    "argmax(dim=, keepdim=)": "x.argmax(dim=1, keepdim=True)",
    "var(axis=)": "x.var(axis=0)",
    "var(unbiased=False)": "x.var(unbiased=False)",
    "max(axis=)": "tuple(x.max(axis=1))",
    "max(dim=).values": "x.max(dim=1).values",
    "max(dim=).indices": "x.max(dim=1).indices",
    "max(1)[0]": "x.max(1)[0]",
    "min(dim=0)": "tuple(x.min(0))",
    "max()": "x.max()",
    "torch.max(a, b)": "torch.max(x, -x)",
    "torch.min(a, b)": "torch.min(x, torch.zeros(2, 3))",
    "torch.maximum": "torch.maximum(x, torch.tensor(0.0))",
    "torch.minimum": "torch.minimum(x, torch.tensor(0.0))",
    "x.max(other)": "x.max(torch.zeros(3))",
    "torch.max(x, 1, keepdim=True)": "tuple(torch.max(x, 1, keepdim=True))",
    "torch.argmax(x, dim=1)": "torch.argmax(x, dim=1)",
    "all()/any() are tensors": "(x > 0).all()",
    "any(dim=)": "(x > 0).any(dim=1)",
    # -- comparisons and small maths ---------------------------------------------------------------
    ".eq": "x.eq(torch.ones(2, 3))",
    ".ne": "x.ne(1.0)",
    ".lt .le .gt .ge": "(x.lt(0), x.le(1), x.gt(0), x.ge(3))",
    "torch.eq": "torch.eq(x, x)",
    "accuracy: (pred == y).float().mean()": "(x.argmax(1) == torch.tensor([2, 0])).float().mean()",
    "accuracy: eq().sum().item()": "x.argmax(1).eq(torch.tensor([2, 1])).sum().item()",
    "log1p": "torch.log1p(x.abs())",
    ".log1p()": "x.abs().log1p()",
    "torch.norm": "torch.norm(x)",
    "torch.norm(dim=)": "torch.norm(x, dim=1)",
    "norm(p=1, dim=)": "x.norm(p=1, dim=1)",
    "rsqrt": "torch.rsqrt(x.abs())",
    ".rsqrt()": "x.abs().rsqrt()",
    "x.mul(2)": "x.mul(2)",
    "x.mul(y)": "x.mul(x)",
    "x.add(y, alpha=)": "x.add(x, alpha=2)",
    "x.sub/x.div": "(x.sub(1), x.div(2))",
    "torch.exp of ints": "torch.exp(torch.tensor([0, 1]))",
    "x.abs().sqrt()": "x.abs().sqrt()",
    "x.square()": "x.square()",
    "torch.sign": "torch.sign(x)",
    # -- integer and boolean tensors -----------------------------------------------------------------
    "tensor([0, 1]) is int64": "torch.tensor([0, 1])",
    "tensor([True]) is bool": "torch.tensor([True, False])",
    "tensor(3) is int64": "torch.tensor(3)",
    "tensor(3).item() is int": "torch.tensor(3).item()",
    "tensor([1, 2.5]) is float32": "torch.tensor([1, 2.5])",
    "tensor(np int32) keeps int32": "torch.tensor(np.array([1, 2], dtype=np.int32))",
    "from_numpy int64": "torch.from_numpy(np.arange(3))",
    "int // int": "ints // 2",
    "int % int": "ints % 3",
    "float // float": "x // 2",
    "float % float": "x % 2",
    "~bool": "~mask",
    "~int": "~ints",
    "bool & bool": "mask & torch.tensor([True, True, False, False])",
    "bool | bool": "mask | torch.tensor([True, True, False, False])",
    "bool ^ bool": "mask ^ torch.tensor([True, True, False, False])",
    "int & int": "ints & 6",
    "int | int": "ints | 1",
    "int / 2 is float32": "ints / 2",
    "int / int is float32": "ints / torch.tensor([2, 2, 2, 2])",
    "int * 2.5 is float32": "ints * 2.5",
    "int + 1 stays int64": "ints + 1",
    "2 * int": "2 * ints",
    "int + float tensor is float32": "ints + torch.tensor([0.5, 0.5, 0.5, 0.5])",
    "int32 + int64 is int64": "torch.tensor([1], dtype=torch.int32) + torch.tensor([1])",
    "float32 + int32 is float32": "torch.tensor([1.0]) + torch.tensor([1], dtype=torch.int32)",
    "uint8 + 1": "torch.tensor([250], dtype=torch.uint8) + 1",
    "float16 * 2.5": "torch.tensor([1.0], dtype=torch.float16) * 2.5",
    "float32 + float64 0-d is float32": "x + torch.tensor(1.0, dtype=torch.float64)",
    "int ** 2 stays int": "ints ** 2",
    "int ** 0.5 is float": "torch.tensor([4, 9]) ** 0.5",
    "int.sum() is int64": "ints.sum()",
    "bool.sum() is int64": "mask.sum()",
    "bool.float().mean()": "mask.float().mean()",
    "int.mean() raises": "ints.mean()",
    "int.float().mean()": "ints.float().mean()",
    "(x > 0).sum().item()": "(x > 0).sum().item()",
    "x[x > 0]": "x[x > 0]",
    "x[mask] = 0": "y = x.clone() if hasattr(x, 'clone') else x * 1\ny[y < 0] = 0\nout = y",
    "arange % 2 == 0": "torch.arange(6) % 2 == 0",
    "float -> long": "torch.tensor([1.7, -2.7]).long()",
    "long -> float": "ints.float()",
    "int.to(torch.float32)": "ints.to(torch.float32)",
    "int.exp() is float32": "ints.exp()",
    "int.sigmoid() is float32": "ints.sigmoid()",
    "int == 2": "ints == 5",
    "zeros(dtype=bool)": "torch.zeros(3, dtype=torch.bool)",
    "ones(dtype=long)": "torch.ones(2, dtype=torch.long)",
    "full((2,), 7) is int64": "torch.full((2,), 7)",
    "where(mask, 1, 0) is int64": "torch.where(mask, 1, 0)",
    "where(x > 0, x, 0.)": "torch.where(x > 0, x, 0.0)",
    "where(x > 0, x, zeros)": "torch.where(x > 0, x, torch.zeros_like(x))",
    "half()": "x.half()",
    "half() * 2": "x.half() * 2",
    "F.one_hot": "F.one_hot(torch.tensor([0, 2, 1]), 3)",
    "F.one_hot(num_classes=-1)": "F.one_hot(torch.tensor([0, 3]))",
    "one_hot.float()": "F.one_hot(torch.tensor([1, 0]), num_classes=2).float()",
    "labels.long() for CrossEntropy": "F.cross_entropy(x, torch.tensor([2.0, 0.0]).long())",
    "randint labels": "torch.randint(0, 10, (4,)).dtype",
    "is_floating_point": "(x.is_floating_point(), ints.is_floating_point())",
    "dtype.is_floating_point": "(x.dtype.is_floating_point, ints.dtype.is_floating_point)",
    "x.dtype == torch.float32": "(x.dtype == torch.float32, ints.dtype == torch.long, mask.dtype == torch.bool)",
    "str(dtype)": "str(torch.float32)",
    "repr(dtype)": "repr(torch.int64)",
    "print(x.dtype)": "str(ints.dtype)",
    "torch.get_default_dtype()": "str(torch.get_default_dtype())",
    # -- devices --------------------------------------------------------------------------------------
    "to(device, dtype)": "x.to('cpu', torch.float64)",
    "to(device=, dtype=)": "x.to(device='cpu', dtype=torch.float64)",
    "to(dtype=)": "ints.to(dtype=torch.float32)",
    "to(device, non_blocking=True)": "x.to(torch.device('cpu'), non_blocking=True)",
    "to(tensor)": "ints.to(x)",
    "cuda-less cpu()": "x.cpu()",
    "is_cuda / is_xpu / is_mps": "(x.is_cuda, x.is_xpu, x.is_mps)",
    "x.device": "str(x.device)",
    "x.device.type": "x.device.type",
    "module.to(device, dtype)": "m = nn.Linear(2, 2).to('cpu', torch.float64)\nout = m.weight.dtype",
    "module.to(device=, dtype=)": "m = nn.Linear(2, 2).to(device='cpu', dtype=torch.float64)\nout = m.bias.dtype",
    "module.to(device, non_blocking=)": "m = nn.Linear(2, 2)\nout = m.to(torch.device('cpu'), non_blocking=True) is m",
    "module.to(dtype=)": "m = nn.Linear(2, 2).to(dtype=torch.float64)\nout = str(m.weight.dtype)",
    "module.half()": "m = nn.Linear(2, 2).half()\nout = str(m.weight.dtype)",
    "numpy() on requires_grad raises": "torch.ones(2, requires_grad=True).numpy()",
    "detach().numpy()": "torch.ones(2, requires_grad=True).detach().numpy().tolist()",
    "cpu().detach().numpy()": "(x * 2).cpu().detach().numpy().dtype.name",
    # -- creation --------------------------------------------------------------------------------------
    "new_ones": "x.new_ones(2, 3)",
    "new_zeros((n,))": "x.new_zeros((4,))",
    "new_full": "x.new_full((2,), 3.0)",
    "new_empty shape": "x.new_empty(2, 5).shape",
    "new_tensor": "x.new_tensor([1, 2])",
    "as_tensor(list)": "torch.as_tensor([1, 2])",
    "as_tensor(np float64)": "torch.as_tensor(np.array([1.0, 2.0]))",
    "as_tensor(x) is x": "torch.as_tensor(x) is x",
    "as_tensor(dtype=)": "torch.as_tensor([1, 2], dtype=torch.float32)",
    "linspace": "torch.linspace(0, 1, 5)",
    "linspace(steps=)": "torch.linspace(-1, 1, steps=3)",
    "eye": "torch.eye(3)",
    "eye(n, m)": "torch.eye(2, 3)",
    "zeros_like(dtype=)": "torch.zeros_like(x, dtype=torch.long)",
    "full_like": "torch.full_like(x, 0.5)",
    "arange(float)": "torch.arange(0, 1, 0.25)",
    "tensor(requires_grad=)": "torch.tensor([1.0, 2.0], requires_grad=True).requires_grad",
    # -- Tensor methods ---------------------------------------------------------------------------------
    "t()": "x.t()",
    "torch.t": "torch.t(x)",
    "expand_as": "torch.tensor([[1.0], [2.0]]).expand_as(x)",
    "view_as": "torch.arange(6.0).view_as(x)",
    "reshape_as": "torch.arange(6.0).reshape_as(x)",
    "roll": "torch.roll(x, 1, 1)",
    "roll(shifts=, dims=)": "x.roll(shifts=1, dims=0)",
    "roll flat": "x.roll(2)",
    "narrow": "x.narrow(1, 0, 2)",
    "index_select": "x.index_select(1, torch.tensor([2, 0]))",
    "torch.index_select": "torch.index_select(x, 0, torch.tensor([1]))",
    "gather": "torch.gather(x, 1, torch.tensor([[0, 0], [1, 2]]))",
    "x.gather": "x.gather(0, torch.tensor([[1, 0, 1]]))",
    "scatter_ one-hot": "out = torch.zeros(2, 4).scatter_(1, torch.tensor([[1], [3]]), 1.0)",
    "scatter_ with src": "out = torch.zeros(2, 3).scatter_(1, torch.tensor([[2], [0]]), x[:, :1])",
    "scatter": "torch.zeros(2, 3).scatter(1, torch.tensor([[2], [0]]), 5.0)",
    "masked_fill": "x.masked_fill(x < 0, 0.0)",
    "masked_fill with bool tensor": "x.masked_fill(torch.tensor([True, False, True]), -1.0)",
    "einsum ij,kj->ik": "torch.einsum('ij,kj->ik', x, x)",
    "einsum bi,bi->b": "torch.einsum('bi,bi->b', x, x)",
    "einsum list form": "torch.einsum('ij->ji', [x])",
    "mm": "x.mm(x.t())",
    "bmm": "torch.ones(2, 2, 3).bmm(torch.ones(2, 3, 1))",
    "torch.mm": "torch.mm(x, x.t())",
    "where(cond) one argument": "torch.where(x > 0)",
    "nonzero": "(x > 0).nonzero()",
    "x.where(cond, y)": "x.where(x > 0, torch.tensor(0.0))",
    "numel / dim / size": "(x.numel(), x.dim(), x.size(), x.size(1), x.ndim)",
    "x.shape[0]": "x.shape[0]",
    "item of sum": "x.sum().item()",
    "tolist": "x.tolist()",
    "float(t)": "float(x[0, 0])",
    "int(t)": "int(ints[0])",
    # -- autograd --------------------------------------------------------------------------------------
    "@torch.no_grad (bare)": "@torch.no_grad\ndef f(t):\n    return t * 2\nout = f(torch.ones(2, requires_grad=True)).requires_grad",
    "@torch.no_grad()": "@torch.no_grad()\ndef f(t):\n    return t * 2\nout = f(torch.ones(2, requires_grad=True)).requires_grad",
    "set_grad_enabled(False) as a call": ("torch.set_grad_enabled(False)\ny = torch.ones(2, requires_grad=True) * 2\n"
                                          "torch.set_grad_enabled(True)\nout = (y.requires_grad, torch.is_grad_enabled())"),
    "with set_grad_enabled(False)": ("with torch.set_grad_enabled(False):\n    y = torch.ones(2, requires_grad=True) * 2\n"
                                     "out = (y.requires_grad, torch.is_grad_enabled())"),
    "@set_grad_enabled(False)": ("@torch.set_grad_enabled(False)\ndef f(t):\n    return t * 2\n"
                                 "out = (f(torch.ones(2, requires_grad=True)).requires_grad, torch.is_grad_enabled())"),
    "@torch.enable_grad (bare)": ("@torch.enable_grad\ndef f(t):\n    return t * 2\nwith torch.no_grad():\n"
                                  "    out = f(torch.ones(2, requires_grad=True)).requires_grad"),
    "with inference_mode()": "with torch.inference_mode():\n    out = (torch.ones(2, requires_grad=True) * 2).requires_grad",
    "grad of x**2": "w = torch.tensor([1.0, 3.0], requires_grad=True)\n(w ** 2).sum().backward()\nout = w.grad",
    "torch.autograd.grad": "w = torch.tensor([2.0], requires_grad=True)\nout = torch.autograd.grad((w ** 3).sum(), w)[0]",
    "detach().requires_grad": "torch.ones(2, requires_grad=True).detach().requires_grad",
    # -- nn and optim ------------------------------------------------------------------------------------
    "reduction='elementwise_mean'": "nn.MSELoss(reduction='elementwise_mean')(x, torch.zeros(2, 3))",
    "MSELoss(size_average=False)": "nn.MSELoss(size_average=False)(x, torch.zeros(2, 3))",
    "BCELoss(size_average=True)": "nn.BCELoss(size_average=True)(torch.full((2,), 0.5), torch.ones(2))",
    "L1Loss(reduce=False)": "nn.L1Loss(reduce=False)(x, torch.zeros(2, 3))",
    "F.mse_loss(size_average=False)": "F.mse_loss(x, torch.zeros(2, 3), size_average=False)",
    "F.binary_cross_entropy(reduction='elementwise_mean')": "F.binary_cross_entropy(torch.full((2,), 0.25), torch.ones(2), reduction='elementwise_mean')",
    "ModuleDict": ("d = nn.ModuleDict({'enc': nn.Linear(2, 3), 'dec': nn.Linear(3, 2)})\n"
                   "out = (len(d), list(d.keys()), list(d.state_dict().keys()), 'enc' in d, type(d['dec']).__name__)"),
    "ModuleDict update/items": ("d = nn.ModuleDict()\nd['a'] = nn.ReLU()\nd.update({'b': nn.Tanh()})\n"
                                "out = [(k, type(v).__name__) for k, v in d.items()]"),
    "init.orthogonal_": "w = torch.empty(3, 5)\nnn.init.orthogonal_(w)\nout = torch.allclose(w @ w.t(), torch.eye(3), atol=1e-5)",
    "init.orthogonal_(gain=)": "w = torch.empty(4, 2)\nnn.init.orthogonal_(w, gain=2.0)\nout = torch.allclose(w.t() @ w, 4 * torch.eye(2), atol=1e-5)",
    "clip_grad_value_": ("w = torch.tensor([1.0, -1.0], requires_grad=True)\n(w * torch.tensor([5.0, -0.05])).sum().backward()\n"
                         "nn.utils.clip_grad_value_([w], 0.1)\nout = w.grad"),
    "parameters_to_vector": "m = nn.Linear(3, 2)\nout = nn.utils.parameters_to_vector(m.parameters()).shape",
    "vector_to_parameters": ("m = nn.Linear(2, 1)\nnn.utils.vector_to_parameters(torch.arange(3.0), m.parameters())\n"
                             "out = (m.weight.detach(), m.bias.detach())"),
    "nn.ELU": "nn.ELU()(x)",
    "F.elu(alpha=)": "F.elu(x, alpha=0.5)",
    "F.normalize": "F.normalize(x)",
    "F.normalize(dim=0, p=1)": "F.normalize(x, p=1, dim=0)",
    "F.conv2d(groups=2)": "F.conv2d(torch.ones(1, 4, 3, 3), torch.ones(6, 2, 2, 2), groups=2)",
    "Conv2d(groups=2)": "m = nn.Conv2d(4, 6, 3, groups=2)\nout = (m.weight.shape, m(torch.zeros(1, 4, 5, 5)).shape)",
    "F.relu(inplace=True)": "F.relu(x * 1, inplace=True)",
    "F.leaky_relu(inplace=True)": "F.leaky_relu(x * 1, 0.2, inplace=True)",
    "F.relu6 / hardtanh": "F.hardtanh(x)",
    "Adam state is tensors": ("m = nn.Linear(2, 1)\nopt = torch.optim.Adam(m.parameters())\nm(torch.ones(1, 2)).sum().backward()\n"
                              "opt.step()\ns = opt.state_dict()['state'][0]\n"
                              "out = (type(s['exp_avg']).__name__, s['exp_avg'].shape, s['step'])"),
    "SGD momentum state is a tensor": ("m = nn.Linear(2, 1)\nopt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)\n"
                                       "m(torch.ones(1, 2)).sum().backward()\nopt.step()\n"
                                       "out = opt.state_dict()['state'][1]['momentum_buffer']"),
    "Adam state_dict param_groups keys": ("opt = torch.optim.Adam(nn.Linear(2, 1).parameters(), lr=0.01)\n"
                                          "out = sorted(opt.state_dict()['param_groups'][0])"),
    "optimizer.param_groups lr": "opt = torch.optim.Adam(nn.Linear(2, 1).parameters(), lr=0.01)\nout = opt.param_groups[0]['lr']",
    "load_state_dict: all keys matched": "m = nn.Linear(2, 2)\nout = repr(m.load_state_dict(m.state_dict()))",
    "load_state_dict(strict=False) repr": "m = nn.Linear(2, 2)\nout = repr(m.load_state_dict({'weight': torch.zeros(2, 2)}, strict=False))",
    "load_state_dict result fields": "m = nn.Linear(2, 2)\nr = m.load_state_dict({'weight': torch.zeros(2, 2)}, strict=False)\nout = (r.missing_keys, r.unexpected_keys)",
    "manual_seed returns a generator": "out = torch.manual_seed(3).initial_seed()",
    "Generator().manual_seed": "out = torch.Generator().manual_seed(5).initial_seed()",
    "parameters count": "out = sum(p.numel() for p in nn.Linear(3, 2).parameters())",
    "requires_grad count": "out = sum(p.numel() for p in nn.Linear(3, 2).parameters() if p.requires_grad)",
    # -- what GAN programs do all the time (these already agreed before issue 27) -----------------------
    "cat((a, b), 1)": "torch.cat((x, x * 2), 1)",
    "view(-1) / view(size(0), -1)": "(x.view(-1), x.view(x.size(0), -1))",
    "unsqueeze / squeeze": "(x.unsqueeze(1).shape, x.unsqueeze(0).squeeze().shape)",
    "permute(0, 2, 3, 1)": "torch.zeros(2, 3, 4, 5).permute(0, 2, 3, 1).shape",
    "stack": "torch.stack([x, x], dim=0).shape",
    "full((b,), 1.0)": "torch.full((4,), 1.0)",
    "ones_like / zeros_like": "(torch.ones_like(x), torch.zeros_like(x))",
    "clamp(0, 1)": "x.clamp(0, 1)",
    "torch.clamp(min=)": "torch.clamp(x, min=0.0)",
    "sigmoid / tanh": "(torch.sigmoid(x), torch.tanh(x))",
    "log(x + eps)": "torch.log(x.abs() + 1e-8)",
    "mean(abs(a - b))": "torch.mean(torch.abs(x - 1))",
    "mean().item()": "x.mean().item()",
    "softmax(dim=1)": "F.softmax(x, dim=1)",
    "log_softmax": "torch.log_softmax(x, dim=1)",
    "gradient penalty": ("alpha = torch.full((2, 1), 0.5)\nreal, fake = x, -x\n"
                         "mix = (alpha * real + (1 - alpha) * fake).requires_grad_(True)\nout = (mix ** 2).sum(1, keepdim=True)\n"
                         "g = torch.autograd.grad(out, mix, grad_outputs=torch.ones_like(out), create_graph=True, retain_graph=True, only_inputs=True)[0]\n"
                         "out = ((g.view(g.size(0), -1).norm(2, dim=1) - 1) ** 2).mean()"),
    "weights_init with classname.find": ("def weights_init(m):\n    if m.__class__.__name__.find('BatchNorm') != -1:\n"
                                         "        nn.init.constant_(m.weight.data, 1.0)\n        nn.init.constant_(m.bias.data, 0)\n"
                                         "net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))\nnet.apply(weights_init)\nout = (net[1].weight.detach(), net[1].bias.detach())"),
    "weight.data.fill_ / normal_": "w = nn.Linear(2, 2)\nw.weight.data.fill_(0.5)\nw.bias.data.zero_()\nout = w(torch.ones(1, 2))",
    "clip weights p.data.clamp_": "m = nn.Linear(2, 2)\nfor p in m.parameters():\n    p.data.clamp_(-0.01, 0.01)\nout = max(p.abs().max().item() for p in m.parameters()) <= 0.01",
    "freeze with requires_grad = False": "m = nn.Linear(2, 1)\nfor p in m.parameters():\n    p.requires_grad = False\nout = m(torch.ones(1, 2)).requires_grad",
    "param_groups lr update": "opt = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)\nfor g in opt.param_groups:\n    g['lr'] = 0.05\nout = opt.param_groups[0]['lr']",
    "print(model)": "str(nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2, inplace=True), nn.Linear(3, 1), nn.Sigmoid()))",
    "img.mul(0.5).add(0.5)": "x.mul(0.5).add(0.5)",
    "add_(1).div_(2)": "y = x * 1\ny.add_(1).div_(2)\nout = y",
    "cpu().numpy().transpose": "torch.zeros(3, 4, 5).cpu().numpy().transpose(1, 2, 0).shape",
    "BCELoss with float labels": "nn.BCELoss()(torch.full((3,), 0.25), torch.ones(3))",
    "CrossEntropyLoss with long labels": "nn.CrossEntropyLoss()(x, torch.tensor([2, 0]))",
    "from_numpy(randint) labels": "torch.from_numpy(np.array([1, 0, 3])).long()",
    "LongTensor(list)": "torch.LongTensor([1, 2])",
    "cuda.is_available()": "torch.cuda.is_available()",
    "backends.mps.is_available()": "torch.backends.mps.is_available()",
    "torch.no_grad() block": "with torch.no_grad():\n    out = (torch.ones(2, requires_grad=True) * 2).requires_grad",
    "detach().cpu()": "(torch.ones(2, requires_grad=True) * 2).detach().cpu()",
    "x.data.requires_grad": "torch.ones(2, requires_grad=True).data.requires_grad",
    "is_leaf / grad_fn is None": "w = torch.ones(2, requires_grad=True)\nout = (w.is_leaf, (w * 2).is_leaf, w.grad_fn is None)",
    "zero_grad sets None": "m = nn.Linear(2, 1)\nm(torch.ones(1, 2)).sum().backward()\nm.zero_grad()\nout = m.weight.grad is None",
    # -- printing --------------------------------------------------------------------------------------
    "repr tensor([1.0100])": "repr(torch.tensor([1.01]))",
    "repr int tensor": "repr(torch.tensor([1, 2]))",
    "repr bool tensor": "repr(torch.tensor([True, False]))",
    "repr 0-d": "repr(torch.tensor(3.5))",
    "repr 0-d int": "repr(torch.tensor(7))",
    "repr float64": "repr(torch.tensor([1.0, 2.0], dtype=torch.float64))",
    "repr int32": "repr(torch.tensor([1, 2], dtype=torch.int32))",
    "repr float16": "repr(torch.tensor([1.5], dtype=torch.float16))",
    "repr whole floats": "repr(torch.tensor([1.0, -2.0, 30.0]))",
    "repr sci mode small": "repr(torch.tensor([1e-5, 1.0]))",
    "repr sci mode large": "repr(torch.tensor([1e10, 1.0]))",
    "repr wide range": "repr(torch.tensor([0.1, 100.0]))",
    "repr negative": "repr(torch.tensor([-0.5, 2.25]))",
    "repr nan/inf": "repr(torch.tensor([float('nan'), float('inf'), 1.5]))",
    "repr matrix": "repr(x)",
    "repr 3-d": "repr(torch.zeros(2, 2, 3))",
    "repr summarised": "repr(torch.arange(2000.0))",
    "repr summarised int": "repr(torch.arange(3000).reshape(30, 100))",
    "repr long row wraps": "repr(torch.arange(40.0) / 3)",
    "repr empty": "repr(torch.tensor([]))",
    "repr empty 2-d": "repr(torch.zeros(3, 0))",
    "repr requires_grad": "repr(torch.tensor([1.0, 2.0], requires_grad=True))",
    "repr grad_fn": "repr(torch.tensor([1.0, 2.0], requires_grad=True) * 2)",
    "repr grad_fn sum": "repr(torch.tensor([1.0, 2.0], requires_grad=True).sum())",
    "str tensor": "str(torch.tensor([0.25, 0.5]))",
    "repr Parameter": "repr(nn.Parameter(torch.ones(2)))",
    "torch.Size repr": "repr(torch.zeros(2, 3).shape)",
    "torch.Size str": "str(x.size())",
    "torch.Size is a tuple": "(x.shape == (2, 3), isinstance(x.shape, tuple), x.shape[1:], list(x.shape))",
    "torch.Size numel": "x.shape.numel()",
    "f'{t:.3f}' on a 0-d tensor": "f'{torch.tensor(3.14159):.3f}'",
    "f'{loss.item():.4f}'": "f'{(x * x).mean().item():.4f}'",
    "print(loss) grad_fn MeanBackward0": "repr((torch.ones(2, requires_grad=True) * 3).mean())",
    "set_printoptions(precision=2)": ("torch.set_printoptions(precision=2)\nout = repr(torch.tensor([1.12345]))\n"
                                      "torch.set_printoptions(profile='default')"),
}


def run_idiom(lib, code: str):
    """Run one idiom with `torch` bound to `lib`; its result, or the exception it raised."""
    if lib == "torch":
        import torch as library
        import torch.nn as nn
        import torch.nn.functional as F
    else:
        import minigan as library
        import minigan.nn as nn
        import minigan.nn.functional as F
    namespace = {"torch": library, "nn": nn, "F": F, "np": np}
    library.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(SETUP, namespace)
            if "\n" not in code:
                code = f"out = {code}"
            exec(code, namespace)
            return namespace["out"]
        except Exception as err:  # the exception's type is the result to compare
            return err


def normalise(value):
    """A plain, comparable form of an idiom's result, the same for both libraries."""
    if isinstance(value, Exception):
        return ("raises", type(value).__name__)
    if hasattr(value, "detach") and hasattr(value, "shape") and hasattr(value, "dtype"):  # a tensor
        array = value.detach().cpu().numpy()
        dtype = str(value.dtype).replace("torch.", "")
        return ("tensor", dtype, tuple(array.shape), array.astype(np.float64).round(4).tolist()
                if array.dtype.kind == "f" else array.tolist())
    if hasattr(value, "is_floating_point") and hasattr(value, "itemsize"):  # a dtype
        return ("dtype", str(value))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.name, value.tolist())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__ if type(value) in (tuple, list) else "tuple",
                [normalise(v) for v in value])
    if isinstance(value, float):
        return ("float", round(value, 4))
    return (type(value).__name__, value)


def agreement() -> dict:
    """name -> (torch's result, minigan's result), normalised, for every idiom."""
    return {name: (normalise(run_idiom("torch", code)), normalise(run_idiom("minigan", code)))
            for name, code in IDIOMS.items()}


@pytest.mark.parametrize("name", list(IDIOMS))
def test_idiom_agrees_with_pytorch(name):
    expected = normalise(run_idiom("torch", IDIOMS[name]))
    assert expected[0] != "raises" or name.endswith("raises"), f"the idiom fails in PyTorch: {expected}"
    assert normalise(run_idiom("minigan", IDIOMS[name])) == expected


if __name__ == "__main__":
    results = agreement()
    agree = [name for name, (t, m) in results.items() if t == m]
    for name, (t, m) in results.items():
        if t != m:
            print(f"DIFFERS  {name}\n   torch:   {str(t)[:300]}\n   minigan: {str(m)[:300]}")
    print(f"{len(agree)} of {len(results)} idioms agree with PyTorch ({100 * len(agree) / len(results):.0f} %)")
