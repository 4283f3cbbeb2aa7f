"""Embedding: a learnable table of vectors, looked up by integer index (e.g. class labels in a
conditional GAN)."""

from __future__ import annotations

from minigan import functional as F
from minigan.nn import init
from minigan.nn.module import Module
from minigan.nn.parameter import empty_parameter


class Embedding(Module):
    """out[...] = weight[input[...]]: integer indices of any shape -> (*input.shape, embedding_dim).

    weight: (num_embeddings, embedding_dim), initialised N(0, 1) as in PyTorch. The row padding_idx
    (if given) starts at zero and receives no gradient.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 device=None, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                    f"({self.num_embeddings})"
                )
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        self.weight = empty_parameter(self.num_embeddings, self.embedding_dim, device=device,
                                      dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
