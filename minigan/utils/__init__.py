"""torch.utils and torchvision.utils' picture helpers.

    data.py     minigan.utils.data: Dataset, TensorDataset, DataLoader (PyTorch's contract)
    images.py   make_grid, save_image (torchvision.utils' semantics)
"""

from minigan.utils import data  # noqa: F401
from minigan.utils.images import make_grid, save_image  # noqa: F401
