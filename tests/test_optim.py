"""Optimizers against their update rules written out in NumPy, plus groups, state and errors."""

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.optim import SGD, Adam, AdamW, Optimizer, RMSprop
from autograd_mini.optim.lr_scheduler import CosineAnnealingLR, StepLR
from autograd_mini.serialization import load, save

STEPS = 6
SHAPES = [(3, 2), ()]  # a matrix and a 0-d parameter


# ---- the update rules, as PyTorch documents them, one whole step per call ----------------------


def sgd_rule(p, g, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    if momentum:
        b = state.get("b")
        b = g.copy() if b is None else momentum * b + (1 - dampening) * g
        state["b"] = b
        g = g + momentum * b if nesterov else b
    return p - lr * g


def adam_rule(
    p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
    decoupled=False,
):
    beta1, beta2 = betas
    t = state["t"] = state.get("t", 0) + 1
    g = -g if maximize else g
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g**2
    if amsgrad:
        v = state["v_max"] = np.maximum(state.get("v_max", 0.0), v)
    return p - lr / (1 - beta1**t) * m / (np.sqrt(v) / math.sqrt(1 - beta2**t) + eps)


def adamw_rule(p, g, state, lr, weight_decay=1e-2, **options):
    return adam_rule(p, g, state, lr, weight_decay=weight_decay, decoupled=True, **options)


def rmsprop_rule(
    p, g, state, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False
):
    g = -g if maximize else g
    g = g + weight_decay * p
    v = state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g**2
    if centered:
        g_avg = state["g_avg"] = alpha * state.get("g_avg", 0.0) + (1 - alpha) * g
        avg = np.sqrt(v - g_avg**2) + eps
    else:
        avg = np.sqrt(v) + eps
    if momentum:
        b = state["b"] = momentum * state.get("b", 0.0) + g / avg
        return p - lr * b
    return p - lr * g / avg


CASES = [
    (SGD, sgd_rule, {"lr": 0.1}),
    (SGD, sgd_rule, {"lr": 0.1, "momentum": 0.9}),
    (SGD, sgd_rule, {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    (SGD, sgd_rule, {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    (SGD, sgd_rule, {"lr": 0.1, "weight_decay": 0.2, "maximize": True}),
    (SGD, sgd_rule, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.2, "maximize": True}),
    (Adam, adam_rule, {"lr": 0.1}),
    (Adam, adam_rule, {"lr": 0.1, "betas": (0.5, 0.8), "eps": 1e-3}),
    (Adam, adam_rule, {"lr": 0.1, "weight_decay": 0.2, "maximize": True}),
    (Adam, adam_rule, {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    (AdamW, adamw_rule, {"lr": 0.1}),
    (AdamW, adamw_rule, {"lr": 0.1, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
    (RMSprop, rmsprop_rule, {"lr": 0.01}),
    (RMSprop, rmsprop_rule, {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "maximize": True}),
    (RMSprop, rmsprop_rule, {"lr": 0.01, "centered": True}),
    (RMSprop, rmsprop_rule, {"lr": 0.01, "momentum": 0.9}),
    (RMSprop, rmsprop_rule, {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
]
CASE_IDS = [f"{cls.__name__}-{options}" for cls, _, options in CASES]


def _run(cls, options, dtype, steps=STEPS):
    """Run the optimizer on parameters of SHAPES with fixed random gradients.

    Returns the initial values, the gradients, the parameters after each step, and the optimizer.
    """
    rng = np.random.default_rng(0)
    initial = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    params = [am.tensor(x, requires_grad=True) for x in initial]
    opt = cls(params, **options)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = am.tensor(g)
        opt.step()
        history.append([p._array.copy() for p in params])
    return initial, grads, history, opt


def _reference(rule, options, initial, grads):
    states = [{} for _ in initial]
    values = [x.astype(np.float64) for x in initial]
    history = []
    for step_grads in grads:
        values = [rule(p, g.astype(np.float64), s, **options) for p, g, s in zip(values, step_grads, states)]
        history.append(values)
    return history


@pytest.mark.parametrize("cls, rule, options", CASES, ids=CASE_IDS)
def test_update_rule_matches_numpy_formula_in_float64(cls, rule, options):
    initial, grads, history, _ = _run(cls, options, np.float64)
    expected = _reference(rule, options, initial, grads)
    for step, (got, want) in enumerate(zip(history, expected)):
        for p, w in zip(got, want):
            np.testing.assert_allclose(p, w, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("cls, rule, options", CASES, ids=CASE_IDS)
def test_float32_parameters_and_state_stay_float32(cls, rule, options):
    initial, grads, history, opt = _run(cls, options, np.float32)
    expected = _reference(rule, options, initial, grads)
    for p, w in zip(history[-1], expected[-1]):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p, w, rtol=1e-4, atol=1e-5)
    for state in opt.state.values():
        for key, value in state.items():
            assert not isinstance(value, np.ndarray) or value.dtype == np.float32, key


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop])
def test_step_updates_in_place_and_leaves_grad_alone(cls):
    p = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    data = p._array
    grad = np.linspace(-1, 1, 6).reshape(2, 3)
    p.grad = am.tensor(grad.copy())
    cls([p], lr=0.1, weight_decay=0.1, maximize=True).step()
    assert p._array is data
    assert not np.array_equal(p._array, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(p.grad._array, grad)


def test_sgd_on_a_real_loss_descends():
    x = am.tensor(np.array([[2.0, 0.0], [0.0, 1.0]]))
    y = am.tensor(np.array([1.0, -1.0]))
    w = am.tensor(np.zeros(2), requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.5)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 1e-3 * losses[0]


# ---- groups, zero_grad, closures, skipping -----------------------------------------------------


def _param(*shape, value=1.0):
    return am.tensor(np.full(shape, value), requires_grad=True)


def test_param_groups_use_their_own_options_and_defaults_fill_the_rest():
    a, b = _param(2), _param(3)
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
    assert "group 1: 1 params, lr=0.5, momentum=0.9" in repr(opt)
    a.grad, b.grad = am.tensor(np.ones(2)), am.tensor(np.ones(3))
    opt.step()
    np.testing.assert_array_equal(a._array, 1.0 - 0.1)
    np.testing.assert_array_equal(b._array, 1.0 - 0.5)


def test_add_param_group_adds_a_group_that_steps():
    a, b = _param(2), _param(2)
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01})
    b.grad = am.tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(b._array, 1.0 - 0.01, rtol=1e-6)
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    np.testing.assert_array_equal(a._array, 1.0)


def test_parameters_without_grad_are_skipped_and_get_no_state():
    a, b = _param(2), _param(2)
    opt = Adam([a, b], lr=0.1)
    a.grad = am.tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(b._array, 1.0)
    assert b not in opt.state and opt.state[a]["step"] == 1


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    a, b = _param(2), _param(3)
    shared = am.tensor(np.ones(2))
    a.grad = shared
    opt = SGD([a, b], lr=0.1)
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert a.grad is None
    else:
        np.testing.assert_array_equal(a.grad._array, np.zeros(2))
        assert a.grad.dtype == a.dtype
    assert b.grad is None
    np.testing.assert_array_equal(shared._array, np.ones(2))  # a shared gradient is never zeroed in place


def test_step_with_closure_returns_its_loss_with_grad_enabled():
    w = _param(2)
    opt = SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with am.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 2.0
    np.testing.assert_allclose(w._array, 1.0 - 0.1 * 2.0)


def test_a_gradient_of_the_wrong_shape_is_refused_not_broadcast():
    p = _param(3)
    p.grad = am.tensor(np.ones(1))
    with pytest.raises(ValueError, match=r"parameter of shape \(3,\) has a grad of shape \(1,\)"):
        SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p._array, 1.0)


def test_a_subclass_of_tensor_is_accepted():
    class Parameter(am.Tensor):
        __slots__ = ()

    p = Parameter(np.ones(2), requires_grad=True)
    p.grad = am.tensor(np.ones(2))
    SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(p._array, 0.5)


# ---- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: SGD([p], lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: SGD([p], lr=float("nan")), "Invalid learning rate: nan"),
        (lambda p: SGD([p], momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: SGD([p], weight_decay=-1e-4), "Invalid weight_decay value: -0.0001"),
        (lambda p: SGD([p], nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: SGD([p], momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
        (lambda p: Adam([p], lr=-1.0), "Invalid learning rate: -1.0"),
        (lambda p: Adam([p], betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: Adam([p], betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: Adam([p], betas=(0.9,)), "Invalid betas"),
        (lambda p: Adam([p], eps=-1e-8), "Invalid epsilon value: -1e-08"),
        (lambda p: Adam([p], weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
        (lambda p: AdamW([p], betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
        (lambda p: RMSprop([p], alpha=-0.9), "Invalid alpha value: -0.9"),
        (lambda p: RMSprop([p], momentum=-0.9), "Invalid momentum value: -0.9"),
        (lambda p: RMSprop([p], eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda p: RMSprop([p], lr=-1.0), "Invalid learning rate: -1.0"),
        (lambda p: RMSprop([p], weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
        (lambda p: SGD([{"params": [p], "lr": -2.0}], lr=0.1), "Invalid learning rate: -2.0"),
    ],
)
def test_invalid_hyperparameters_raise_value_error_naming_the_value(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        make(_param(2))


def test_empty_parameter_list_is_refused():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([{"params": []}], lr=0.1)


def test_parameters_that_cannot_be_optimized_are_refused():
    with pytest.raises(ValueError, match=r"parameter 1 of group 0 \(shape \(2,\)\) does not require grad"):
        SGD([_param(2), am.tensor(np.ones(2))], lr=0.1)
    x = _param(2)
    with pytest.raises(ValueError, match="not a leaf"):
        SGD([x * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizers update Tensors, but parameter 0 of group 0 is a ndarray"):
        SGD([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got a Tensor"):
        SGD(x, lr=0.1)
    with pytest.raises(TypeError, match="a set has none"):
        SGD([{"params": {x}}], lr=0.1)


def test_a_parameter_listed_twice_is_refused():
    x = _param(2)
    with pytest.raises(ValueError, match="parameter 1 of group 0 .* is listed twice"):
        SGD([x, x], lr=0.1)
    with pytest.raises(ValueError, match="parameter 0 of group 1 .* is listed twice"):
        SGD([{"params": [x]}, {"params": [x]}], lr=0.1)
    opt = SGD([x], lr=0.1)
    with pytest.raises(ValueError, match="listed twice"):
        opt.add_param_group({"params": [x]})
    assert len(opt.param_groups) == 1


def test_the_base_class_says_subclasses_supply_the_update():
    p = _param(1)
    p.grad = am.tensor(np.ones(1))
    with pytest.raises(NotImplementedError):
        Optimizer([p], {"lr": 0.1}).step()


# ---- state_dict ----------------------------------------------------------------------------------


def _stepped_adam():
    a, b, c = _param(2, 3), _param(4), _param(1)
    opt = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.01}], lr=0.1, amsgrad=True)
    a.grad, c.grad = am.tensor(np.ones((2, 3))), am.tensor(np.ones(1))
    opt.step()
    return opt, (a, b, c)


def test_state_dict_has_pytorchs_layout_and_is_a_snapshot():
    opt, (a, _, c) = _stepped_adam()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.01]
    assert sorted(sd["state"]) == [0, 2]  # b never had a gradient, so it has no state
    assert list(sd["state"][0]) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    before = sd["state"][0]["exp_avg"].copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)
    assert sd["state"][0]["step"] == 1


def test_load_state_dict_restores_options_and_copies_state():
    opt, _ = _stepped_adam()
    sd = opt.state_dict()
    fresh, (a, b, c) = _stepped_adam()
    fresh.param_groups[0]["lr"] = 123.0
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == 0.1
    assert fresh.param_groups[0]["params"] == [a, b]
    np.testing.assert_array_equal(fresh.state[a]["exp_avg"], sd["state"][0]["exp_avg"])
    assert fresh.state[a]["exp_avg"] is not sd["state"][0]["exp_avg"]


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    opt, _ = _stepped_adam()
    sd = opt.state_dict()
    a = am.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    b, c = am.tensor(np.ones(4, np.float32), requires_grad=True), am.tensor(np.ones(1), requires_grad=True)
    fresh = Adam([{"params": [a, b]}, {"params": [c]}])
    fresh.load_state_dict(sd)
    assert fresh.state[a]["exp_avg"].dtype == np.float32


def test_load_state_dict_errors_name_the_mismatch_and_change_nothing():
    opt, (a, b, c) = _stepped_adam()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="state dict has 2 parameter groups, this optimizer has 1"):
        Adam([_param(1)]).load_state_dict(sd)
    message = "group 0 of the state dict has 2 parameters, this optimizer's group 0 has 1"
    with pytest.raises(ValueError, match=message):
        Adam([{"params": [_param(2, 3)]}, {"params": [_param(1)]}]).load_state_dict(sd)
    target = Adam([{"params": [_param(3, 2), _param(4)]}, {"params": [_param(1)]}])
    with pytest.raises(ValueError, match=r"state\[0\]\['exp_avg'\] has shape \(2, 3\), .* shape \(3, 2\)"):
        target.load_state_dict(sd)
    assert target.state == {} and target.param_groups[0]["lr"] == 1e-3
    sgd = SGD([{"params": [_param(2, 3), _param(4)]}, {"params": [_param(1)]}])
    with pytest.raises(ValueError, match=r"options \['amsgrad', 'betas', 'decoupled_weight_decay', 'eps'\]"):
        target.load_state_dict(sgd.state_dict())
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        target.load_state_dict({"state": {}})
    bad = {**sd, "state": {7: sd["state"][0]}}
    with pytest.raises(ValueError, match="state entry 7 names no parameter"):
        opt.load_state_dict(bad)
    bad_option = {**sd, "param_groups": [{**sd["param_groups"][0], "lr": -1.0}, sd["param_groups"][1]]}
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        opt.load_state_dict(bad_option)


# ---- checkpoints: a run resumed from save/load continues exactly -----------------------------


RESUME_CASES = [
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2}),
    (SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}),
    (Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 1e-2}),
    (AdamW, {"lr": 0.05}),
    (RMSprop, {"lr": 0.01, "momentum": 0.9, "centered": True}),
]


def _model(values):
    return {name: am.tensor(v, requires_grad=True) for name, v in values.items()}


def _train(params, opt, scheduler, steps, x, y):
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ params["w"] + params["b"] - y) ** 2).mean()
        loss.backward()
        opt.step()
        scheduler.step()


@pytest.mark.parametrize("cls, options", RESUME_CASES, ids=[c.__name__ for c, _ in RESUME_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_resumed_from_a_checkpoint_continues_bitwise(tmp_path, cls, options, dtype):
    rng = np.random.default_rng(1)
    x = am.tensor(rng.standard_normal((8, 3)).astype(dtype))
    y = am.tensor(rng.standard_normal((8, 2)).astype(dtype))
    start = {"w": rng.standard_normal((3, 2)).astype(dtype), "b": np.zeros(2, dtype)}

    def fresh():
        params = _model(start)
        opt = cls([{"params": [params["w"]]}, {"params": [params["b"]], "lr": 0.02}], **options)
        return params, opt, StepLR(opt, step_size=3, gamma=0.5)

    params, opt, scheduler = fresh()
    _train(params, opt, scheduler, 10, x, y)  # uninterrupted

    params2, opt2, scheduler2 = fresh()
    _train(params2, opt2, scheduler2, 4, x, y)
    checkpoint = {
        "model": {k: v.detach() for k, v in params2.items()},
        "optimizer": opt2.state_dict(),
        "scheduler": scheduler2.state_dict(),
    }
    save(checkpoint, tmp_path / "run.ckpt")
    _train(params2, opt2, scheduler2, 3, x, y)  # later steps must not leak into the restored run

    loaded = load(tmp_path / "run.ckpt")
    params3, opt3, scheduler3 = fresh()
    for name, t in loaded["model"].items():
        params3[name]._array[...] = t._array
    opt3.load_state_dict(loaded["optimizer"])
    scheduler3.load_state_dict(loaded["scheduler"])
    _train(params3, opt3, scheduler3, 6, x, y)

    for name in params:
        assert params3[name].dtype == dtype
        np.testing.assert_array_equal(params3[name]._array, params[name]._array)
    sd, sd3 = opt.state_dict(), opt3.state_dict()
    assert sd["param_groups"] == sd3["param_groups"]
    for index, state in sd["state"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(sd3["state"][index][key], value)
    assert scheduler3.get_last_lr() == scheduler.get_last_lr()


def test_cosine_schedule_and_optimizer_state_survive_save_and_load(tmp_path):
    p = _param(3)
    opt = SGD([p], lr=0.1, momentum=0.9)
    scheduler = CosineAnnealingLR(opt, T_max=5)
    p.grad = am.tensor(np.ones(3))
    for _ in range(3):
        opt.step()
        scheduler.step()
    save({"opt": opt.state_dict(), "sched": scheduler.state_dict()}, tmp_path / "c.npz")
    loaded = load(tmp_path / "c.npz")
    assert loaded["opt"]["param_groups"][0]["lr"] == opt.param_groups[0]["lr"]
    assert loaded["opt"]["param_groups"][0]["initial_lr"] == 0.1
    assert loaded["sched"] == scheduler.state_dict()
