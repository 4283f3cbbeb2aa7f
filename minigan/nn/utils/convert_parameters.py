"""All parameters as one vector and back (torch.nn.utils.parameters_to_vector and its inverse)."""

from __future__ import annotations

from minigan.autograd import Tensor, no_grad
from minigan.ops.shape import cat, reshape


def parameters_to_vector(parameters) -> Tensor:
    """The parameters, each flattened, joined into one 1-D tensor (differentiable, a copy)."""
    return cat([reshape(p, -1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the 1-D `vec` into the parameters, in place, in order."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"expected vec to be a 1-D Tensor, got {type(vec).__name__}"
                        + (f" of shape {tuple(vec.shape)}" if isinstance(vec, Tensor) else ""))
    start = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            if start + n > vec.shape[0]:
                raise ValueError(f"vector_to_parameters: vec has {vec.shape[0]} elements, fewer "
                                 "than the parameters hold")
            p.copy_(vec[start:start + n].reshape(p.shape))
            start += n
