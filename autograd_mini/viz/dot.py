"""The graph behind a tensor as Graphviz DOT source (`to_dot`), and rendered to a file (`draw`).

`to_dot` needs nothing beyond autograd_mini; `draw` needs the optional `graphviz` Python package
and Graphviz's `dot` program, and says how to install them when either is missing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from autograd_mini.tensor import Tensor
from autograd_mini.viz.graph import GraphNode, collect, format_shape

# How each kind of node looks: ops are boxes, leaves ellipses; constants are dashed.
_STYLES = {
    "op": 'shape=box, style="rounded,filled", fillcolor="#dce8f5"',
    "parameter": 'shape=ellipse, style=filled, fillcolor="#d9f2d9"',
    "leaf": 'shape=ellipse, style=filled, fillcolor="#fff2cc"',
    "constant": 'shape=ellipse, style=dashed, color="#888888"',
}
_FORMATS = ("svg", "png", "pdf")
_INSTALL_HINT = (
    "pip install graphviz (or pip install 'autograd_mini[viz]'), plus the Graphviz programs from "
    "https://graphviz.org/download/ (e.g. apt install graphviz, or brew install graphviz)"
)


class MissingGraphvizError(RuntimeError):
    """draw() needs the graphviz Python package and the Graphviz `dot` program."""


def to_dot(tensor: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """Graphviz DOT source for the graph behind `tensor`.

    One node per op (its name and output shape) and per leaf tensor (its shape, and its name when
    `params`, e.g. `dict(model.named_parameters())`, holds it); an edge from each input to the op
    that used it. The output tensor's node has a bold outline. Call it before `backward()`,
    which frees the graph (or pass `retain_graph=True` to backward).
    """
    nodes = collect(tensor, params, caller="to_dot")
    lines = ["digraph autograd {", '  node [fontname="Helvetica", fontsize=11];']
    lines += [f"  {_node_statement(node)}" for node in nodes]
    lines += [f"  n{i} -> n{node.index};" for node in nodes for i in node.inputs]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_statement(node: GraphNode) -> str:
    label = _quote(f"{node.label}\n{format_shape(node.shape)}")
    bold = ", penwidth=2" if node.index == 0 else ""
    return f"n{node.index} [label={label}, {_STYLES[node.kind]}{bold}];"


def _quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def draw(tensor: Tensor, path: str | os.PathLike, params: Mapping[str, Tensor] | None = None) -> str:
    """Render the graph behind `tensor` to `path` (.svg, .png or .pdf); return the path.

    Raises MissingGraphvizError, saying what to install, when the `graphviz` package or the
    `dot` program is missing.
    """
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower()
    if fmt not in _FORMATS:
        raise ValueError(f"draw: cannot tell the format from {path!r}; end the path in .svg, .png or .pdf")
    source = to_dot(tensor, params)
    try:
        import graphviz
    except ImportError:
        raise MissingGraphvizError(f"draw needs the graphviz Python package: {_INSTALL_HINT}") from None
    try:
        image = graphviz.Source(source).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise MissingGraphvizError(
            f"draw needs Graphviz's 'dot' program on the PATH: {_INSTALL_HINT}"
        ) from None
    with open(path, "wb") as file:
        file.write(image)
    return path
