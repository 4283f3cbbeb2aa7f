"""torchvision.utils' make_grid and save_image written with torch ops: the reference minigan's are
compared with (torchvision itself is not installable beside this torch), and the stand-in for
torchvision when tests/test_pytorch_programs.py runs a program on PyTorch."""

import numpy as np


def torchvision_make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None,
                          scale_each=False, pad_value=0.0):
    """torchvision.utils.make_grid's algorithm written with torch ops (torchvision itself is not
    installable beside this torch): the reference the tests compare with."""
    import torch

    if isinstance(tensor, list):
        tensor = torch.stack(tensor, dim=0)
    tensor = tensor.clone()
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize:
        def norm(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t):
            norm(t, *value_range) if value_range is not None else norm(t, float(t.min()), float(t.max()))

        if scale_each:
            for t in tensor:
                norm_range(t)
        else:
            norm_range(tensor)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(np.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(
                2, x * width + padding, width - padding).copy_(tensor[k])
            k += 1
    return grid


def torchvision_save_image(tensor, fp, format=None, **kwargs):
    """torchvision.utils.save_image: make_grid, then uint8(clamp(255 * grid + 0.5, 0, 255)) via Pillow."""
    from PIL import Image

    grid = torchvision_make_grid(tensor, **kwargs)
    ndarr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu").byte().numpy()
    Image.fromarray(ndarr).save(fp, format=format)
