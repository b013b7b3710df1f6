"""Export to ONNX, as torch.onnx.export: `am.onnx.export(model, example_input, "model.onnx")`.

The exporter records one forward pass (trace.py), turns each op that ran into standard ONNX
ops (elementwise.py, shape.py, layers.py; modules.py for the modules exported whole, such as
pooling and the LSTM), and checks the model with onnx's checker before writing it (graph.py,
export.py). It needs the onnx package, and ONNX Runtime to run what it wrote:
`pip install 'autograd_mini[onnx]'`; importing this package needs neither.
"""

from autograd_mini.onnx import elementwise, layers, modules, shape  # noqa: F401  (they register the handlers)
from autograd_mini.onnx.export import export
from autograd_mini.onnx.trace import ExportError

__all__ = ["ExportError", "export"]
