"""Modules: registration and naming, printing, modes, gradients, state dicts, containers, the
layers (Linear, activations, Dropout) and weight initialisation."""

import copy
import math
from collections import OrderedDict

import hypothesis.extra.numpy as npst
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import autograd_mini.nn as nn
from autograd_mini.testing import gradcheck


@pytest.fixture(autouse=True)
def _seeded():
    """Weights, dropout masks and inputs drawn the same way on every run."""
    am.manual_seed(0)


class Net(nn.Module):
    """A model with every kind of member: a Sequential, a ModuleList, a Parameter, a plain value."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
        self.layers = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 1, bias=False)])
        self.scale = nn.Parameter(am.ones(1))
        self.label = "not registered"

    def forward(self, x):
        x = self.body(x)
        for layer in self.layers:
            x = layer(x)
        return x * self.scale


NET_PARAMETERS = [  # each module's own first, then its submodules', as in PyTorch
    "scale", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias",
    "layers.0.weight", "layers.0.bias", "layers.1.weight",
]


def mlp():
    return nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1))


# ---- Parameter ------------------------------------------------------------------------------------


def test_parameter_is_a_tensor_that_requires_grad_and_keeps_float_dtype():
    p = nn.Parameter(np.ones((2, 3)))
    assert isinstance(p, am.Tensor) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float64
    assert nn.Parameter([1.0, 2.0]).dtype == np.float32
    assert not nn.Parameter(am.ones(2), requires_grad=False).requires_grad


def test_parameter_copies_its_data():
    source = am.ones(2)
    p = nn.Parameter(source)
    p._array[0] = 5
    assert source._array[0] == 1


def test_integer_parameter_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(np.arange(3))


def test_parameter_repr():
    assert repr(nn.Parameter(am.ones(2))) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"


# ---- registration and naming --------------------------------------------------------------------


def test_named_parameters_use_dotted_names_in_assignment_order():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == NET_PARAMETERS
    assert [p for _, p in net.named_parameters()] == list(net.parameters())
    assert net.body[0].weight is dict(net.named_parameters())["body.0.weight"]


def test_sequential_names_parameters_by_position():
    assert [name for name, _ in mlp().named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_children_and_modules():
    net = Net()
    assert [name for name, _ in net.named_children()] == ["body", "layers"]
    assert list(net.children()) == [net.body, net.layers]
    names = [name for name, _ in net.named_modules()]
    assert names == ["", "body", "body.0", "body.1", "body.2", "layers", "layers.0", "layers.1"]
    assert list(net.modules())[0] is net


def test_shared_parameter_is_listed_once_but_saved_under_each_name():
    first = nn.Linear(2, 2)
    model = nn.Sequential(first, first)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_reassignment_keeps_the_position_and_del_unregisters():
    net = Net()
    replacement = nn.Parameter(am.zeros(1))
    net.scale = replacement
    net.body = nn.Linear(2, 3)
    names = [name for name, _ in net.named_parameters()]
    assert names[:3] == ["scale", "body.weight", "body.bias"]
    assert net.scale is replacement
    del net.scale
    assert "scale" not in dict(net.named_parameters()) and not hasattr(net, "scale")


def test_a_parameter_replaces_a_module_but_not_the_reverse():
    net = Net()
    net.layers = nn.Parameter(am.zeros(2))
    assert "layers" not in dict(net.named_children()) and "layers" in dict(net.named_parameters())
    with pytest.raises(TypeError, match="cannot assign Identity to 'scale', which holds a Parameter"):
        net.scale = nn.Identity()


def test_plain_values_and_tensors_are_not_registered():
    net = Net()
    net.buffer = am.ones(3)
    assert [name for name, _ in net.named_parameters()] == NET_PARAMETERS
    assert net.label == "not registered"


def test_assigning_a_tensor_over_a_parameter_is_refused():
    net = Net()
    with pytest.raises(TypeError, match="'scale'.*Parameter"):
        net.scale = am.ones(1)
    with pytest.raises(TypeError, match="'body'.*Module"):
        net.body = "a string"


def test_none_keeps_a_registered_name_without_a_value():
    layer = nn.Linear(2, 2)
    layer.bias = None
    assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]


def test_assigning_before_init_is_an_error_that_says_what_to_do():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(am.ones(1))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Early()


def test_register_parameter_and_add_module():
    model = nn.Module()
    model.register_parameter("w", nn.Parameter(am.ones(2)))
    model.add_module("head", nn.Linear(2, 1))
    model.register_module("tail", nn.Tanh())
    model.register_parameter("unused", None)
    assert [name for name, _ in model.named_parameters()] == ["w", "head.weight", "head.bias"]
    assert [name for name, _ in model.named_children()] == ["head", "tail"]
    assert model.unused is None


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda m: m.register_parameter("a.b", nn.Parameter(am.ones(1))), KeyError, "'.'"),
        (lambda m: m.register_parameter("", nn.Parameter(am.ones(1))), KeyError, "non-empty"),
        (lambda m: m.register_parameter("w", am.ones(1)), TypeError, "Parameter or None, not Tensor"),
        (lambda m: m.add_module("training", nn.Tanh()), KeyError, "already has an attribute 'training'"),
        (lambda m: m.add_module("m", nn.Parameter(am.ones(1))), TypeError, "Module or None"),
        (lambda m: m.add_module(3, nn.Tanh()), TypeError, "must be a string"),
    ],
)
def test_bad_registrations_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call(nn.Module())


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        nn.Module()(am.ones(1))


# ---- printing ---------------------------------------------------------------------------------------


def test_repr_of_a_sequential_matches_pytorch():
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid())
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=4, bias=True)\n"
        "  (1): Sigmoid()\n"
        ")"
    )


def test_repr_of_a_nested_model_with_repeated_list_entries():
    model = nn.Module()
    model.body = nn.Sequential(nn.Flatten(), nn.Dropout(0.2))
    repeated = [nn.Linear(2, 2) for _ in range(3)]
    model.layers = nn.ModuleList(repeated + [nn.ReLU(), nn.Linear(2, 3, bias=False)])
    assert repr(model) == (
        "Module(\n"
        "  (body): Sequential(\n"
        "    (0): Flatten(start_dim=1, end_dim=-1)\n"
        "    (1): Dropout(p=0.2, inplace=False)\n"
        "  )\n"
        "  (layers): ModuleList(\n"
        "    (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
        "    (3): ReLU()\n"
        "    (4): Linear(in_features=2, out_features=3, bias=False)\n"
        "  )\n"
        ")"
    )


@pytest.mark.parametrize(
    ("module", "text"),
    [
        (nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
        (nn.ReLU(inplace=True), "ReLU(inplace=True)"),
        (nn.Softmax(dim=1), "Softmax(dim=1)"),
        (nn.LogSoftmax(0), "LogSoftmax(dim=0)"),
        (nn.Identity(), "Identity()"),
        (nn.CrossEntropyLoss(reduction="sum"), "CrossEntropyLoss()"),
        (nn.ModuleList(), "ModuleList()"),
    ],
)
def test_repr_of_layers(module, text):
    assert repr(module) == text


# ---- modes and gradients -----------------------------------------------------------------------------


def test_train_and_eval_reach_every_submodule():
    net = Net()
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.layers.train(False)
    assert net.training and not net.layers[0].training


def test_zero_grad_sets_gradients_to_none_or_zeros():
    net = Net()
    net(am.randn(5, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad._array.any() and p.grad.shape == p.shape for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_freezes_parameters():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_visits_submodules_before_the_parent():
    seen = []
    net = Net()
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen[-1] == "Net" and seen.count("Linear") == 4


def test_to_double_converts_parameters_in_place():
    net = Net()
    weight = net.body[0].weight
    net.double()
    assert net.body[0].weight is weight and all(p.dtype == np.float64 for p in net.parameters())
    with pytest.raises(TypeError, match="floating"):
        net.to(np.int64)


# ---- state dicts ---------------------------------------------------------------------------------------


def test_state_dict_holds_detached_values_in_parameter_order():
    net = Net()
    state = net.state_dict()
    assert isinstance(state, OrderedDict) and list(state) == NET_PARAMETERS
    assert all(not t.requires_grad for t in state.values())
    np.testing.assert_array_equal(state["body.0.weight"]._array, net.body[0].weight._array)


def test_state_dict_round_trip_gives_identical_outputs_and_keeps_parameters():
    am.manual_seed(0)
    source = Net()
    am.manual_seed(1)
    target = Net()
    x = am.randn(7, 2)
    assert not np.array_equal(source(x)._array, target(x)._array)
    params = list(target.parameters())
    arrays = [p._array for p in params]
    result = target.load_state_dict(source.state_dict())
    assert result == ([], []) and result.missing_keys == []
    np.testing.assert_array_equal(target(x)._array, source(x)._array)
    assert list(target.parameters()) == params  # same objects: optimizers still hold them
    assert all(p._array is a for p, a in zip(target.parameters(), arrays))


def test_load_state_dict_takes_numpy_arrays_and_casts_to_the_parameter_dtype():
    model = mlp()
    state = {name: np.full(t.shape, 0.5) for name, t in model.state_dict().items()}
    model.load_state_dict(state)
    assert all(p.dtype == np.float32 and (p._array == 0.5).all() for p in model.parameters())


def test_load_state_dict_names_every_problem_at_once_and_loads_nothing():
    model = mlp()
    before = [p._array.copy() for p in model.parameters()]
    state = {name: np.zeros(t.shape) for name, t in model.state_dict().items()}
    del state["0.bias"], state["2.bias"]
    state["0.weight"] = np.zeros((3, 2))
    state["extra.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError) as caught:
        model.load_state_dict(state)
    message = str(caught.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "0.bias", "2.bias".' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in message
    assert (
        "size mismatch for 0.weight: copying a param with shape torch.Size([3, 2]) from checkpoint, "
        "the shape in current model is torch.Size([4, 2])."
    ) in message
    assert all(np.array_equal(p._array, b) for p, b in zip(model.parameters(), before))


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda s: s.pop("2.weight"), 'Missing key\\(s\\) in state_dict: "2.weight"'),
        (lambda s: s.update(bogus=np.zeros(2)), 'Unexpected key\\(s\\) in state_dict: "bogus"'),
        (lambda s: s.update({"2.bias": np.zeros(2)}), "size mismatch for 2.bias"),
        (lambda s: s.update({"2.bias": np.array(["x"])}), "'2.bias' holds <U1 values"),
    ],
)
def test_each_load_error_is_named(edit, words):
    model = mlp()
    state = dict(model.state_dict())
    edit(state)
    with pytest.raises(RuntimeError, match=words):
        model.load_state_dict(state)


def test_non_strict_load_returns_the_keys_and_loads_the_rest():
    source, model = mlp(), mlp()
    state = dict(source.state_dict())
    del state["2.bias"]
    state["extra"] = np.zeros(1)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert (missing, unexpected) == (["2.bias"], ["extra"])
    np.testing.assert_array_equal(model[0].weight._array, source[0].weight._array)
    state["0.bias"] = np.zeros(9)
    with pytest.raises(RuntimeError, match="size mismatch for 0.bias"):
        model.load_state_dict(state, strict=False)


def test_deepcopy_gives_an_independent_model_with_the_same_outputs():
    model = nn.Sequential(nn.Linear(2, 3, bias=False), nn.Tanh())
    clone = copy.deepcopy(model)
    x = am.randn(4, 2)
    np.testing.assert_array_equal(clone(x)._array, model(x)._array)
    assert list(clone.state_dict()) == ["0.weight"]
    assert clone[0].weight is dict(clone.named_parameters())["0.weight"] is not model[0].weight
    clone[0].weight._array[...] = 0
    assert model[0].weight._array.any()


# ---- containers ---------------------------------------------------------------------------------------


def test_sequential_indexing_length_iteration_and_slicing():
    model = mlp()
    assert len(model) == 3 and isinstance(model[1], nn.Sigmoid) and model[-1] is model[2]
    assert list(model) == [model[0], model[1], model[2]]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [model[0], model[1]]
    x = am.randn(4, 2)
    np.testing.assert_array_equal(model(x)._array, model[2](head(x))._array)
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        model[3]


def test_sequential_from_an_ordered_dict_keeps_the_names():
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert [name for name, _ in model.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert model[0] is model.hidden
    model[1] = nn.ReLU()
    assert isinstance(model.act, nn.ReLU)


def test_module_list_append_extend_insert_and_assign():
    layers = nn.ModuleList([nn.Linear(1, 1)])
    layers.append(nn.Tanh()).extend([nn.ReLU(), nn.Sigmoid()])
    layers.insert(1, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Linear", "Identity", "Tanh", "ReLU", "Sigmoid"]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2", "3", "4"]
    layers[-1] = nn.LeakyReLU()
    assert isinstance(layers[4], nn.LeakyReLU) and len(layers) == 5
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2


# ---- Linear ---------------------------------------------------------------------------------------------


def test_linear_weights_have_pytorch_shapes_bounds_and_dtype():
    layer = nn.Linear(50, 40)
    bound = 1 / math.sqrt(50)
    assert layer.weight.shape == (40, 50) and layer.bias.shape == (40,)
    assert layer.weight.dtype == np.float32 == layer.bias.dtype
    for p in (layer.weight, layer.bias):
        assert np.abs(p._array).max() <= bound
        assert np.abs(p._array).max() > 0.9 * bound  # the draws fill the range
    am.set_default_dtype(np.float64)
    assert nn.Linear(2, 3).weight.dtype == np.float64
    assert nn.Linear(2, 3, dtype=np.float32).bias.dtype == np.float32


def test_linear_initialisation_repeats_under_manual_seed():
    am.manual_seed(7)
    first = nn.Linear(3, 2)
    am.manual_seed(7)
    second = nn.Linear(3, 2)
    assert all(np.array_equal(a._array, b._array) for a, b in zip(first.parameters(), second.parameters()))
    assert not np.array_equal(nn.Linear(3, 2).weight._array, second.weight._array)


linear_cases = st.tuples(
    npst.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3),  # batch dims: () means 1-D input
    st.integers(1, 4),
    st.integers(1, 4),
    st.booleans(),
)


@given(linear_cases)
def test_linear_forward_is_x_times_w_transposed_plus_b(case):
    batch, n_in, n_out, bias = case
    layer = nn.Linear(n_in, n_out, bias=bias)
    x = am.randn(*batch, n_in)
    expected = x._array @ layer.weight._array.T + (layer.bias._array if bias else 0)
    y = layer(x)
    assert y.shape == batch + (n_out,)
    np.testing.assert_allclose(y._array, expected, rtol=1e-6, atol=1e-6)


@given(linear_cases)
def test_linear_gradients_match_finite_differences(case):
    batch, n_in, n_out, bias = case
    layer = nn.Linear(n_in, n_out, bias=bias).double()
    x = am.randn(*batch, n_in, dtype=np.float64, requires_grad=True)
    params = list(layer.parameters())

    def run(x, *weights):
        for p, w in zip(params, weights):
            p._array = w._array
        return layer(x)

    assert gradcheck(run, [x, *params])


@pytest.mark.parametrize(
    ("shape", "words"),
    [
        ((5, 3), r"^Linear\(in_features=2, out_features=4\): input has 3 features \(shape \(5, 3\)\), "
         r"expected 2$"),
        ((3,), r"input has 3 features \(shape \(3,\)\)"),
        ((), r"input has no feature dim \(shape \(\)\)"),
    ],
)
def test_linear_names_a_wrong_feature_count(shape, words):
    with pytest.raises(ValueError, match=words):
        nn.Linear(2, 4)(am.randn(*shape))


def test_a_small_model_trains():
    am.manual_seed(0)
    x = am.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = am.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(300):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        for p in model.parameters():
            p._array -= 0.5 * p.grad._array
        losses.append(loss.item())
    assert losses[-1] < 0.05 < losses[0]
    np.testing.assert_array_equal(model(x)._array > 0, y._array > 0.5)


# ---- activation layers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (nn.Tanh(), np.tanh),
        (nn.ReLU(), lambda x: np.maximum(x, 0)),
        (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
        (nn.Softmax(dim=0), lambda x: np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)),
        (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(axis=1, keepdims=True))),
        (nn.Identity(3, key="ignored"), lambda x: x),
        (nn.Flatten(), lambda x: x.reshape(3, -1)),
        (nn.Flatten(0, 1), lambda x: x.reshape(12, 5)),
    ],
)
def test_activation_layers_match_numpy(module, reference):
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    np.testing.assert_allclose(module(am.tensor(x))._array, reference(x), rtol=1e-12)


# ---- Dropout ----------------------------------------------------------------------------------------


def test_dropout_in_eval_mode_is_the_identity():
    x = am.randn(4, 5)
    assert nn.Dropout(0.5).eval()(x) is x


def test_dropout_in_training_zeroes_a_fraction_p_and_scales_the_rest():
    x = am.ones(200, 100, requires_grad=True)
    y = nn.Dropout(0.25)(x)
    kept = y._array != 0
    np.testing.assert_allclose(y._array[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._array, y._array)  # the gradient is the mask


def test_dropout_masks_repeat_under_manual_seed():
    layer, x = nn.Dropout(), am.ones(10, 10)
    am.manual_seed(3)
    first = layer(x)._array
    am.manual_seed(3)
    np.testing.assert_array_equal(layer(x)._array, first)
    assert not np.array_equal(layer(x)._array, first)


def test_dropout_extremes():
    x = am.randn(3, 4)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x)._array, x._array)
    np.testing.assert_array_equal(nn.Dropout(1.0)(x)._array, np.zeros((3, 4)))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_outside_zero_one_is_refused(p):
    with pytest.raises(ValueError, match=f"must lie in \\[0, 1\\], got {p}"):
        nn.Dropout(p)


# ---- init ---------------------------------------------------------------------------------------------


def fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


@pytest.mark.parametrize("shape", [(300, 200), (64, 16, 3, 3)])
def test_uniform_inits_fill_their_pytorch_bounds(shape):
    fan_in, fan_out = fans(shape)
    cases = [
        (lambda t: nn.init.uniform_(t, -2, 3), -2, 3),
        (lambda t: nn.init.xavier_uniform_(t, gain=2), None, 2 * math.sqrt(6 / (fan_in + fan_out))),
        (lambda t: nn.init.kaiming_uniform_(t), None, math.sqrt(2) * math.sqrt(3 / fan_in)),
        (lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)), None, 1 / math.sqrt(fan_in)),
        (lambda t: nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), None,
         math.sqrt(2) * math.sqrt(3 / fan_out)),
    ]
    for fill, low, high in cases:
        low = -high if low is None else low
        t = am.zeros(*shape)
        assert fill(t) is t
        assert low <= t._array.min() < low + 0.005 * (high - low)
        assert high - 0.005 * (high - low) < t._array.max() <= high


@pytest.mark.parametrize("shape", [(400, 300), (64, 32, 3, 3)])
def test_normal_inits_have_their_pytorch_standard_deviations(shape):
    fan_in, fan_out = fans(shape)
    cases = [
        (lambda t: nn.init.normal_(t, 1.5, 0.5), 1.5, 0.5),
        (lambda t: nn.init.xavier_normal_(t, gain=3), 0, 3 * math.sqrt(2 / (fan_in + fan_out))),
        (lambda t: nn.init.kaiming_normal_(t, nonlinearity="tanh"), 0, 5 / 3 / math.sqrt(fan_in)),
        (lambda t: nn.init.kaiming_normal_(t, a=0.2, mode="fan_out"), 0,
         math.sqrt(2 / 1.04) / math.sqrt(fan_out)),
    ]
    for fill, mean, std in cases:
        t = fill(am.zeros(*shape))
        assert abs(t._array.mean() - mean) < 0.02 * std + 1e-3
        assert abs(t._array.std() / std - 1) < 0.02


def test_constant_inits_write_in_place():
    p = nn.Parameter(am.randn(2, 3))
    array = p._array
    assert nn.init.zeros_(p) is p and p._array is array and not array.any()
    assert (nn.init.ones_(p)._array == 1).all()
    assert (nn.init.constant_(p, 0.25)._array == 0.25).all() and p.dtype == np.float32


def test_init_draws_repeat_under_manual_seed():
    am.manual_seed(5)
    first = nn.init.kaiming_normal_(am.zeros(3, 4))._array
    am.manual_seed(5)
    np.testing.assert_array_equal(nn.init.kaiming_normal_(am.zeros(3, 4))._array, first)


def test_calculate_gain_matches_pytorch():
    gains = {"linear": 1, "conv2d": 1, "sigmoid": 1, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75}
    for name, gain in gains.items():
        assert nn.init.calculate_gain(name) == pytest.approx(gain)
    assert nn.init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert nn.init.calculate_gain("leaky_relu", 0.5) == pytest.approx(math.sqrt(2 / 1.25))


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: nn.init.xavier_uniform_(am.zeros(5)), r"2 or more dims.*\(5,\)"),
        (lambda: nn.init.kaiming_normal_(am.zeros(2, 2), mode="fan"), "'fan_in' or 'fan_out', got 'fan'"),
        (lambda: nn.init.calculate_gain("swish"), "unknown nonlinearity 'swish'"),
        (lambda: nn.init.calculate_gain("leaky_relu", "x"), "negative slope 'x' is not a number"),
    ],
)
def test_init_errors_are_named(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_empty_weights_initialise_without_error():
    assert nn.init.kaiming_uniform_(am.zeros(0, 3)).shape == (0, 3)
    assert nn.init.xavier_normal_(am.zeros(0, 0)).shape == (0, 0)
    assert nn.Linear(0, 2)(am.zeros(4, 0)).shape == (4, 2)
