"""`Module`, the base of every layer and model, and its `Parameter`s (the containers are in
container.py).

A Module registers whatever Parameters and submodules are assigned to its attributes, in
assignment order, so a model is written as in PyTorch and never lists its weights by hand:

    class MLP(Module):
        def __init__(self):
            super().__init__()
            self.hidden = Linear(2, 8)    # registered as "hidden", its weights as "hidden.weight"...
            self.out = Linear(8, 1)

        def forward(self, x):
            return self.out(self.hidden(x).relu())

Registered values live in the `_parameters`, `_buffers` and `_modules` registries and, as well,
in the instance's `__dict__`, so reading `self.weight` in forward is a plain attribute lookup.
Buffers (`register_buffer`) are state that is not learned, such as running statistics: they are
saved in the state dict (unless persistent=False) and converted by `.to(dtype)`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd_mini.device import DEVICE_TYPES, check_device, no_backend_error
from autograd_mini.device import device as device_type
from autograd_mini.nn.utils.hooks import RemovableHandle
from autograd_mini.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a learnable weight of a Module: it requires grad by default, and
    assigning it to a Module attribute registers it.

    It holds a copy of `data` (a Tensor, an array or nested lists); floating data keeps its
    dtype, and Python floats get the default dtype.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(..., strict=False)` could not match, as PyTorch reports it."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _size(shape: tuple[int, ...]) -> str:
    return f"torch.Size({list(shape)})"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _indent(text: str, spaces: int = 2) -> str:
    """Indent every line of text but the first (a child's repr inside its parent's)."""
    return text.replace("\n", "\n" + " " * spaces)


class Module:
    """Base class of layers and models: subclass it, assign layers and Parameters in
    `__init__` (after `super().__init__()`), and define `forward`. Calling the module runs forward.
    """

    training: bool
    # Counts the writes to any module's attributes, submodules, training flag and forward hooks:
    # while it stands still, no module's Python-side state has changed (compile's signature reads
    # a module's state again only then).
    writes = 0
    # Whether any module has ever had a forward hook: until one has, a call skips the hook dicts.
    hooks_in_use = False

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What the module computes; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, ...)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not Module.hooks_in_use:
            return self.forward(*args, **kwargs)
        pre_hooks, hooks = self._forward_pre_hooks, self._forward_hooks
        for hook in list(pre_hooks.values()):
            result = hook(self, args)  # a value returned replaces the arguments
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(hooks.values()):
            result = hook(self, args, output)  # a value returned replaces the output
            if result is not None:
                output = result
        return output

    # ---- hooks ------------------------------------------------------------------------------

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple], Any]) -> RemovableHandle:
        """Call hook(module, args) before each forward; a non-None result replaces args."""
        Module.writes += 1
        Module.hooks_in_use = True
        return RemovableHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], Any]) -> RemovableHandle:
        """Call hook(module, args, output) after each forward; a non-None result replaces output."""
        Module.writes += 1
        Module.hooks_in_use = True
        return RemovableHandle(self._forward_hooks, hook)

    # ---- registration -----------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        Module.writes += 1
        # PyTorch's rules: a Parameter may replace anything; a name holding a Parameter (or a
        # Module) takes only another Parameter (or Module) or None.
        params, modules = self.__dict__.get("_parameters"), self.__dict__.get("_modules")
        if params is None and isinstance(value, (Parameter, Module)):
            raise AttributeError(
                f"cannot assign a {type(value).__name__} before Module.__init__() has run: "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )
        if isinstance(value, Parameter):
            return self._register(name, value, value_is_module=False)
        if params is not None and name in params:
            self._check_replacement(name, value, "a Parameter")
            params[name] = None
        elif isinstance(value, Module):
            return self._register(name, value, value_is_module=True)
        elif modules is not None and name in modules:
            self._check_replacement(name, value, "a Module")
            modules[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} to buffer '{name}': assign a Tensor or None"
                )
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    @staticmethod
    def _check_replacement(name: str, value: Any, kind: str) -> None:
        if value is not None:
            raise TypeError(
                f"cannot assign {type(value).__name__} to '{name}', which holds {kind}: "
                f"assign {kind} or None (or del it first)"
            )

    def __delattr__(self, name: str) -> None:
        Module.writes += 1
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        self._non_persistent_buffers.discard(name)
        object.__delattr__(self, name)

    def _register(self, name: str, value: Parameter | Module | None, value_is_module: bool) -> None:
        own, other = self._modules, self._parameters
        if not value_is_module:
            own, other = other, own
        other.pop(name, None)
        self._buffers.pop(name, None)  # a Parameter or Module assigned over a buffer replaces it
        self._non_persistent_buffers.discard(name)
        own[name] = value
        Module.writes += 1
        object.__setattr__(self, name, value)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register param under name (None reserves the name, as for a Linear without bias)."""
        self._check_new_name(name, param, Parameter, self._parameters)
        self._register(name, param, value_is_module=False)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register module as a submodule under name."""
        self._check_new_name(name, module, Module, self._modules)
        self._register(name, module, value_is_module=True)

    register_module = add_module

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register tensor as state that is not learned (e.g. a running mean) under name.

        It is in state_dict unless persistent=False, and converted by `.to(dtype)` when floating.
        """
        self._check_new_name(name, tensor, Tensor, self._buffers)
        if isinstance(tensor, Parameter):
            raise TypeError(f"buffer '{name}' cannot be a Parameter: use register_parameter")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)
        object.__setattr__(self, name, tensor)

    def _check_new_name(self, name: Any, value: Any, expected: type, registry: dict) -> None:
        if value is not None and not isinstance(value, expected):
            raise TypeError(f"'{name}' must be a {expected.__name__} or None, not {type(value).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"a {expected.__name__} name must be a string, not {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{expected.__name__} name {name!r} must be non-empty and contain no '.'")
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"{type(self).__name__} already has an attribute '{name}'")

    # ---- walking the tree -------------------------------------------------------------------

    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every module below it, depth first, with dotted names ('' for self)."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, _join(prefix, name), remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules, each once, with their attribute names."""
        seen: set[Module] = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Tensor]]:
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = iter([(prefix, self)])
        seen: set[int] = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield _join(module_prefix, name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every Parameter with its dotted name, as in PyTorch: 'layers.1.bias'.

        A Parameter shared by several modules is listed once unless remove_duplicate=False.
        """
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Every buffer (persistent or not) with its dotted name, as named_parameters."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path such as 'encoder.layers.0' ('' is self)."""
        module = self
        for name in target.split(".") if target else []:
            if name not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
            module = module._modules[name]
            if not isinstance(module, Module):
                raise AttributeError(f"`{name}` is not an nn.Module")
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The Parameter at a dotted path such as 'encoder.layers.0.weight'."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        if name not in module._parameters or module._parameters[name] is None:
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return module._parameters[name]

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call fn on every submodule, then on self (e.g. to initialise weights); return self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- state ------------------------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active) on this module and all below it; return self."""
        Module.writes += 1
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Set evaluation mode (Dropout is the identity) on this module and all below it."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters: None (PyTorch's default), or zeros."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = Tensor(np.zeros_like(param._array))

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set requires_grad on every parameter (False freezes them); return self."""
        for param in self.parameters():
            param.requires_grad = requires_grad
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move and/or convert the parameters, in place, as PyTorch's Module.to; return self.

        to(device), to(dtype), to(device, dtype), to(tensor) (its dtype) or the keywords device=,
        dtype=, non_blocking=. The device must be the CPU (see autograd_mini.device); the dtype
        floating, and it converts the floating parameters (and their gradients) only.
        """
        device, dtype = _to_arguments(args, kwargs)
        check_device(device, "Module.to")
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(f"Module.to: parameters must stay floating point, so {dtype} is not allowed")
        for tensor in [*self.parameters(), *self.buffers()]:
            if tensor.dtype.kind != "f":
                continue
            tensor._array = tensor._array.astype(dtype, copy=False)
            if tensor.grad is not None:
                tensor.grad._array = tensor.grad._array.astype(dtype, copy=False)
        return self

    def cpu(self) -> Module:
        """The parameters already live on the CPU: return self."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """An error: autograd_mini has no GPU (see autograd_mini.cuda.is_available)."""
        place = device_type("cuda", device) if isinstance(device, int) else device_type(device or "cuda")
        raise no_backend_error(place, "Module.cuda")

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def half(self) -> Module:
        return self.to(np.float16)

    def _named_state(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """The state dict's entries in PyTorch's order: each module's parameters, then its
        persistent buffers, then its children's, a shared module under each of its names."""
        for name, param in self._parameters.items():
            if param is not None:
                yield prefix + name, param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                yield prefix + name, buffer
        for name, module in self._modules.items():
            if module is not None:
                yield from module._named_state(f"{prefix}{name}.")

    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name (after prefix), detached and
        sharing data, or the parameters themselves if keep_vars."""
        return OrderedDict(
            (name, tensor if keep_vars else tensor.detach()) for name, tensor in self._named_state(prefix)
        )

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or arrays) into the existing parameters and buffers, which keep
        their identity.

        Nothing is copied unless everything fits. Missing and unexpected keys are errors when
        strict (otherwise returned); a shape mismatch is always an error. The RuntimeError
        lists every problem at once, in PyTorch's words.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        targets = dict(self._named_state())
        missing = [name for name in targets if name not in state_dict]
        unexpected = [name for name in state_dict if name not in targets]
        problems = []
        for kind, keys in (("Missing", missing), ("Unexpected", unexpected)):
            if strict and keys:
                problems.append(f"{kind} key(s) in state_dict: " + ", ".join(f'"{k}"' for k in keys) + ". ")
        pairs = []
        for name, target in targets.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            value = np.asarray(value._array if isinstance(value, Tensor) else value)
            if value.dtype.kind not in "biuf":
                problems.append(f"'{name}' holds {value.dtype} values, not numbers")
            elif value.shape != target.shape:
                problems.append(
                    f"size mismatch for {name}: copying a param with shape {_size(value.shape)} from "
                    f"checkpoint, the shape in current model is {_size(target.shape)}."
                )
            pairs.append((target, value))
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems)
            )
        for target, value in pairs:
            target._array[...] = value
        return IncompatibleKeys(missing, unexpected)

    # ---- printing -----------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The settings shown inside the parentheses of repr, e.g. 'in_features=2, ...'."""
        return ""

    def _child_lines(self) -> list[str]:
        return [f"({name}): {_indent(repr(module))}" for name, module in self._modules.items()]

    def __repr__(self) -> str:
        """The module tree, as PyTorch prints it."""
        extra = self.extra_repr()
        lines = (extra.split("\n") if extra else []) + self._child_lines()
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and extra:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _to_arguments(args: tuple, kwargs: dict) -> tuple[Any, np.dtype | None]:
    """(device, dtype) from Module.to's arguments; non_blocking is accepted and has no effect."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking"}
    if unknown:
        raise TypeError(f"Module.to got unexpected keyword arguments {sorted(unknown)}")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, bool):  # non_blocking, given by position
            continue
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, (device_type, int)) or (isinstance(arg, str) and not _names_dtype(arg)):
            device = arg
        else:
            dtype = arg
    return device, None if dtype is None else np.dtype(dtype)


def _names_dtype(name: str) -> bool:
    """Whether a string passed to Module.to means a dtype ("float64") rather than a device ("cpu")."""
    if name.split(":")[0] in DEVICE_TYPES:
        return False
    try:
        np.dtype(name)
    except TypeError:
        return False  # neither: device() will say what is wrong with it
    return True
