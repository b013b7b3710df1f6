"""New optimizers and schedulers step by step against PyTorch, in float64.

Each runs 20+ steps on the same small regression, side by side with PyTorch's class of the same
name: parameters after every step, and learning rates (and cycled momenta) after every epoch.
"""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn, optim

torch = pytest.importorskip("torch", reason="comparing with PyTorch needs torch: pip install torch")
pytestmark = pytest.mark.torch



@pytest.fixture(autouse=True)
def float64_state_scalars():
    """PyTorch keeps scalar state (NAdam's mu_product, step counts) in the default dtype: float64 here."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


X = np.random.default_rng(0).normal(size=(16, 3))
Y = np.sin(X @ np.array([[1.0], [-2.0], [0.5]]))


def twins():
    """One Linear-Tanh-Linear model in both libraries with the same float64 weights."""
    rng = np.random.default_rng(1)
    ours = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 1)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1)).double()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        value = rng.normal(size=p.shape) * 0.5
        p._array[...] = value
        with torch.no_grad():
            tp.copy_(torch.from_numpy(value))
    return ours, theirs


def closure_for(model, optimizer, lib, x, y):
    def closure():
        optimizer.zero_grad()
        loss = lib.nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    return closure


def assert_same_params(ours, theirs, rtol=1e-10, atol=1e-12):
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p._array, tp.detach().numpy(), rtol=rtol, atol=atol)


def run_side_by_side(make, steps=25, schedulers=None, metric=False, rtol=1e-10):
    """make(lib, params) -> optimizer; schedulers(lib, optimizer) -> scheduler or None."""
    ours, theirs = twins()
    runs = []
    for lib, optim_lib, model, x, y in (
        (am, optim, ours, am.tensor(X), am.tensor(Y)),
        (torch, torch.optim, theirs, torch.from_numpy(X), torch.from_numpy(Y)),
    ):
        opt = make(optim_lib, model.parameters())
        sched = schedulers(optim_lib.lr_scheduler, opt) if schedulers else None
        runs.append((opt, sched, closure_for(model, opt, lib, x, y)))
    for _ in range(steps):
        losses = [float(opt.step(closure).detach()) for opt, _, closure in runs]
        np.testing.assert_allclose(losses[0], losses[1], rtol=rtol)
        for (_, sched, _), loss in zip(runs, losses):
            if sched is not None:
                sched.step(loss) if metric else sched.step()
        assert_same_params(ours, theirs, rtol=rtol, atol=rtol * 1e-3)
        (ours_opt, ours_sched, _), (torch_opt, torch_sched, _) = runs
        if ours_sched is not None:
            np.testing.assert_allclose(ours_sched.get_last_lr(), torch_sched.get_last_lr(), rtol=1e-12)
            assert ours_sched.last_epoch == torch_sched.last_epoch
        for group, torch_group in zip(ours_opt.param_groups, torch_opt.param_groups):
            for key in ("lr", "momentum", "betas"):
                if key in group:
                    np.testing.assert_allclose(group[key], torch_group[key], rtol=1e-12)
    return runs


OPTIMIZERS = [
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.3}),
    ("Adagrad", {"lr": 0.05, "eps": 1e-3, "maximize": True, "foreach": False}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True, "capturable": False}),
    ("Adamax", {"lr": 0.02}),
    ("Adamax", {"lr": 0.02, "betas": (0.8, 0.95), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.02}),
    ("NAdam", {"lr": 0.02, "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {"lr": 0.02}),
    ("RAdam", {"lr": 0.02, "betas": (0.5, 0.8), "weight_decay": 0.1}),  # rectified from step 3 on
    ("RAdam", {"lr": 0.02, "betas": (0.6, 0.7), "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.02, "amsgrad": True, "foreach": False, "fused": True}),
    ("AdamW", {"lr": 0.02, "amsgrad": True, "weight_decay": 0.1, "differentiable": False}),
    # 20 steps of 2 iterations: L-BFGS amplifies rounding, so over hundreds of iterations the two
    # drift apart as float64 rounding grows, though each takes the same iterations and evaluations.
    ("LBFGS", {"lr": 0.5, "max_iter": 2}),
    ("LBFGS", {"lr": 1, "max_iter": 2, "history_size": 3, "line_search_fn": "strong_wolfe"}),
]


@pytest.mark.parametrize("name, options", OPTIMIZERS, ids=lambda v: v if isinstance(v, str) else str(v))
def test_each_optimizer_follows_pytorch_step_by_step(name, options):
    run_side_by_side(lambda lib, params: getattr(lib, name)(params, **options), rtol=1e-9)


def test_lbfgs_counts_the_same_iterations_and_evaluations_as_pytorch():
    make = lambda lib, params: lib.LBFGS(params, max_iter=6, line_search_fn="strong_wolfe")  # noqa: E731
    (ours, _, _), (theirs, _, _) = run_side_by_side(make, steps=3, rtol=1e-9)
    ours_state, torch_state = next(iter(ours.state.values())), next(iter(theirs.state.values()))
    for key in ("func_evals", "n_iter"):
        assert ours_state[key] == torch_state[key]
    assert len(ours_state["old_dirs"]) == len(torch_state["old_dirs"])
