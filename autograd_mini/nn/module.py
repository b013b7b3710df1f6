"""`Module`, the base of every layer and model, its `Parameter`s, and the containers
`Sequential` and `ModuleList`.

A Module registers whatever Parameters and submodules are assigned to its attributes, in
assignment order, so a model is written as in PyTorch and never lists its weights by hand:

    class MLP(Module):
        def __init__(self):
            super().__init__()
            self.hidden = Linear(2, 8)    # registered as "hidden", its weights as "hidden.weight"...
            self.out = Linear(8, 1)

        def forward(self, x):
            return self.out(self.hidden(x).relu())

Registered values live in the `_parameters` and `_modules` registries and, as well, in the
instance's `__dict__`, so reading `self.weight` in forward is a plain attribute lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd_mini.device import DEVICE_TYPES, check_device, no_backend_error
from autograd_mini.device import device as device_type
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

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What the module computes; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, ...)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- registration -----------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
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
        object.__setattr__(self, name, value)

    @staticmethod
    def _check_replacement(name: str, value: Any, kind: str) -> None:
        if value is not None:
            raise TypeError(
                f"cannot assign {type(value).__name__} to '{name}', which holds {kind}: "
                f"assign {kind} or None (or del it first)"
            )

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def _register(self, name: str, value: Parameter | Module | None, value_is_module: bool) -> None:
        own, other = self._modules, self._parameters
        if not value_is_module:
            own, other = other, own
        other.pop(name, None)
        own[name] = value
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

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every Parameter with its dotted name, as in PyTorch: 'layers.1.bias'.

        A Parameter shared by several modules is listed once unless remove_duplicate=False.
        """
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = iter([(prefix, self)])
        seen: set[Parameter] = set()
        for module_prefix, module in modules:
            for name, param in module._parameters.items():
                if param is None or param in seen:
                    continue
                if remove_duplicate:
                    seen.add(param)
                yield _join(module_prefix, name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call fn on every submodule, then on self (e.g. to initialise weights); return self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- state ------------------------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active) on this module and all below it; return self."""
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
        for param in self.parameters():
            if param.dtype.kind != "f":
                continue
            param._array = param._array.astype(dtype, copy=False)
            if param.grad is not None:
                param.grad._array = param.grad._array.astype(dtype, copy=False)
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

    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Every parameter by dotted name, detached (sharing data with the parameter)."""
        return OrderedDict(
            (name, param.detach()) for name, param in self.named_parameters(remove_duplicate=False)
        )

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or arrays) into the existing parameters, which keep their identity.

        Nothing is copied unless everything fits. Missing and unexpected keys are errors when
        strict (otherwise returned); a shape mismatch is always an error. The RuntimeError
        lists every problem at once.
        """
        params = dict(self.named_parameters(remove_duplicate=False))
        missing = [name for name in params if name not in state_dict]
        unexpected = [name for name in state_dict if name not in params]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(map(repr, missing)))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(map(repr, unexpected)))
        pairs = []
        for name, param in params.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            value = np.asarray(value._array if isinstance(value, Tensor) else value)
            if value.dtype.kind not in "biuf":
                problems.append(f"'{name}' holds {value.dtype} values, not numbers")
            elif value.shape != param.shape:
                problems.append(
                    f"shape mismatch for '{name}': the state dict has {value.shape}, "
                    f"the model has {param.shape}"
                )
            pairs.append((param, value))
        if problems:
            raise RuntimeError(
                f"load_state_dict: cannot load into {type(self).__name__}:\n  " + "\n  ".join(problems)
            )
        for param, value in pairs:
            param._array[...] = value
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


class _ModuleSequence(Module):
    """Modules kept in order: indexing (negative too), slicing, len, iteration, append."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def _key(self, index: int) -> str:
        """The registry key of the module at a position."""
        keys = list(self._modules)
        if not -len(keys) <= index < len(keys):
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for {len(keys)} modules")
        return keys[index]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._sliced(list(self._modules.items())[index])
        return self._modules[self._key(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._key(index), module)

    def _sliced(self, items: list[tuple[str, Module]]) -> Module:
        return type(self)(module for _, module in items)

    def append(self, module: Module) -> _ModuleSequence:
        """Add a module at the end; return self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _ModuleSequence:
        """Add modules at the end, in order; return self."""
        for module in modules:
            self.append(module)
        return self


class Sequential(_ModuleSequence):
    """Modules applied in order, each to the previous one's output.

    Sequential(Linear(2, 4), Sigmoid()) names them '0', '1'; Sequential(OrderedDict(...))
    uses the dict's names.
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            super().__init__()
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            super().__init__(modules)

    def _sliced(self, items: list[tuple[str, Module]]) -> Module:
        return Sequential(OrderedDict(items))

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters the owner sees, named by position: 'layers.0.weight'.

    It has no forward: the owning module's forward decides how to use them.
    """

    def insert(self, index: int, module: Module) -> None:
        """Put module before position index, renumbering the ones after it."""
        modules = list(self)
        modules.insert(index, module)
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def _child_lines(self) -> list[str]:
        # Runs of identical modules print once, as PyTorch does: "(0-2): 3 x Linear(...)".
        lines: list[str] = []
        reprs = [repr(module) for module in self]
        start = 0
        for i, text in enumerate(reprs):
            if i + 1 < len(reprs) and reprs[i + 1] == text:
                continue
            label = f"({start}): " if start == i else f"({start}-{i}): {i - start + 1} x "
            lines.append(label + _indent(text))
            start = i + 1
        return lines


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
