"""Spectral normalisation (Miyato et al. 2018): divide a weight by its largest singular value.

A critic whose layers all have spectral norm 1 is 1-Lipschitz (for 1-Lipschitz activations), which
keeps GAN training stable. sigma(W), the largest singular value of W seen as a matrix
(shape[dim], -1), is estimated by power iteration, carrying the vectors u and v from one forward to
the next so that one iteration per step is enough::

    v = normalize(W^T u),   u = normalize(W v)        (no gradient through this)
    sigma = u . (W v)                                  (the gradient flows through W here)
    W_sn = W / sigma

The layout is PyTorch's (torch.nn.utils.spectral_norm), state-dict keys included: the parameter is
renamed ``weight_orig``, buffers ``weight_u`` (shape[dim],) and ``weight_v`` (the other dimensions
flattened) are added, and ``weight`` becomes a plain attribute recomputed before every forward
(with a power iteration only in training mode).
"""

from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor, no_grad
from minigan.backend import get_array_module
from minigan.nn.parameter import Parameter


def _normalize(vector, eps: float):
    """vector / max(||vector||, eps) on a raw array."""
    xp = get_array_module(vector)
    return vector / xp.maximum(xp.linalg.norm(vector), eps)


class SpectralNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_orig``, ``_u`` and
    ``_v``."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12):
        if n_power_iterations <= 0:
            raise ValueError(
                "spectral_norm: n_power_iterations must be positive, got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def weight_matrix(self, weight: Tensor) -> Tensor:
        """The weight as a (shape[dim], -1) matrix (differentiable: permute and reshape)."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration: bool) -> Tensor:
        """W / sigma, after updating u and v in place by power iteration when asked to."""
        weight = getattr(module, self.name + "_orig")
        u_buffer = getattr(module, self.name + "_u")
        v_buffer = getattr(module, self.name + "_v")
        matrix = self.weight_matrix(weight)
        if do_power_iteration:
            w, u, v = matrix.array, u_buffer.array, v_buffer.array
            for _ in range(self.n_power_iterations):
                v = _normalize(w.T @ u, self.eps)
                u = _normalize(w @ v, self.eps)
            u_buffer.array[...] = u
            v_buffer.array[...] = v
        u = Tensor(u_buffer.array.copy())  # constants: no gradient flows into the power iteration
        v = Tensor(v_buffer.array.copy())
        sigma = (u * (matrix @ v)).sum()
        return weight / sigma

    def remove(self, module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.array))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Apply spectral normalisation to ``module.<name>`` (see the module docstring); returns module.

    dim: the dimension of the weight that indexes the outputs: 0, except 1 for ConvTranspose2d.
    u and v start as normalised N(0, 1) draws from minigan's generator.
    """
    from minigan.nn.conv import ConvTranspose2d

    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose2d) else 0
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            raise RuntimeError("spectral_norm: cannot register two spectral_norm hooks on the "
                               f"same parameter {name!r}")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    height, width = fn.weight_matrix(weight.detach()).shape
    generator = backend.generator(weight.backend)
    u = _normalize(generator.standard_normal(height, dtype=weight.dtype), eps)
    v = _normalize(generator.standard_normal(width, dtype=weight.dtype), eps)

    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name,
            weight.detach())  # a plain attribute until the first forward recomputes it
    module.register_buffer(name + "_u", Tensor(u))
    module.register_buffer(name + "_v", Tensor(v))
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo spectral_norm: ``<name>`` becomes a Parameter again, holding the normalised weight."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of {name!r} not found in {type(module).__name__}")
