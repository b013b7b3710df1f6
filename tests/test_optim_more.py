"""Adagrad, Adadelta, Adamax, NAdam, RAdam and LBFGS: their rules in NumPy, errors, state dicts."""

import math

import numpy as np
import pytest
from test_optim import _reference, _run

import autograd_mini as am
from autograd_mini import optim
from autograd_mini.optim import LBFGS, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSprop
from autograd_mini.serialization import load, save

# ---- the update rules, as PyTorch documents them, one whole step per call ----------------------


def decayed(p, g, lr, weight_decay, maximize, decoupled=False):
    """(p, g) after maximize and weight decay, coupled (into g) or decoupled (into p)."""
    g = -g if maximize else g
    if decoupled:
        return p * (1 - lr * weight_decay), g
    return p, g + weight_decay * p


def adagrad_rule(p, g, state, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10, maximize=False):
    p, g = decayed(p, g, lr, weight_decay, maximize)
    t = state["t"] = state.get("t", 0) + 1
    total = state["sum"] = state.get("sum", initial_accumulator_value) + g**2
    return p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)


def adadelta_rule(p, g, state, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    p, g = decayed(p, g, lr, weight_decay, maximize)
    v = state["v"] = rho * state.get("v", 0.0) + (1 - rho) * g**2
    delta = np.sqrt(state.get("u", 0.0) + eps) / np.sqrt(v + eps) * g
    state["u"] = rho * state.get("u", 0.0) + (1 - rho) * delta**2
    return p - lr * delta


def adamax_rule(p, g, state, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    beta1, beta2 = betas
    p, g = decayed(p, g, lr, weight_decay, maximize)
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    u = state["u"] = np.maximum(beta2 * state.get("u", 0.0), np.abs(g) + eps)
    return p - lr / (1 - beta1**t) * m / u


def nadam_rule(p, g, state, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
               decoupled_weight_decay=False, maximize=False):
    beta1, beta2 = betas
    p, g = decayed(p, g, lr, weight_decay, maximize, decoupled_weight_decay)
    t = state["t"] = state.get("t", 0) + 1
    mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    product = state["product"] = state.get("product", 1.0) * mu
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g**2
    denom = np.sqrt(v / (1 - beta2**t)) + eps
    return p - lr * (1 - mu) / (1 - product) * g / denom - lr * mu_next / (1 - product * mu_next) * m / denom


def radam_rule(p, g, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
               decoupled_weight_decay=False, maximize=False):
    beta1, beta2 = betas
    p, g = decayed(p, g, lr, weight_decay, maximize, decoupled_weight_decay)
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    if rho_t <= 5:
        return p - lr * m_hat
    r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    return p - lr * m_hat * r * math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)


CASES = [
    (Adagrad, adagrad_rule, {"lr": 0.1}),
    (Adagrad, adagrad_rule, {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.2,
                             "initial_accumulator_value": 0.5}),
    (Adagrad, adagrad_rule, {"lr": 0.1, "eps": 1e-3, "maximize": True}),
    (Adadelta, adadelta_rule, {}),
    (Adadelta, adadelta_rule, {"lr": 0.5, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.1, "maximize": True}),
    (Adamax, adamax_rule, {"lr": 0.1}),
    (Adamax, adamax_rule, {"lr": 0.1, "betas": (0.5, 0.8), "weight_decay": 0.2, "maximize": True}),
    (NAdam, nadam_rule, {"lr": 0.1}),
    (NAdam, nadam_rule, {"lr": 0.1, "momentum_decay": 0.05, "weight_decay": 0.2}),
    (NAdam, nadam_rule, {"lr": 0.1, "weight_decay": 0.2, "decoupled_weight_decay": True, "maximize": True}),
    (RAdam, radam_rule, {"lr": 0.1}),  # 6 steps of beta2 = 0.999: never rectified
    (RAdam, radam_rule, {"lr": 0.1, "betas": (0.5, 0.6), "weight_decay": 0.2}),  # rectified from step 3
    (RAdam, radam_rule, {"lr": 0.1, "betas": (0.5, 0.6), "weight_decay": 0.2,
                         "decoupled_weight_decay": True}),
]
CASE_IDS = [f"{cls.__name__}-{options}" for cls, _, options in CASES]


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
        for value in state.values():
            assert not isinstance(value, np.ndarray) or value.dtype == np.float32


def test_radam_is_plain_momentum_until_its_variance_is_tractable():
    """With betas (0.9, 0.999), rho_t stays <= 5 for the first 5 steps: p moves by lr * m_hat."""
    p = am.tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = RAdam([p], lr=0.1)
    p.grad = am.tensor(np.array([3.0, -0.5]))
    opt.step()
    np.testing.assert_allclose(p._array, [1.0 - 0.1 * 3.0, -2.0 + 0.1 * 0.5], rtol=1e-15)


def test_adagrad_first_step_is_lr_times_the_sign():
    p = am.tensor(np.array([0.5, 0.5]), requires_grad=True)
    opt = Adagrad([p], lr=0.25)
    p.grad = am.tensor(np.array([4.0, -0.01]))
    opt.step()
    np.testing.assert_allclose(p._array, [0.25, 0.75], rtol=1e-7)  # eps = 1e-10 shifts it by 1e-8


# ---- every optimizer: PyTorch's no-op keywords, errors, state dicts ------------------------------------

ALL = [SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, LBFGS]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_pytorchs_kernel_choices_are_accepted_and_change_nothing(cls):
    p = am.tensor(np.ones(2), requires_grad=True)
    options = {"foreach": False, "fused": True, "capturable": False, "differentiable": False}
    opt = cls([p], lr=0.1, **options)
    assert not options.keys() & opt.param_groups[0].keys()


@pytest.mark.parametrize("make, message", [
    (lambda p: Adagrad(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: Adagrad(p, lr_decay=-0.1), "Invalid lr_decay value: -0.1"),
    (lambda p: Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (lambda p: Adagrad(p, eps=-1e-3), "Invalid epsilon value: -0.001"),
    (lambda p: Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: Adadelta(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: Adamax(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: NAdam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda p: RAdam(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: LBFGS(p, lr=-0.5), "Invalid learning rate: -0.5"),
    (lambda p: LBFGS(p, line_search_fn="armijo"),
     "line_search_fn must be None or 'strong_wolfe', got 'armijo'"),
    (lambda p: LBFGS([{"params": p}, {"params": [am.tensor(1.0, requires_grad=True)]}]),
     "LBFGS doesn't support per-parameter options"),
])
def test_invalid_hyperparameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make([am.tensor(np.ones(2), requires_grad=True)])


def test_lbfgs_takes_no_second_group_and_needs_a_closure():
    opt = LBFGS([am.tensor(np.ones(2), requires_grad=True)])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [am.tensor(np.ones(1), requires_grad=True)]})
    with pytest.raises(RuntimeError, match="needs a closure"):
        opt.step(None)


def least_squares(line_search_fn, **options):
    """LBFGS on a small least-squares problem, whose answer np.linalg.lstsq gives."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(20, 4)), rng.normal(size=20)
    w = am.tensor(np.zeros(4), requires_grad=True)
    opt = LBFGS([w], line_search_fn=line_search_fn, tolerance_grad=1e-12, tolerance_change=1e-15,
                **options)
    x, y = am.tensor(a), am.tensor(b)

    def closure():
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        return loss

    return w, opt, closure, np.linalg.lstsq(a, b, rcond=None)[0]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_solves_least_squares(line_search_fn):
    w, opt, closure, solution = least_squares(line_search_fn, lr=1 if line_search_fn else 0.5, max_iter=50)
    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(w._array, solution, rtol=1e-6, atol=1e-8)


def rosenbrock_run(line_search_fn, steps):
    xy = am.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = LBFGS([xy], lr=1, max_iter=20, line_search_fn=line_search_fn, tolerance_change=1e-15)

    def closure():
        opt.zero_grad()
        x, y = xy[0], xy[1]
        loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return xy, opt


def test_lbfgs_with_strong_wolfe_reaches_the_rosenbrock_minimum():
    xy, opt = rosenbrock_run("strong_wolfe", steps=5)
    np.testing.assert_allclose(xy._array, [1.0, 1.0], atol=1e-6)
    state = next(iter(opt.state.values()))
    assert state["func_evals"] >= state["n_iter"] > 0


def test_lbfgs_state_saves_and_resumes_the_same_iterations(tmp_path):
    first, opt = rosenbrock_run("strong_wolfe", steps=1)
    save(opt.state_dict(), tmp_path / "lbfgs.npz")
    second, other = rosenbrock_run("strong_wolfe", steps=0)
    second._array[...] = first._array
    other.load_state_dict(load(tmp_path / "lbfgs.npz"))

    def closure_for(xy, optimizer):
        def closure():
            optimizer.zero_grad()
            loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
            loss.backward()
            return loss
        return closure

    opt.step(closure_for(first, opt))
    other.step(closure_for(second, other))
    np.testing.assert_array_equal(first._array, second._array)


@pytest.mark.parametrize("cls, rule, options", CASES, ids=CASE_IDS)
def test_training_resumed_from_a_saved_state_dict_continues_bitwise(tmp_path, cls, rule, options):
    _, _, history, opt = _run(cls, options, np.float64, steps=3)
    save(opt.state_dict(), tmp_path / "opt.npz")
    rng = np.random.default_rng(5)
    params = [am.tensor(h.copy(), requires_grad=True) for h in history[-1]]
    resumed = cls(params, **options)
    resumed.load_state_dict(load(tmp_path / "opt.npz"))
    originals = [group["params"] for group in opt.param_groups][0]
    for _ in range(3):
        grads = [rng.standard_normal(p.shape) for p in params]
        for p, q, g in zip(params, originals, grads):
            p.grad, q.grad = am.tensor(g), am.tensor(g.copy())
        resumed.step()
        opt.step()
    for p, q in zip(params, originals):
        np.testing.assert_array_equal(p._array, q._array)


def test_every_optimizer_is_exported():
    assert {cls.__name__ for cls in ALL} <= set(optim.__all__)
