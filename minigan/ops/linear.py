"""Linear maps: linear (a matrix product plus a bias) and embedding (a row lookup).

linear is one Function, ``LinearFunction``: ``input @ weight.T + bias`` with its three gradients
side by side (a composition of MatMul, a transpose and Add computes the same, with three graph nodes
in forward and six op calls in backward). embedding is a composition:
``weight[indices]`` (GetItem, whose backward scatter-adds, so repeated indices accumulate their
gradients).

An embedding is a linear map too: ``weight[i]`` is ``one_hot(i) @ weight``, computed without
building the one-hot matrix.
"""

from __future__ import annotations

from minigan.autograd import Function, Tensor, backward_on_arrays
from minigan.backend import get_array_module
from minigan.ops._operands import as_tensor, integer_array
from minigan.ops.arithmetic import matmul_arrays
from minigan.ops.elementwise import where
from minigan.ops.shape import getitem, reshape


class LinearFunction(Function):
    """y = x @ weight.T + bias; x: (N, in), weight: (out, in), bias: (out,) or None -> y: (N, out).

    Backward, with g = dL/dy of shape (N, out):
        dx = g @ weight          (N, in)
        dweight = g.T @ x        (out, in)
        dbias = sum of g over N  (out,)
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        need_x, need_weight, _ = ctx.needs_input_grad  # save only what the other gradients need
        ctx.save_for_backward(x if need_weight else None, weight if need_x else None)
        y = matmul_arrays(x, weight.T)
        return y if bias is None else y + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        return (grad @ weight if need_x else None, grad.mT @ x if need_weight else None,
                grad.sum(0) if need_bias else None)

    # speed: the same three lines on raw arrays, without an op call or a graph node each (so not
    # when the backward is recorded: minigan/autograd.py, backward_on_arrays). With LinearFunction
    # itself (one node instead of Permute + MatMul + Add), the MLP-GAN training step 1.2x faster
    # (benchmarks/NOTES.md, "linear as one Function").
    @backward_on_arrays
    def fast_backward(ctx, grad):
        x, weight = ctx.saved_arrays
        need_x, need_weight, need_bias = ctx.needs_input_grad
        return (matmul_arrays(grad, weight) if need_x else None,
                matmul_arrays(grad.T, x) if need_weight else None,
                grad.sum(0) if need_bias else None)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias.

    input: (..., in_features), weight: (out_features, in_features), bias: (out_features,)
    -> y: (..., out_features). Other than 2-D inputs are flattened into one batch dimension
    for LinearFunction and restored afterwards (1-D: a batch of one).
    """
    input = as_tensor(input)
    if weight.ndim != 2:
        raise ValueError("linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{tuple(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        last = "a 0-d input" if input.ndim == 0 else f"input with last dimension {input.shape[-1]}"
        raise ValueError(
            f"linear: weight expects {weight.shape[1]} input features (weight.shape[1]), got "
            f"{last} (input shape {tuple(input.shape)})"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(
            f"linear: bias must have shape ({weight.shape[0]},) to match weight.shape[0], got "
            f"{tuple(bias.shape)}"
        )
    if input.ndim == 2:
        return LinearFunction.apply(input, weight, bias)
    flat = reshape(input, -1, weight.shape[1])  # (..., in) -> (N, in), and back afterwards
    return reshape(LinearFunction.apply(flat, weight, bias), input.shape[:-1] + (weight.shape[0],))


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Row lookup: out[..., :] = weight[input[...], :].

    input: integer indices of any shape (an integer array or Tensor), each in [0, num_embeddings);
    weight: (num_embeddings, embedding_dim) -> out: (*input.shape, embedding_dim).
    The row padding_idx receives no gradient (its lookups are treated as constants).
    """
    indices = integer_array(input, "embedding: indices")
    if weight.ndim != 2:
        raise ValueError("embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {tuple(weight.shape)}")
    count = weight.shape[0]
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= count):
        bad = int(indices.min()) if int(indices.min()) < 0 else int(indices.max())
        raise IndexError(f"embedding: index {bad} is out of range for {count} embeddings "
                         f"(weight.shape[0])")
    xp = get_array_module(weight.array)
    indices = xp.asarray(indices)
    rows = getitem(weight, indices)
    if padding_idx is None:
        return rows
    if padding_idx < 0:
        padding_idx += count
    is_padding = (indices == padding_idx)[..., None]
    return where(is_padding, getitem(weight.detach(), indices), rows)


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """Class indices (any shape, int64) -> (*shape, num_classes) int64 rows of zeros with one 1:
    the matrix whose product with a weight is embedding's row lookup. num_classes=-1: one more
    than the largest index."""
    indices = integer_array(tensor, "one_hot: tensor")
    xp = get_array_module(indices)
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got values from "
                           f"{int(indices.min())} to {int(indices.max())}")
    return Tensor(xp.eye(num_classes, dtype=xp.int64)[indices])
