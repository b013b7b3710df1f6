"""Module machinery against PyTorch: state dict keys of every container, clip_grad_norm_'s norms
and clipped gradients, and checkpoints saved here loading into PyTorch's modules."""

import io
from collections import OrderedDict

import numpy as np
import pytest

import autograd_mini as am

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")


def build(lib):
    """The same model of every container kind, in either library."""
    nn = lib.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.Tanh())]))
            self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Sequential(nn.Linear(3, 3, bias=False))])
            self.heads = nn.ModuleDict({"cls": nn.Linear(3, 2), "reg": nn.Linear(3, 1)})
            self.scales = nn.ParameterList([nn.Parameter(lib.ones(3)), nn.Parameter(lib.ones(1))])
            self.extra = nn.ParameterDict({"alpha": nn.Parameter(lib.zeros(1))})
            self.register_buffer("running_mean", lib.zeros(3))
            self.register_buffer("scratch", lib.zeros(3), persistent=False)
            self.shared = self.blocks[0]

    return Model()


def test_state_dict_keys_and_walks_match_pytorch():
    ours, theirs = build(am), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_modules(prefix="m")] == [n for n, _ in theirs.named_modules(prefix="m")]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]


def test_sequential_edits_match_pytorch():
    def edited(nn):
        seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
        seq.append(nn.Linear(3, 1))
        seq.insert(1, nn.Linear(2, 2))
        del seq[2]
        seq.extend([nn.Tanh()])
        return list(seq.state_dict()), [n for n, _ in seq.named_children()], len(seq[1:3])

    assert edited(am.nn) == edited(torch.nn)


def test_load_state_dict_errors_are_pytorchs_words():
    def message(lib):
        model = lib.nn.Linear(2, 2)
        with pytest.raises(RuntimeError) as caught:
            model.load_state_dict({"weight": lib.zeros(3), "extra": lib.zeros(1)})
        return str(caught.value)

    assert message(am) == message(torch)


def test_repr_of_linear_and_containers_match_pytorch():
    def text(nn):
        return repr(nn.Sequential(nn.Linear(2, 3), nn.ModuleDict({"a": nn.Linear(3, 1, bias=False)})))

    assert text(am.nn) == text(torch.nn)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_pytorch(norm_type, max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5), rng.standard_normal(())]
    ours = [am.nn.Parameter(np.zeros(g.shape)) for g in grads]
    theirs = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for a, b, g in zip(ours, theirs, grads):
        a.grad, b.grad = am.tensor(g.copy()), torch.tensor(g.copy())
    norm = am.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert norm.shape == tuple(expected.shape) == ()
    np.testing.assert_allclose(norm.item(), expected.item(), rtol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad._array, b.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_and_parameter_vectors_match_pytorch():
    g = np.linspace(-2, 2, 6).reshape(2, 3)
    a, b = am.nn.Parameter(np.zeros((2, 3))), torch.nn.Parameter(torch.zeros(2, 3, dtype=torch.float64))
    a.grad, b.grad = am.tensor(g.copy()), torch.tensor(g.copy())
    am.nn.utils.clip_grad_value_([a], 0.7)
    torch.nn.utils.clip_grad_value_([b], 0.7)
    np.testing.assert_array_equal(a.grad._array, b.grad.numpy())
    vec = np.arange(6.0)
    am.nn.utils.vector_to_parameters(am.tensor(vec), [a])
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), [b])
    np.testing.assert_array_equal(am.nn.utils.parameters_to_vector([a])._array,
                                  torch.nn.utils.parameters_to_vector([b]).detach().numpy())


def test_a_checkpoint_saved_here_loads_into_pytorch_modules():
    ours = build(am)
    ours.running_mean.copy_(am.tensor([1.0, 2.0, 3.0]))
    buffer = io.BytesIO()
    am.save({"epoch": 2, "model": ours.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = am.load(buffer)
    state = {k: torch.from_numpy(v.numpy().copy()) for k, v in checkpoint["model"].items()}
    theirs = build(torch)
    assert theirs.load_state_dict(state) is not None
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    x = np.ones((4, 2), np.float32)
    ours_out = ours.body(am.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours_out, theirs.body(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_buffer_dtypes_after_conversion_match_pytorch():
    def dtypes(lib):
        model = lib.nn.Linear(2, 2)
        model.register_buffer("mean", lib.zeros(2))
        model.register_buffer("count", lib.tensor(0))
        out = []
        for convert in ("double", "half", "float"):
            getattr(model, convert)()
            out.append([str(b.dtype).replace("torch.", "") for b in model.buffers()])
        return out

    assert dtypes(am) == dtypes(torch)


def test_forward_hook_results_replace_args_and_output_as_in_pytorch():
    def run(lib):
        layer = lib.nn.Linear(2, 1)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor([[1.0, 2.0]]))
            layer.bias.fill_(0.5)
        calls = []
        layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        layer.register_forward_pre_hook(lambda m, args: calls.append(args[0].tolist()))
        handle = layer.register_forward_hook(lambda m, args, out: out - 10)
        first = layer(lib.ones(1, 2)).tolist()
        handle.remove()
        return first, layer(lib.ones(1, 2)).tolist(), calls

    assert run(am) == run(torch)
