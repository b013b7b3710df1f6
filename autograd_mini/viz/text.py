"""The graph behind a tensor as an indented tree of text, for the terminal.

    Mean ()
    └── Mul (3,)
        ├── leaf (3,) [#1]
        └── #1 (see above)

Each node is written once; a node used more than once gets a tag such as [#1] where it is
first written, and every later use refers to it by that tag instead of repeating its subgraph.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Mapping
from typing import TextIO

from autograd_mini.tensor import Tensor
from autograd_mini.viz.graph import collect, format_shape


def format_graph(tensor: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """The tree that print_graph prints, as a string (one line per use of a node)."""
    nodes = collect(tensor, params, caller="print_graph")
    uses = Counter(i for node in nodes for i in node.inputs)
    tags: dict[int, int] = {}  # node index -> its [#k] tag, given where it is first written
    lines = []
    # (node index, what goes before the connector, the connector, the prefix of its children)
    stack = [(0, "", "", "")]
    while stack:
        i, prefix, connector, child_prefix = stack.pop()
        if i in tags:
            lines.append(f"{prefix}{connector}#{tags[i]} (see above)")
            continue
        node = nodes[i]
        text = f"{node.label} {format_shape(node.shape)}"
        if uses[i] > 1:
            tags[i] = len(tags) + 1
            text += f" [#{tags[i]}]"
        lines.append(prefix + connector + text)
        last = len(node.inputs) - 1
        for k in range(last, -1, -1):  # pushed last-first, so the first input comes out next
            stack.append((
                node.inputs[k],
                child_prefix,
                "└── " if k == last else "├── ",
                child_prefix + ("    " if k == last else "│   "),
            ))
    return "\n".join(lines)


def print_graph(
    tensor: Tensor, params: Mapping[str, Tensor] | None = None, file: TextIO | None = None
) -> None:
    """Print the graph behind `tensor` as an indented tree, to `file` (default: stdout): ops with
    their output shapes, down to the leaves, named when `params` (e.g.
    `dict(model.named_parameters())`) holds them.
    """
    print(format_graph(tensor, params), file=sys.stdout if file is None else file)
