"""Module: the base class of every layer and model.

A Module owns three kinds of things, registered by attribute assignment in ``__init__``::

    self.weight = nn.Parameter(...)          # a learnable tensor  -> parameters(), state_dict()
    self.register_buffer("running_mean", t)  # a state tensor      -> buffers(), state_dict()
    self.block = nn.Linear(4, 3)             # a submodule         -> children(), modules()

Names nest with dots ("block.weight"), exactly as in PyTorch, so a model's state_dict() has the
same keys as the same model built with torch.nn, and weights move between the two.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from minigan import backend, dtypes
from minigan.autograd import Tensor
from minigan.nn.parameter import Parameter


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it did not find and those it did not use; prints as
    PyTorch's does (``<All keys matched successfully>`` when both lists are empty)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__



class RemovableHandle:
    """What register_forward_pre_hook / register_forward_hook return: ``handle.remove()`` undoes
    it."""

    _next_id = 0

    def __init__(self, hooks: dict):
        self.hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self.hooks.pop(self.id, None)


def _indent(text: str, spaces: int) -> str:
    """Indent every line of `text` but the first (for nested reprs)."""
    lines = text.split("\n")
    return "\n".join(lines[:1] + [" " * spaces + line for line in lines[1:]])


class Module:
    """Base class of layers and models: subclass it, call ``super().__init__()``, assign
    parameters, buffers and submodules as attributes, and write ``forward``.

    ``module(x)`` runs the forward pre-hooks, then ``forward(x)``, then the forward hooks.
    """

    training: bool

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  f'"forward" function')

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):  # speed: 0.54 -> 0.28 us a call
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook) -> RemovableHandle:
        """hook(module, inputs) runs before forward; it may return new inputs (or None)."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook) -> RemovableHandle:
        """hook(module, inputs, output) runs after forward; it may return a new output (or None)."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # -- registration ---------------------------------------------------------------------------
    def _check_new_name(self, name: str, kind: str, registry: dict) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{kind} name must not be empty or contain ".", got {name!r}')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None: a declared but absent parameter, like a disabled bias)."""
        self._check_new_name(name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a state tensor that is not learned (running statistics, counters). Persistent
        buffers are part of state_dict()."""
        self._check_new_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or "
                f"None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a submodule (what ``self.name = module`` does)."""
        self._check_new_name(name, "module", self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' (nn.Parameter "
                    f"or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' (Module or "
                    f"None expected)"
                )
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Remove `name` from wherever it is registered (before it is registered anew)."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str):
        # Only called when normal lookup fails: parameters, buffers and submodules live in dicts.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    # -- walking the tree -----------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(name, module) for this module ('') and every submodule, depth first, in registration
        order."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                                remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """(name, module) for the direct submodules (each once)."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True):
        """(dotted name, Parameter) for every parameter; one shared by two modules comes once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call fn(module) on every submodule (children first), then on self; returns self.
        Typical use: ``model.apply(init_weights)``."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients --------------------------------------------------------------------
    def train(self, mode: bool = True):
        """Training mode (dropout drops, batch norm uses batch statistics) for self and all
        submodules."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {mode!r}")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Evaluation mode: train(False)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True):
        """Set requires_grad on every parameter (False freezes the module, e.g. D during G's
        step)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: set it to None, or fill it with zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:  # zeros in place; a gradient in a graph (create_graph) is cut off first
                if param.grad.requires_grad:
                    param.grad = param.grad.detach()
                param.grad.zero_()

    # -- moving ---------------------------------------------------------------------------------
    def to(self, *args, **kwargs):
        """Move every parameter and buffer, in place, to a device and/or convert the floating ones
        to a float dtype, in PyTorch's forms: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``,
        ``to(tensor)``, ``to(device=..., dtype=..., non_blocking=...)``. The Parameter objects stay
        the same objects, so an optimizer built before the move still holds them. Returns self."""
        name, dtype, _ = backend.parse_to(args, kwargs, "Module.to")
        if dtype is not None and dtype.kind not in "fc":
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={dtypes.as_dtype(dtype)}")

        def convert(array):
            if dtype is not None and array.dtype.kind == "f":
                array = array.astype(dtype, copy=False)
            return array if name is None else backend.to_backend(array, name)

        for module in self.modules():
            for tensor in list(module._parameters.values()) + list(module._buffers.values()):
                if tensor is None:
                    continue
                tensor.array = convert(tensor.array)
                if tensor.grad is not None:
                    tensor.grad.array = convert(tensor.grad.array)
        return self

    def cpu(self):
        return self.to("numpy")

    def cuda(self, device=None):
        return self.to("cupy")

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def half(self):
        return self.to(np.float16)

    # -- state dicts ----------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """An OrderedDict name -> Tensor of every parameter and persistent buffer, with PyTorch's
        keys and order (each module's parameters, then its buffers, then its submodules').

        The values are detached Tensors sharing memory with the module (``keep_vars=True`` gives
        the Parameters themselves); ``{k: v.numpy() for k, v in sd.items()}`` is a NumPy copy of the
        weights on the CPU backend's terms.
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values (NumPy arrays, CuPy arrays or Tensors) into the parameters and buffers, in
        place.

        Everything is checked before anything is changed: with strict=True a missing or unexpected
        key is an error, and a value whose shape differs is always an error. The RuntimeError lists
        every problem. Values are cast to each tensor's dtype and moved to its backend.
        Returns (missing_keys, unexpected_keys).
        """
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems, arrays = [], {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            array = _as_array(state_dict[key])
            if array is None:
                problems.append(
                    f"value for {key} is not a numeric array or Tensor (got "
                    f"{type(state_dict[key]).__name__})"
                )
            elif tuple(array.shape) != target.shape:
                problems.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} "
                    f"from checkpoint, the shape in current model is {tuple(target.shape)}."
                )
            else:
                arrays[key] = array
        if strict and unexpected:
            problems.insert(0, "Unexpected key(s) in state_dict: "
                            + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if strict and missing:
            problems.insert(0, "Missing key(s) in state_dict: "
                            + ", ".join(f'"{k}"' for k in missing) + ".")
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(problems)
            )
        for key, array in arrays.items():
            target = own[key]
            target.array[...] = backend.to_backend(array, target.backend)
        return IncompatibleKeys(missing, unexpected)

    # -- printing -------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its settings); '' by default."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): " + _indent(repr(module), 2) for name,
                    module in self._modules.items()]
        body = lines + children
        if not body:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not children:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(body) + "\n)"


def _as_array(value):
    """A state-dict value as an array (NumPy or CuPy), or None when it is not numeric."""
    if isinstance(value, Tensor):
        return value.array
    if not hasattr(value, "__array_function__"):
        try:
            value = np.asarray(value)
        except (TypeError, ValueError, RuntimeError):
            return None
    if value.dtype.kind not in "biuf":
        return None
    return value
