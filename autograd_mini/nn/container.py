"""Containers, as PyTorch keeps them: `Sequential`, `ModuleList`, `ModuleDict`, `ParameterList`
and `ParameterDict`.

Each registers what it holds in its own Module registries, so the owner sees the parameters
under PyTorch's names: 'layers.0.weight' for a list, 'heads.cls.weight' for a dict.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from autograd_mini.nn.module import Module, Parameter, _indent
from autograd_mini.tensor import Tensor


def _pairs(values: Mapping | Iterable, kind: str) -> Iterable[tuple[Any, Any]]:
    """(key, value) pairs from a mapping or an iterable of pairs, for update()."""
    if isinstance(values, Mapping):
        return list(values.items())
    pairs = list(values)
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{kind}.update: element {i} should be a (key, value) pair, not {pair!r}")
    return pairs


class _ModuleSequence(Module):
    """Modules kept in order: indexing (negative too), slicing, len, iteration, append, insert, del."""

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

    def __delitem__(self, index: int | slice) -> None:
        """Remove the module(s) at index; the rest are renumbered '0', '1', ... as in PyTorch."""
        keys = list(self._modules)[index] if isinstance(index, slice) else [self._key(index)]
        self._renumber([m for key, m in self._modules.items() if key not in keys])

    def pop(self, index: int | slice) -> Any:
        """Remove and return the module(s) at index, renumbering the rest."""
        removed = self[index]
        del self[index]
        return removed

    def _renumber(self, modules: list[Module]) -> None:
        for key in list(self._modules):
            delattr(self, key)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

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

    def insert(self, index: int, module: Module) -> None:
        """Put module before position index, renumbering the ones after it."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.insert: expected a Module, got {type(module).__name__}")
        modules = list(self)
        modules.insert(index, module)
        self._renumber(modules)


class Sequential(_ModuleSequence):
    """Modules applied in order, each to the previous one's output.

    Sequential(Linear(2, 4), Sigmoid()) names them '0', '1'; Sequential(OrderedDict(...))
    uses the dict's names. A slice is a Sequential keeping the names.
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


class ModuleDict(Module):
    """Modules by name, in insertion order, with the dict API: [], in, len, keys/values/items,
    update, pop, clear. Parameters are named 'heads.<key>.weight'."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(key)
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, module in _pairs(modules, type(self).__name__):
            self[key] = module

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]


def _as_parameter(value: Any) -> Any:
    """A plain Tensor put in a ParameterList/Dict becomes a Parameter, as in PyTorch."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value.detach(), requires_grad=value.requires_grad or value.dtype.kind == "f")
    return value


def _parameter_line(key: str, param: Any) -> str:
    if not isinstance(param, Tensor):
        return f"({key}): Object of type: {type(param).__name__}"
    size = "x".join(map(str, param.shape))
    return f"({key}): Parameter containing: [torch.{param.dtype} of size {size}]"


class ParameterList(Module):
    """Parameters in order, registered as '0', '1', ... ('weights.0' in the owner's state dict)."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _key(self, index: int) -> str:
        if not -len(self) <= index < len(self):
            raise IndexError(f"ParameterList: index {index} is out of range for {len(self)} parameters")
        return str(index % len(self))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        return getattr(self, self._key(index))

    def __setitem__(self, index: int, value: Any) -> None:
        setattr(self, self._key(index), _as_parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return (getattr(self, str(i)) for i in range(len(self)))

    def append(self, value: Any) -> ParameterList:
        setattr(self, str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(str(i), p) for i, p in enumerate(self))


class ParameterDict(Module):
    """Parameters by name, in insertion order, with the dict API; the keys are the state dict's names."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._parameters:
            raise KeyError(key)
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def values(self) -> Iterable[Any]:
        return self._parameters.values()

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._parameters.items()

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        for key, value in _pairs(parameters, type(self).__name__):
            self[key] = value

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        for key in list(self._parameters):
            del self[key]

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(key, p) for key, p in self.items())
