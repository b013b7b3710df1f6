"""Which handler turns which op class, or which module exported whole, into ONNX nodes.

A handler is `handler(graph, call)`: it emits nodes with graph.node() and returns the name of
each output tensor of the call, in order (a str for one). It raises ExportError, with words
about the op's settings, for a case it does not map; the exporter adds where the op ran.
"""

from __future__ import annotations

from collections.abc import Callable

OPS: dict[type, Callable] = {}  # op class (exactly: a subclass is another op) -> handler
MODULES: dict[type, Callable] = {}  # module class exported as one piece -> handler
HINTS: dict[type, str] = {}  # op class with no handler -> what to do instead, for the error


def handles(*kinds: type, table: dict[type, Callable] = OPS) -> Callable[[Callable], Callable]:
    """Register the decorated handler for these op classes (or, with table=MODULES, modules)."""

    def register(handler: Callable) -> Callable:
        for kind in kinds:
            table[kind] = handler
        return handler

    return register
