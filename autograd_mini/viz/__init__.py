"""See the graph behind a tensor and what backward does with it.

- `to_dot(tensor, params)`: Graphviz DOT source of the graph; `draw(tensor, path, params)`
  renders it to .svg/.png/.pdf (needs `pip install graphviz` and Graphviz's `dot` program).
- `print_graph(tensor, params)`: the same graph as an indented tree of text.
- `trace()`: `with trace() as t: loss.backward()` records each backward step; `print(t)`.
- `print_trace(compiled)` / `format_trace(compiled)`: what a step compiled with
  `autograd_mini.compile` has become, the flat list of NumPy calls its replays run.

`params` is a dict of names to tensors, e.g. `dict(model.named_parameters())`, to label leaves.
"""

from autograd_mini.viz.compiled import format_trace, print_trace
from autograd_mini.viz.dot import MissingGraphvizError, draw, to_dot
from autograd_mini.viz.text import format_graph, print_graph
from autograd_mini.viz.trace import Step, Trace, trace

__all__ = [
    "MissingGraphvizError", "Step", "Trace", "draw", "format_graph", "format_trace", "print_graph",
    "print_trace", "to_dot", "trace",
]
