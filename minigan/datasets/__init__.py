"""Datasets for GANs: the IDX file reader (more to come: MNIST, Fashion-MNIST, toy mixtures, DataLoader)."""

from minigan.datasets.idx import read_idx

__all__ = ["read_idx"]
