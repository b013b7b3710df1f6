"""Whole Modules in a checkpoint: what is stored of one, and which classes load may rebuild.

A Module is stored as its class's qualified name, its training flag, its registered parameters,
buffers and submodules (each a node of the structure, so a Parameter or submodule met twice is
written once and comes back shared) and its other attributes. Loading never calls the class:
it makes the instance with `object.__new__` and fills its `__dict__`, so neither `__init__`,
`__new__` nor `__setstate__` runs, and it rebuilds only classes it may:

* the nn.Module subclasses of autograd_mini itself, always;
* classes the user allowlisted, by `add_safe_globals([MyNet])` or inside
  `with safe_globals([MyNet]):`, matched by their qualified name as PyTorch does;
* with `load(f, weights_only=False)`, any nn.Module subclass found by its qualified name in a
  module that is already imported (`sys.modules`, which holds the script's own `__main__`).

Nothing else is ever built: a name is looked up in module and class `__dict__`s only (no
`getattr`, no import, so no module `__getattr__` runs), and what it names must be a Module
subclass; a function such as `os.system` or `builtins.eval` is refused whatever the flags.
"""

from __future__ import annotations

import contextlib
import re
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from autograd_mini.nn.module import Module, Parameter
from autograd_mini.serialization._archive import CheckpointError
from autograd_mini.tensor import Tensor

# What Module.__init__ puts in every instance's __dict__; the rest are the class's own attributes.
_HOOKS = ("_forward_pre_hooks", "_forward_hooks")
_INTERNAL = {"training", "_parameters", "_modules", "_buffers", "_non_persistent_buffers", *_HOOKS}
_REGISTRIES = (("parameters", "_parameters", Parameter), ("buffers", "_buffers", Tensor),
               ("submodules", "_modules", Module))
# A dotted Python name: identifiers of ASCII letters, digits and underscores.
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")

_safe_globals: list[Any] = []  # what add_safe_globals was given, in order


# ---- the allowlist, as torch.serialization has it --------------------------------------------


def add_safe_globals(safe_globals: list[Callable | tuple[Callable, str]]) -> None:
    """Allow load() to rebuild these classes, given as classes or (class, qualified name) pairs.

    A pair allowlists a class under another name, e.g. one it had before a rename. Only
    nn.Module subclasses are ever built: a function on the list is never called.
    """
    for entry in safe_globals:
        _allowed_name(entry)  # a TypeError now rather than at load time
        if entry not in _safe_globals:
            _safe_globals.append(entry)


def get_safe_globals() -> list[Callable | tuple[Callable, str]]:
    """What add_safe_globals has allowlisted, in the order it was given."""
    return list(_safe_globals)


def clear_safe_globals() -> None:
    """Empty the allowlist (autograd_mini's own nn classes stay allowed)."""
    _safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list[Callable | tuple[Callable, str]]) -> Iterator[None]:
    """Allowlist these classes inside a `with` block, as add_safe_globals does.

    On leaving, the entries the block added are removed again; those that were on the list
    before it stay there.
    """
    added = [entry for entry in safe_globals if entry not in _safe_globals]
    add_safe_globals(added)
    try:
        yield
    finally:
        for entry in added:
            if entry in _safe_globals:
                _safe_globals.remove(entry)


def _allowed_name(entry: Any) -> str:
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError(f"add_safe_globals: a pair must be (class, qualified name), not {entry!r}")
        return entry[1]
    module, qualname = getattr(entry, "__module__", None), getattr(entry, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise TypeError(f"add_safe_globals: {entry!r} has no qualified name: give a (class, name) pair")
    return f"{module}.{qualname}"


# ---- a class's name at save, and the class a name may stand for at load -----------------------


def _plain_class_name(module_name: str, qualname: str) -> bool:
    """Whether both are dotted identifiers, the qualname with no dunder part (`Net.__init__`).

    A module name is only a key of sys.modules, so `__main__` is as good as any; a qualname is
    walked attribute by attribute, where dunder names lead to a program's internals.
    """
    return bool(_DOTTED.match(module_name) and _DOTTED.match(qualname)) and not any(
        part.startswith("__") for part in qualname.split(".")
    )


def class_name(cls: type, where: str) -> list[str]:
    """[module, qualname] of a Module's class, which must be a plain name load can match."""
    name = [cls.__module__, cls.__qualname__]
    if not _plain_class_name(*name):
        raise TypeError(
            f"save: cannot store the {cls.__name__} at {where or 'the top level'}: its class "
            f"{'.'.join(name)} has no name load could find it by (is it defined inside a function? "
            "define it at the top level of a module)"
        )
    return name


def find_class(name: Any, weights_only: bool, source: str) -> type[Module]:
    """The Module subclass a stored [module, qualname] names, if load may build it."""
    if not (isinstance(name, list) and len(name) == 2 and all(isinstance(p, str) for p in name)):
        raise ValueError(f"a class name must be [module, qualname], not {name!r:.80}")
    module_name, qualname = name
    dotted = f"{module_name}.{qualname}"
    if not _plain_class_name(module_name, qualname):
        raise CheckpointError(
            f"load: {source} names the class {dotted!r:.120}, which is not a plain qualified name "
            "(dotted identifiers, with no dunder part after the module): refused"
        )
    allowed = {_allowed_name(e): e[0] if isinstance(e, tuple) else e for e in _safe_globals}
    found = allowed[dotted] if dotted in allowed else _look_up(module_name, qualname)
    if found is not None and not _is_module_class(found):
        raise CheckpointError(
            f"load: {source} names {dotted}, which is a {type(found).__name__}, not an nn.Module "
            "subclass: load builds Modules and nothing else"
        )
    if dotted in allowed or found is not None and (not weights_only or _is_ours(found, dotted)):
        return found
    short = qualname.rpartition(".")[2]
    if found is None and not weights_only:
        raise CheckpointError(
            f"load: {source} holds a {dotted}, and no imported module defines it: load never "
            f"imports modules, so import {module_name} (or define {short}) before loading"
        )
    raise CheckpointError(
        f"load: {source} holds a {dotted}, which load does not build unless allowed: if you trust "
        f"this class, call autograd_mini.serialization.add_safe_globals([{short}]) or load inside "
        f"`with autograd_mini.serialization.safe_globals([{short}]):`, or pass weights_only=False "
        "to allow any Module subclass of an imported module"
    )


def unsafe_class_names(root: Any) -> list[str]:
    """The qualified names of the classes in a structure that a weights_only load would refuse."""
    names, stack = set(), [root]
    while stack:  # a loop, not recursion: the structure is not checked yet
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            name = node.get("nn_module")
            if name is not None:
                try:
                    find_class(name, weights_only=True, source="")
                except (CheckpointError, ValueError):
                    names.add(".".join(map(str, name)) if isinstance(name, list) else repr(name))
            stack.extend(node.values())
    return sorted(names)


def _look_up(module_name: str, qualname: str) -> Any:
    """What module_name.qualname is, read from the namespaces' own dicts; None if absent."""
    found = sys.modules.get(module_name)
    if not issubclass(type(found), types.ModuleType):
        return None
    for depth, part in enumerate(qualname.split(".")):
        if depth and not issubclass(type(found), type):
            return None  # only the module and classes have members to walk into
        namespace = vars(found)
        if part not in namespace:
            return None
        found = namespace[part]
    return found


def _is_module_class(obj: Any) -> bool:
    return issubclass(type(obj), type) and issubclass(obj, Module)


def _is_ours(cls: type, dotted: str) -> bool:
    """Whether cls is an autograd_mini class under its own name (not an alias of one elsewhere)."""
    module = cls.__module__
    return f"{module}.{cls.__qualname__}" == dotted and module.split(".")[0] == "autograd_mini"


# ---- a Module as a node, and back -------------------------------------------------------------


def encode_module(module: Module, writer: Any, where: str) -> dict:
    """The node of a Module: its class, training flag, registries and other attributes.

    Forward hooks, which are functions, are refused; so is any attribute writer cannot store.
    """
    state = vars(module)
    at = where or "the top level"
    node: dict[str, Any] = {"nn_module": class_name(type(module), where), "training": bool(module.training)}
    for hooks in _HOOKS:
        if state.get(hooks):
            raise TypeError(
                f"save: the {type(module).__name__} at {at} has forward hooks, which are functions "
                "and cannot be stored without pickle: remove them (handle.remove()) before saving"
            )
    registered = set()
    for key, registry, _ in _REGISTRIES:
        node[key] = [[_checked(name, where), writer.encode(value, _join(where, name))]
                     for name, value in state[registry].items()]
        registered.update(state[registry])
    node["non_persistent_buffers"] = sorted(state["_non_persistent_buffers"])
    node["attributes"] = [
        [_checked(name, where), writer.encode(value, _join(where, name))]
        for name, value in state.items()
        if name not in _INTERNAL and name not in registered
    ]
    return node


def decode_module(node: dict, reader: Any, depth: int) -> Module:
    """A new instance of the node's class with its state set, built without calling the class."""
    cls = find_class(node["nn_module"], reader.weights_only, reader.source)
    module = object.__new__(cls)
    reader.begin(module)
    state: dict[str, Any] = {"training": node["training"]}
    if not isinstance(state["training"], bool):
        raise ValueError(f"{cls.__name__}: training must be true or false, not {state['training']!r}")
    names: set[str] = set()
    for key, registry, kind in _REGISTRIES:
        state[registry] = {}
        for name, value in _pairs(node[key], names):
            state[registry][name] = _registered(reader.decode(value, depth), kind, f"{cls.__name__}.{name}")
    non_persistent = node["non_persistent_buffers"]
    if not isinstance(non_persistent, list) or not set(non_persistent) <= set(state["_buffers"]):
        raise ValueError(f"{cls.__name__}: non-persistent buffers {non_persistent!r:.80} are not its buffers")
    state["_non_persistent_buffers"] = set(non_persistent)
    state.update((hooks, {}) for hooks in _HOOKS)
    for name, value in _pairs(node["attributes"], names):
        state[name] = reader.decode(value, depth)
    for _, registry, _ in _REGISTRIES:
        state.update(state[registry])  # registered values are attributes as well (see Module)
    vars(module).update(state)
    reader.end(module)
    return module


def _registered(value: Any, kind: type, where: str) -> Any:
    """value, if it may sit in a registry of kind (a buffer is a Tensor but not a Parameter)."""
    if value is not None and (not isinstance(value, kind) or kind is Tensor and isinstance(value, Parameter)):
        raise ValueError(f"{where} should be a {kind.__name__} or None, not a {type(value).__name__}")
    return value


def _pairs(items: Any, seen: set[str]) -> Iterable[tuple[str, Any]]:
    """The [name, node] pairs of a registry or of the attributes, each name new and plain."""
    if not isinstance(items, list):
        raise ValueError(f"expected a list of [name, value] pairs, not {items!r:.80}")
    for item in items:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise ValueError(f"expected a [name, value] pair, not {item!r:.80}")
        name = item[0]
        if not _plain_name(name) or name in _INTERNAL or name in seen:
            raise ValueError(f"the attribute name {name!r:.80} is not allowed, or given twice")
        seen.add(name)
        yield name, item[1]


def _plain_name(name: str) -> bool:
    return bool(name) and "." not in name and not name.startswith("__")


def _checked(name: str, where: str) -> str:
    if not _plain_name(name):
        raise TypeError(f"save: cannot store the attribute {name!r} at {_join(where, name)}: dunder "
                        "names and names with dots are refused by load")
    return name


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
