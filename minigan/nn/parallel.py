"""torch.nn.parallel on one device: DataParallel and data_parallel run the module as it is.

minigan uses a single device (the CPU, or one GPU), so splitting a batch across GPUs has nothing
to split over. The wrapper keeps PyTorch's structure -- the wrapped model is ``.module``, so its
state_dict keys start with "module." exactly as PyTorch's do -- and device_ids, output_device and
dim are accepted and ignored.
"""

from __future__ import annotations

from minigan.nn.module import Module


class DataParallel(Module):
    """model = nn.DataParallel(model, device_ids): the same model, under .module, on one device."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """module(inputs) (inputs: one tensor or a tuple of them), on the one device minigan uses."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))
