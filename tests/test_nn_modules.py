"""Module machinery: containers, buffers, hooks, walking the tree, repr, freezing, nn.utils."""

from collections import OrderedDict

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


class Normalizer(nn.Module):
    """A module with a persistent and a non-persistent buffer, as batch norm has."""

    def __init__(self, n=3):
        super().__init__()
        self.scale = nn.Parameter(np.ones(n))
        self.register_buffer("running_mean", am.zeros(n, dtype=am.float64))
        self.register_buffer("count", am.tensor(0))
        self.register_buffer("scratch", am.zeros(n, dtype=am.float64), persistent=False)

    def forward(self, x):
        self.running_mean = 0.9 * self.running_mean + 0.1 * x.detach().mean(0)
        return (x - self.running_mean) * self.scale


# ---- containers ---------------------------------------------------------------------------------


def test_sequential_append_insert_extend_del_and_slices():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    seq.append(nn.Linear(3, 1)).extend([nn.Sigmoid()])
    seq.insert(1, nn.Identity())
    assert [type(m).__name__ for m in seq] == ["Linear", "Identity", "ReLU", "Linear", "Sigmoid"]
    del seq[1]
    assert len(seq) == 4 and [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    del seq[-2:]
    assert len(seq) == 2 and isinstance(seq[1], nn.ReLU)
    assert isinstance(seq[0:1], nn.Sequential)
    layers = nn.ModuleList([nn.Linear(1, 1), nn.Tanh(), nn.ReLU()])
    assert isinstance(layers.pop(1), nn.Tanh) and [n for n, _ in layers.named_children()] == ["0", "1"]


def test_sequential_slice_keeps_ordered_dict_names():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh()), ("out", nn.Linear(2, 1))]))
    assert [n for n, _ in seq[1:].named_children()] == ["act", "out"]
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias", "out.weight", "out.bias"]


def test_module_dict_has_the_dict_api_in_insertion_order():
    heads = nn.ModuleDict({"b": nn.Linear(2, 1), "a": nn.Linear(2, 2)})
    heads["c"] = nn.Tanh()
    heads.update([("d", nn.ReLU())])
    assert list(heads) == list(heads.keys()) == ["b", "a", "c", "d"] and len(heads) == 4
    assert "a" in heads and "z" not in heads and heads["a"] is heads.a
    assert [type(m).__name__ for m in heads.values()] == ["Linear", "Linear", "Tanh", "ReLU"]
    assert [k for k, _ in heads.items()] == ["b", "a", "c", "d"]
    popped = heads.pop("b")
    assert isinstance(popped, nn.Linear) and "b" not in heads and not hasattr(heads, "b")
    assert list(heads.state_dict()) == ["a.weight", "a.bias"]
    with pytest.raises(KeyError):
        heads["b"]
    heads.clear()
    assert len(heads) == 0 and list(heads.parameters()) == []


def test_parameter_list_and_dict_register_their_parameters():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList([nn.Parameter(np.ones(2)), am.zeros(3)])
            self.extra = nn.ParameterDict({"alpha": nn.Parameter(np.array(1.0))})
            self.extra["beta"] = am.ones(1)

    model = Model()
    assert list(model.state_dict()) == ["weights.0", "weights.1", "extra.alpha", "extra.beta"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    assert len(model.weights) == 2 and model.weights[-1].shape == (3,)
    model.weights.append(nn.Parameter(np.ones(4)))
    assert [p.shape for p in model.weights] == [(2,), (3,), (4,)]
    assert list(model.extra) == ["alpha", "beta"] and "beta" in model.extra
    assert model.extra.pop("alpha").shape == ()
    assert list(model.state_dict())[-1] == "extra.beta" and len(list(model.parameters())) == 4
    assert "(0): Parameter containing: [torch.float64 of size 2]" in repr(model.weights)


# ---- buffers --------------------------------------------------------------------------------------


def test_buffers_are_in_state_dict_unless_non_persistent():
    model = nn.Sequential(Normalizer(), nn.Linear(3, 1))
    assert list(model.state_dict()) == ["0.scale", "0.running_mean", "0.count", "1.weight", "1.bias"]
    assert [n for n, _ in model.named_buffers()] == ["0.running_mean", "0.count", "0.scratch"]
    assert len(list(model.buffers())) == 3
    assert [n for n, _ in model.named_parameters()] == ["0.scale", "1.weight", "1.bias"]


def test_assigning_to_a_buffer_name_updates_the_buffer_and_load_restores_it():
    norm = Normalizer()
    norm(am.tensor(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_allclose(norm._buffers["running_mean"]._array, [0.15, 0.25, 0.35])
    fresh = Normalizer()
    fresh.load_state_dict(norm.state_dict())
    np.testing.assert_allclose(fresh.running_mean._array, [0.15, 0.25, 0.35])
    with pytest.raises(TypeError, match="buffer 'running_mean'"):
        norm.running_mean = 3.0
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "running_mean"'):
        fresh.load_state_dict({"scale": np.ones(3), "count": np.array(0)})


def test_dtype_conversion_reaches_floating_buffers_only():
    norm = Normalizer().float()
    assert norm.running_mean.dtype == np.float32 and norm.count.dtype == np.int64
    assert norm.scratch.dtype == np.float32 and norm.scale.dtype == np.float32
    norm.half()
    assert norm.running_mean.dtype == np.float16 and norm.count.dtype == np.int64
    norm.double()
    assert norm.running_mean.dtype == np.float64


def test_register_buffer_errors():
    norm = Normalizer()
    with pytest.raises(TypeError, match="must be a Tensor"):
        norm.register_buffer("bad", [1, 2])
    with pytest.raises(KeyError, match="already has an attribute 'scale'"):
        norm.register_buffer("scale", am.zeros(1))
    del norm.running_mean
    assert "running_mean" not in dict(norm.named_buffers())


# ---- walking the tree ------------------------------------------------------------------------------


def test_named_modules_lists_a_shared_module_once_with_prefix():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_modules(prefix="net")] == ["net", "net.0", "net.1"]
    assert len(list(model.named_modules(remove_duplicate=False))) == 4
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_get_submodule_and_get_parameter():
    model = nn.Sequential(OrderedDict([("enc", nn.ModuleList([nn.Linear(2, 3), nn.Tanh()]))]))
    assert model.get_submodule("enc.0") is model.enc[0] and model.get_submodule("") is model
    assert model.get_parameter("enc.0.bias") is model.enc[0].bias
    with pytest.raises(AttributeError, match="ModuleList has no attribute `5`"):
        model.get_submodule("enc.5")
    with pytest.raises(AttributeError, match="`in_features` is not an nn.Parameter"):
        model.get_parameter("enc.0.in_features")


def test_repr_shows_extra_repr_of_linear():
    model = nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU())
    assert repr(model) == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=False)\n  (1): ReLU()\n)"
    )


# ---- hooks -------------------------------------------------------------------------------------------


def test_forward_hooks_see_and_may_replace_args_and_output():
    layer = nn.Linear(2, 2)
    seen = []
    handle = layer.register_forward_hook(lambda m, args, out: seen.append((m, args[0].shape, out.shape)))
    x = am.ones(4, 2)
    layer(x)
    assert seen == [(layer, (4, 2), (4, 2))]
    handle.remove()
    layer(x)
    assert len(seen) == 1
    with layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,)):
        np.testing.assert_allclose(layer(x)._array, np.broadcast_to(layer.bias._array, (4, 2)))
        with layer.register_forward_hook(lambda m, args, out: out + 1):
            np.testing.assert_allclose(layer(x)._array, np.broadcast_to(layer.bias._array + 1, (4, 2)))
    assert not layer._forward_hooks and not layer._forward_pre_hooks


# ---- freezing, modes, grads --------------------------------------------------------------------------


def test_freezing_a_submodule_keeps_its_weights_out_of_backward():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    model[0].requires_grad_(False)
    model(am.ones(3, 2)).sum().backward()
    assert model[0].weight.grad is None and model[1].weight.grad is not None
    model.zero_grad(set_to_none=False)
    assert (model[1].weight.grad._array == 0).all()
    model.zero_grad()
    assert model[1].weight.grad is None


def test_train_eval_and_apply_reach_containers():
    model = nn.ModuleDict({"a": nn.Sequential(nn.Dropout(0.5))})
    model.eval()
    assert not model["a"][0].training
    names = []
    model.apply(lambda m: names.append(type(m).__name__))
    assert names == ["Dropout", "Sequential", "ModuleDict"]


# ---- nn.utils --------------------------------------------------------------------------------------------


def _with_grads(*grads):
    params = [nn.Parameter(np.zeros(np.shape(g))) for g in grads]
    for p, g in zip(params, grads):
        p.grad = am.tensor(np.array(g, dtype=np.float64))
    return params


@pytest.mark.parametrize(
    ("norm_type", "total"), [(2.0, 13.0), (1.0, 3 + 4 + 12), (float("inf"), 12.0), ("inf", 12.0)]
)
def test_clip_grad_norm_returns_the_total_norm_and_scales(norm_type, total):
    params = _with_grads([3.0, -4.0], [[12.0]])
    norm = nn.utils.clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert norm.shape == () and np.isclose(norm.item(), total)
    scale = 1.0 / (total + 1e-6)
    np.testing.assert_allclose(params[0].grad._array, [3 * scale, -4 * scale])
    untouched = _with_grads([0.3, 0.4])
    assert np.isclose(nn.utils.clip_grad_norm_(untouched, 1.0).item(), 0.5)
    np.testing.assert_array_equal(untouched[0].grad._array, [0.3, 0.4])


def test_clip_grad_norm_non_finite():
    params = _with_grads([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 for gradients .* is non-finite"):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert np.isinf(nn.utils.clip_grad_norm_(params, 1.0).item())


def test_clip_grad_value_and_parameter_vectors():
    params = _with_grads([3.0, -0.5], [[-4.0]])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad._array, [1.0, -0.5])
    np.testing.assert_array_equal(params[1].grad._array, [[-1.0]])
    layer = nn.Linear(2, 3)
    vec = nn.utils.parameters_to_vector(layer.parameters())
    assert vec.shape == (9,)
    np.testing.assert_array_equal(vec._array[:6], layer.weight._array.ravel())
    nn.utils.vector_to_parameters(am.arange(9.0), layer.parameters())
    np.testing.assert_array_equal(layer.bias._array, [6.0, 7.0, 8.0])
    with pytest.raises(RuntimeError, match="the parameters need \\(9,\\)"):
        nn.utils.vector_to_parameters(am.zeros(4), layer.parameters())


def test_state_dict_prefix_keep_vars_and_parameter_over_buffer():
    norm = Normalizer()
    state = norm.state_dict(prefix="norm.", keep_vars=True)
    assert list(state) == ["norm.scale", "norm.running_mean", "norm.count"]
    assert state["norm.scale"] is norm.scale
    norm.running_mean = nn.Parameter(np.zeros(3))
    assert "running_mean" not in dict(norm.named_buffers())
    assert [n for n, _ in norm.named_parameters()] == ["scale", "running_mean"]
