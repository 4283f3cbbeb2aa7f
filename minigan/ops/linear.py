"""Linear maps: linear (a matrix product plus a bias) and embedding (a row lookup).

Both are compositions of ops that already exist, so their gradients (first and second order) come
from those ops: linear is ``input @ weight.T + bias`` (MatMul, Add), embedding is ``weight[indices]``
(GetItem, whose backward scatter-adds, so repeated indices accumulate their gradients).

An embedding is a linear map too: ``weight[i]`` is ``one_hot(i) @ weight``, computed without building
the one-hot matrix.
"""

from __future__ import annotations

from minigan.autograd import Tensor
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor, integer_array
from minigan.ops.arithmetic import matmul
from minigan.ops.elementwise import where
from minigan.ops.shape import getitem, reshape


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias.

    input: (..., in_features), weight: (out_features, in_features), bias: (out_features,)
    -> y: (..., out_features). Extra leading dimensions are flattened into one batch dimension
    for the matrix product and restored afterwards.
    """
    input = as_tensor(input)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        last = "a 0-d input" if input.ndim == 0 else f"input with last dimension {input.shape[-1]}"
        raise ValueError(
            f"linear: weight expects {weight.shape[1]} input features (weight.shape[1]), got {last} "
            f"(input shape {input.shape})"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(
            f"linear: bias must have shape ({weight.shape[0]},) to match weight.shape[0], got {bias.shape}"
        )
    batch_shape = input.shape[:-1]
    flat = reshape(input, -1, weight.shape[1]) if input.ndim > 2 else input
    out = matmul(flat, weight.mT)
    if bias is not None:
        out = out + bias
    return reshape(out, batch_shape + (weight.shape[0],)) if input.ndim > 2 else out


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Row lookup: out[..., :] = weight[input[...], :].

    input: integer indices of any shape (an integer array or Tensor), each in [0, num_embeddings);
    weight: (num_embeddings, embedding_dim) -> out: (*input.shape, embedding_dim).
    The row padding_idx receives no gradient (its lookups are treated as constants).
    """
    indices = integer_array(input, "embedding: indices")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}")
    count = weight.shape[0]
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= count):
        bad = int(indices.min()) if int(indices.min()) < 0 else int(indices.max())
        raise IndexError(f"embedding: index {bad} is out of range for {count} embeddings (weight.shape[0])")
    xp = get_array_module(weight.array)
    indices = xp.asarray(indices)
    rows = getitem(weight, indices)
    if padding_idx is None:
        return rows
    if padding_idx < 0:
        padding_idx += count
    is_padding = (indices == padding_idx)[..., None]
    return where(is_padding, getitem(weight.detach(), indices), rows)
