"""Containers: Sequential (a pipeline of modules), ModuleList (a list of registered modules) and
ModuleDict (a dict of them)."""

from __future__ import annotations

from collections import OrderedDict

from minigan.nn.module import Module, _indent


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Built from modules (named "0", "1", ...) or from an OrderedDict of name -> module. Indexing
    gives a module (an int) or a Sequential (a slice); len() and iteration work as on a list.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index):
        modules = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(modules[index]))
        return modules[_check_index(index, len(modules), "Sequential")][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain Python list would hide them)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(_check_index(index, len(self), "ModuleList"))]

    def __setitem__(self, index, module: Module) -> None:
        setattr(self, str(_check_index(index, len(self), "ModuleList")), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __iadd__(self, modules) -> ModuleList:
        return self.extend(modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward: iterate over it and call the modules")

    def __repr__(self) -> str:
        """PyTorch's: consecutive modules that print alike are shown once,
        "(0-2): 3 x Sequential(...)"."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return "ModuleList()"
        runs = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [_indent(f"({first}): {text}" if first == last
                         else f"({first}-{last}): {last - first + 1} x {text}", 2)
                 for first, last, text in runs]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules whose parameters are registered (under their keys: "enc.weight"), in
    insertion order, with dict's methods."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules) -> None:
        """Add (or replace) modules from a dict / ModuleDict, or from (key, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward: call the modules it holds")


def _check_index(index: int, length: int, what: str) -> int:
    """An index in [-length, length) -> [0, length); IndexError otherwise."""
    if not -length <= index < length:
        raise IndexError(f"{what} index {index} is out of range for {length} modules")
    return index % length
