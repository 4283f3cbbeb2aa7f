"""PyTorch-only names, in one labelled place: what a PyTorch program asks for that minigan has no
concept of its own, kept so that such programs run with only their imports changed.

    legacy.py        Variable, FloatTensor & co, x.type(): names PyTorch itself retired in 2018
    device.py        torch.device (mg.device): a backend's name as a str, with .type and .index
    cuda.py          torch.cuda's is_available, device_count, manual_seed ... (as mg.cuda.*)
    backends/        torch.backends.cudnn's flags and backends.mps (as minigan.backends: accepted,
                     no effect; mps is never available)
    accelerator.py   torch.accelerator (as minigan.accelerator)

Nothing here changes another module when imported; minigan/__init__.py registers the two module
paths PyTorch programs import (minigan.backends, minigan.accelerator) as aliases of these.
"""
