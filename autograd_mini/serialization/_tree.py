"""The structure of a checkpoint as JSON: containers and leaves as tagged objects, scalars as themselves.

    {"tensor": "a0", "requires_grad": false}     a Tensor whose array is the entry a0
    {"parameter": "a1", "requires_grad": true}   an nn.Parameter
    {"array": "a2"}, {"scalar": "a3"}            an ndarray, a NumPy scalar (a 0-d entry)
    {"dtype": "<f4"}, {"scalar_type": "<f4"}     np.dtype("float32"), np.float32 (am.float32)
    {"dict": [[key, node], ...]}                 str or int keys, in order
    {"list": [node, ...]}, {"tuple": [...]}
    {"nn_module": [module, qualname], ...}       a Module (see _modules.py)
    {"ref": n}                                   the n-th Tensor or Module written, met again

Tensors and Modules are numbered in the order they are first written; meeting one again writes a
ref, so shared weights (weight tying) and shared submodules come back as one object. Containers
nest at most MAX_DEPTH deep, a limit save and load both keep, and a container or Module that
holds itself is refused.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from autograd_mini.nn.module import Module, Parameter
from autograd_mini.serialization._archive import CheckpointError
from autograd_mini.serialization._modules import decode_module, encode_module
from autograd_mini.tensor import Tensor

MAX_DEPTH = 100
# dtype.str of the dtypes a checkpoint may name: bools, numbers, dates and strings ("<f4", "|b1",
# "<M8[ns]", "<U3"); never objects or structured dtypes.
_DTYPE = re.compile(r"[<>|=][biufcmMSU]\d+(\[\w+\])?\Z")


class Writer:
    """Turns a value into nodes, collecting its arrays in `arrays` as "a0", "a1", ..."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._numbers: dict[int, int] = {}  # id of a Tensor or Module written -> its number
        self._kept: list[Any] = []  # those objects, alive while writing so that ids stay theirs
        self._open: set[int] = set()  # ids of the containers and Modules being written

    def encode(self, obj: Any, where: str) -> Any:
        """The node of obj; where is its key path (`model.encoder.fn`) for error messages."""
        if isinstance(obj, np.generic):  # before float: np.float64 is a float, but comes back as one
            return {"scalar": self._store(np.asarray(obj), where)}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, (Tensor, Module)):
            if id(obj) in self._numbers:
                if id(obj) in self._open:
                    raise TypeError(f"save: the {type(obj).__name__} at {_at(where)} holds itself")
                return {"ref": self._numbers[id(obj)]}
            self._numbers[id(obj)] = len(self._kept)
            self._kept.append(obj)
            if isinstance(obj, Module):
                return self._nested(obj, where, lambda: encode_module(obj, self, where))
            kind = "parameter" if isinstance(obj, Parameter) else "tensor"
            return {kind: self._store(obj._array, where), "requires_grad": obj.requires_grad}
        if isinstance(obj, np.ndarray):
            return {"array": self._store(obj, where)}
        if isinstance(obj, np.dtype) or isinstance(obj, type) and issubclass(obj, np.generic):
            return self._dtype(obj, where)
        if isinstance(obj, dict):
            return self._nested(obj, where, lambda: {"dict": [
                [self._key(key, where), self.encode(value, _join(where, key))] for key, value in obj.items()
            ]})
        if isinstance(obj, (list, tuple)):
            kind = "list" if isinstance(obj, list) else "tuple"
            return self._nested(obj, where, lambda: {
                kind: [self.encode(value, _join(where, i)) for i, value in enumerate(obj)]
            })
        if hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict"):
            kind = "optimizer" if hasattr(obj, "param_groups") else "obj"
            raise TypeError(
                f"save: cannot store a whole {type(obj).__name__} at {_at(where)}: save "
                f"{kind}.state_dict() instead, and load it with {kind}.load_state_dict(torch.load(f)) "
                "into a new one"
            )
        raise TypeError(
            f"save: cannot store a value of type {type(obj).__name__} at {_at(where)}: a checkpoint "
            "holds tensors, arrays, numbers, strings, None, dtypes, Modules, and dicts, lists and "
            "tuples of these; anything else (a function, a file, another object) would need pickle"
        )

    def _nested(self, obj: Any, where: str, encode: Any) -> Any:
        if id(obj) in self._open:
            raise TypeError(f"save: the {type(obj).__name__} at {_at(where)} holds itself")
        if len(self._open) >= MAX_DEPTH:
            raise TypeError(f"save: {_at(where)} is nested more than {MAX_DEPTH} containers deep")
        self._open.add(id(obj))
        node = encode()
        self._open.discard(id(obj))
        return node

    def _store(self, array: np.ndarray, where: str) -> str:
        if array.dtype.hasobject:
            raise TypeError(
                f"save: {_at(where)} is an array of Python objects, which only pickle could store"
            )
        name = f"a{len(self.arrays)}"
        self.arrays[name] = array
        return name

    @staticmethod
    def _dtype(obj: np.dtype | type, where: str) -> dict:
        dtype = np.dtype(obj)
        if not _DTYPE.match(dtype.str):
            raise TypeError(f"save: cannot store the dtype {dtype} at {_at(where)}: only plain dtypes")
        return {"dtype" if isinstance(obj, np.dtype) else "scalar_type": dtype.str}

    @staticmethod
    def _key(key: Any, where: str) -> str | int:
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise TypeError(
                f"save: dict keys must be str or int; {_at(where)} has a key {key!r} "
                f"of type {type(key).__name__}"
            )
        return key


class Reader:
    """Turns nodes back into values, taking each array entry once."""

    def __init__(self, arrays: dict[str, np.ndarray], weights_only: bool, source: str) -> None:
        self.weights_only, self.source = weights_only, source
        self._arrays = arrays
        self._objects: list[Any] = []  # the Tensors and Modules read, by number
        self._open: set[int] = set()  # ids of the Modules being read

    def decode(self, node: Any, depth: int = 0) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if depth >= MAX_DEPTH:
            raise ValueError(f"containers nested more than {MAX_DEPTH} deep")
        if not isinstance(node, dict) or not node:
            raise ValueError(f"a node must be a tagged object, not {node!r:.80}")
        kind, value = next(iter(node.items()))
        if kind == "ref":
            return self._ref(value)
        if kind in ("tensor", "parameter"):
            return self._tensor(Parameter if kind == "parameter" else Tensor, value, node["requires_grad"])
        if kind == "array":
            return self._array(value)
        if kind == "scalar":
            array = self._array(value)
            if array.ndim != 0:
                raise ValueError(f"scalar entry {value!r} has shape {array.shape}")
            return array[()]
        if kind in ("dtype", "scalar_type"):
            if not isinstance(value, str) or not _DTYPE.match(value):
                raise ValueError(f"{value!r:.80} is not a plain dtype")
            return np.dtype(value) if kind == "dtype" else np.dtype(value).type
        if kind == "dict":
            return {self._dict_key(key): self.decode(v, depth + 1) for key, v in _list(value, pairs=True)}
        if kind in ("list", "tuple"):
            items = [self.decode(v, depth + 1) for v in _list(value)]
            return items if kind == "list" else tuple(items)
        if kind == "nn_module":
            return decode_module(node, self, depth + 1)
        raise ValueError(f"unknown node kind {kind!r:.80}")

    def begin(self, module: Module) -> None:
        """Number a Module before reading what it holds, as Writer numbered it."""
        self._objects.append(module)
        self._open.add(id(module))

    def end(self, module: Module) -> None:
        self._open.discard(id(module))

    def _ref(self, number: Any) -> Any:
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < len(self._objects):
            raise ValueError(f"ref {number!r:.80} names no object read before it")
        obj = self._objects[number]
        if id(obj) in self._open:
            raise CheckpointError(
                f"load: {self.source} holds a {type(obj).__name__} inside itself (a cycle): refused"
            )
        return obj

    def _tensor(self, cls: type[Tensor], name: Any, requires_grad: Any) -> Tensor:
        array = self._array(name)
        if array.dtype.kind not in "biuf" or not isinstance(requires_grad, bool):
            raise ValueError(f"a {cls.__name__} of dtype {array.dtype} (requires_grad {requires_grad!r:.20})")
        # As Tensor._make builds one, for Parameter too; the setter refuses gradients for integers.
        tensor = object.__new__(cls)
        tensor._array, tensor.grad, tensor.grad_fn, tensor._requires_grad, tensor._hooks = (
            array, None, None, False, None
        )
        tensor.requires_grad = requires_grad
        self._objects.append(tensor)
        return tensor

    def _array(self, name: Any) -> np.ndarray:
        if not isinstance(name, str) or name not in self._arrays:
            raise ValueError(f"no array entry {name!r:.80}, or it is used twice")
        return self._arrays.pop(name)

    @staticmethod
    def _dict_key(key: Any) -> str | int:
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise ValueError(f"a dict key must be str or int, not {key!r:.80}")
        return key


def _list(value: Any, pairs: bool = False) -> list:
    if not isinstance(value, list) or pairs and not all(isinstance(p, list) and len(p) == 2 for p in value):
        raise ValueError(f"expected a list{' of pairs' if pairs else ''}, not {value!r:.80}")
    return value


def _at(where: str) -> str:
    return where or "the top level"


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)
