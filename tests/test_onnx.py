"""ONNX export: the examples' models, every mapped op and the refusals, checked with onnx's
checker and run by ONNX Runtime against our own forward pass."""

import io

import numpy as np
import pytest
from example_models import MODELS, build, example_input

import autograd_mini as am
from autograd_mini import function, nn
from autograd_mini.nn import functional as F
from autograd_mini.onnx.trace import tensors_in

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}
BATCH_AXIS = {"mlp": 0, "cnn": 0, "lenet": 0, "lstm": 1, "gpt": 0}  # the LSTM reads (L, N)


def exported(model, args, **options):
    """(the ModelProto, an ONNX Runtime session of it), after onnx's full check."""
    buffer = io.BytesIO()
    am.onnx.export(model, args, buffer, **options)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    return proto, ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])


def agree(model, session, *inputs):
    """ONNX Runtime's outputs equal ours, in dtype, shape and value."""
    with am.no_grad():
        ours = [t.numpy() for t in tensors_in(model(*inputs))]
    feeds = {i.name: x.numpy() for i, x in zip(session.get_inputs(), inputs)}
    theirs = session.run(None, feeds)
    assert len(theirs) == len(ours)
    for mine, reference in zip(ours, theirs):
        assert mine.dtype == reference.dtype and mine.shape == reference.shape
        np.testing.assert_allclose(reference, mine, **TOLERANCE)


@pytest.mark.parametrize("name", list(MODELS))
def test_the_examples_models_run_in_onnx_runtime_with_a_symbolic_batch(name, tmp_path):
    model = build(name)
    path = tmp_path / f"{name}.onnx"
    axis = BATCH_AXIS[name]
    am.onnx.export(model, example_input(name, batch=2), str(path), input_names=["x"],
                   output_names=["logits"] + (["h", "c"] if name == "lstm" else []),
                   dynamic_axes={"x": {axis: "batch"}, "logits": {axis: "batch"}})
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[axis].dim_param == "batch" and all(d.dim_value for i, d in enumerate(dims) if i != axis)
    assert proto.graph.output[0].type.tensor_type.shape.dim[axis].dim_param == "batch"
    initializers = {i.name for i in proto.graph.initializer}
    assert {n for n, _ in model.named_parameters() if "lstm" not in n} <= initializers
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (2, 5, 1):
        agree(model, session, example_input(name, batch=batch))


def test_without_dynamic_axes_the_shapes_are_fixed():
    model = build("mlp")
    proto, session = exported(model, example_input("mlp", 3))
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [3, 2]
    assert [i.name for i in session.get_inputs()] == ["input_0"]
    assert [o.name for o in session.get_outputs()] == ["output_0"]
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        session.run(None, {"input_0": np.zeros((4, 2), np.float32)})


class Ops(nn.Module):
    """Applies one function to its inputs: a model around each case of the op table."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.linear = nn.Linear(4, 4)

    def forward(self, *xs):
        return self.fn(*xs)


OTHER = am.from_numpy(np.linspace(-1.0, 1.0, 4, dtype=np.float32))
CASES = {
    "arithmetic": lambda x: (x + 1) * 2 - x / 3 + x**2 - (-x) + 2 ** x.clamp(-1, 1),
    "exp-log": lambda x: x.exp() + (x.abs() + 1).log() + (x.abs() + 1).log2() + (x.abs() + 1).log10(),
    "log1p-expm1": lambda x: x.abs().log1p() + x.expm1(),
    "powers": lambda x: (x.abs() + 1).sqrt() + (x.abs() + 1).rsqrt() + x.square()
    + (x.abs() + 1).reciprocal(),
    "trigonometric": lambda x: x.sin() + x.cos() + x.tanh() + x.atan() + (x / 4).asin() + (x / 4).acos()
    + (x / 4).tan() + (x / 4).sinh() + (x / 4).cosh(),
    "activations": lambda x: x.sigmoid() + x.relu() + F.leaky_relu(x, 0.1) + F.elu(x) + F.selu(x)
    + F.softplus(x) + F.softplus(x, beta=2.0) + F.silu(x) + F.mish(x) + F.softsign(x)
    + F.logsigmoid(x) + F.hardtanh(x) + F.hardsigmoid(x) + F.hardswish(x),
    "gelu": lambda x: F.gelu(x) + F.gelu(x, approximate="tanh"),
    "rounding": lambda x: (x * 3).floor() + (x * 3).ceil() + (x * 3).round() + (x * 3).round(decimals=1)
    + x.sign() + x.abs(),
    "special": lambda x: x.erf(),
    "clamp": lambda x: x.clamp(-0.5, 0.5) + x.clamp(min=0.1) + am.maximum(x, OTHER) + am.minimum(x, OTHER),
    "where-cast": lambda x: am.where(x > 0, x, OTHER) + (x > 0).float() + x.double().float(),
    "reductions": lambda x: x.sum() + x.sum(1, keepdim=True) + x.mean(0) + x.mean((0, 1)) + x.amax(1)[:, None]
    + x.amin(0),
    "softmax": lambda x: F.softmax(x, dim=-1) + F.log_softmax(x, dim=0),
    "shape": lambda x: x.reshape(4, 3).t().reshape(-1)[:, None].transpose(0, 1).flatten()[None].expand(2, 12),
    "indexing": lambda x: am.cat([x[0], x[-1], x[1, 1:3], x[:, 0], x[..., ::2].flatten(), x[::-1, -1]]),
    "stack-cat": lambda x: am.stack([x, x * 2], dim=1).sum(1) + am.cat([x, x], 0)[:3] + x.clone(),
    "linear-matmul": lambda x: Ops.layer(x) @ x.t(),
    "functional-pooling": lambda x: F.avg_pool1d(x[None], 2)[0].sum(1)
    + F.adaptive_avg_pool2d(x[None], (2, 3)).sum(),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_mapped_op_agrees_with_onnx_runtime(case):
    model = Ops(CASES[case])
    Ops.layer = nn.Linear(4, 4)
    x = am.from_numpy(np.random.default_rng(1).uniform(-2, 2, (3, 4)).astype(np.float32))
    _, session = exported(model, x)
    agree(model, session, x)


def test_float64_models_export_in_float64():
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    x = am.randn(4, 3, dtype=am.float64)
    proto, session = exported(model, x)
    assert proto.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    agree(model, session, x)


def test_batch_norm_pooling_and_a_later_opset():
    am.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=1), nn.BatchNorm2d(4), nn.GELU(),
        nn.MaxPool2d(3, stride=1, padding=1), nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False),
        nn.Conv2d(4, 4, 1, groups=2), nn.AdaptiveAvgPool2d((2, 1)), nn.Flatten(), nn.BatchNorm1d(8),
    )
    with am.no_grad():  # running statistics of their own, not the defaults
        model.train()
        model(am.randn(8, 2, 9, 9))
    model.eval()
    x = am.randn(3, 2, 9, 9)
    for opset in (17, 20):
        proto, session = exported(model, x, opset_version=opset, dynamic_axes={"input_0": [0]})
        assert "Gelu" in {n.op_type for n in proto.graph.node} or opset < 20
        agree(model, session, x)
        agree(model, session, am.randn(6, 2, 9, 9))
    assert model[1].training is False


def test_one_dimensional_pooling():
    model = nn.Sequential(nn.MaxPool1d(2), nn.AvgPool1d(3, stride=1, padding=1), nn.AdaptiveAvgPool1d(1))
    x = am.randn(2, 3, 8)
    _, session = exported(model, x)
    agree(model, session, x)


class Recurrent(nn.Module):
    def __init__(self, **options):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, **options)

    def forward(self, x, h, c):
        out, (h, c) = self.lstm(x, (h, c))
        return out, h, c


@pytest.mark.parametrize("options", [dict(num_layers=2, batch_first=True, bidirectional=True),
                                     dict(bias=False), dict(num_layers=3, dropout=0.5)])
def test_lstm_with_initial_state_and_every_layout(options):
    am.manual_seed(0)
    model = Recurrent(**options).train()  # exported in eval mode, without dropout
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    batch_axis = 0 if options.get("batch_first") else 1

    def inputs(n):
        shape = (n, 4, 3) if batch_axis == 0 else (4, n, 3)
        return am.randn(*shape), am.randn(layers, n, 5), am.randn(layers, n, 5)

    _, session = exported(model, inputs(2), input_names=["x", "h0", "c0"],
                          dynamic_axes={"x": {batch_axis: "n"}, "h0": {1: "n"}, "c0": {1: "n"}})
    assert model.training
    model.eval()
    agree(model, session, *inputs(2))
    agree(model, session, *inputs(7))


def test_an_lstm_given_its_state_by_keyword_is_refused():
    class ByKeyword(Recurrent):
        def forward(self, x, h, c):
            return self.lstm(x, hx=(h, c))[0]

    am.manual_seed(0)
    with pytest.raises(am.onnx.ExportError, match="LSTM at lstm .* by keyword.* pass them by position"):
        am.onnx.export(ByKeyword(), (am.randn(4, 2, 3), am.randn(1, 2, 5), am.randn(1, 2, 5)), io.BytesIO())


def test_lstm_cell_and_a_model_that_detaches():
    am.manual_seed(0)
    cell = nn.LSTMCell(3, 4)

    class Step(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = cell

        def forward(self, x):
            h, c = self.cell(x.detach())
            return h + c

    model = Step()
    _, session = exported(model, am.randn(2, 3))
    agree(model, session, am.randn(2, 3))


class Block(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Outer(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 3), Block(fn))

    def forward(self, x):
        return self.body(x)


def test_an_op_with_no_mapping_is_named_with_its_module_path():
    with pytest.raises(am.onnx.ExportError, match=r"the op Cumsum \(at body.1 \(Block\)\) has no ONNX"):
        am.onnx.export(Outer(lambda x: x.cumsum(0)), am.randn(2, 3), io.BytesIO())
    with pytest.raises(am.onnx.ExportError, match=r"the op RmsNorm \(at body.1 \(RMSNorm\)\)"):
        model = Outer(None)
        model.body[1] = nn.RMSNorm(3)
        am.onnx.export(model, am.randn(2, 3), io.BytesIO())


def test_functional_pooling_says_to_use_the_module():
    with pytest.raises(am.onnx.ExportError, match=r"Indices \(at body.1 \(Block\)\) .* nn.MaxPool1d"):
        am.onnx.export(Outer(lambda x: F.max_pool1d(x[None], 3)), am.randn(2, 3), io.BytesIO())


def test_what_a_mapping_refuses_is_said_with_the_module_path():
    index = am.tensor([0, 2])
    with pytest.raises(am.onnx.ExportError, match=r"GetItem at body.1 \(Block\): indexing with a ndarray"):
        am.onnx.export(Outer(lambda x: x[:, index]), am.randn(2, 3), io.BytesIO())
    with pytest.raises(am.onnx.ExportError, match="MaxPool1d at 0 .*return_indices"):
        am.onnx.export(nn.Sequential(nn.MaxPool1d(2, return_indices=True)), am.randn(1, 2, 4), io.BytesIO())


def test_a_constant_that_depends_on_the_batch_is_refused_with_dynamic_axes():
    model = Outer(lambda x: x + am.ones(x.shape[0], 3))
    am.onnx.export(model, am.randn(2, 3), io.BytesIO())  # fixed shapes: the constant is fine
    message = r"Add at body.1 \(Block\) takes a constant of shape \(2, 3\) .* dynamic axes \(\(3, 3\)"
    with pytest.raises(am.onnx.ExportError, match=message):
        am.onnx.export(model, am.randn(2, 3), io.BytesIO(), dynamic_axes={"input_0": [0]})


def test_names_given_by_the_user_stay_theirs():
    model = Outer(lambda x: x + 1)
    proto, session = exported(model, am.randn(2, 3), input_names=["gemm"], output_names=["add"])
    assert [i.name for i in proto.graph.input] == ["gemm"] and [o.name for o in proto.graph.output] == ["add"]
    agree(model, session, am.randn(2, 3))


def test_bad_names_and_axes_are_refused():
    model, x = build("mlp"), example_input("mlp")
    with pytest.raises(ValueError, match="2 input_names .* for 1 input tensors"):
        am.onnx.export(model, x, io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(ValueError, match=r"dynamic_axes names \['y'\], which are neither inputs"):
        am.onnx.export(model, x, io.BytesIO(), dynamic_axes={"y": [0]})
    with pytest.raises(ValueError, match="dynamic axis 2 of 'input_0', an input of shape"):
        am.onnx.export(model, x, io.BytesIO(), dynamic_axes={"input_0": [2]})


def test_export_restores_training_and_the_op_observer(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model.train()
    _, session = exported(model, am.randn(3, 2))
    assert model.training and model[1].training and function.observer is None
    model.eval()
    agree(model, session, am.randn(3, 2))

    def broken(x):
        raise ValueError("forward failed")

    failing = Outer(broken)
    with pytest.raises(ValueError, match="forward failed"):
        am.onnx.export(failing, am.randn(2, 3), tmp_path / "m.onnx")
    assert function.observer is None and not list(tmp_path.iterdir())
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in failing.modules())


def test_export_without_onnx_says_what_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install onnx onnxruntime .*autograd_mini\[onnx\]"):
        am.onnx.export(build("mlp"), example_input("mlp"), io.BytesIO())
