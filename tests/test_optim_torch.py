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
            if hasattr(torch_sched, "last_epoch"):  # PyTorch's ChainedScheduler has none
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


# ---- schedulers ------------------------------------------------------------------------------------

def sgd(lib, params):
    return lib.SGD(params, lr=0.05, momentum=0.9)


def adam(lib, params):
    return lib.Adam(params, lr=0.01, betas=(0.9, 0.99))


def warmup_then_cosine(s, opt):
    warmup = s.LinearLR(opt, start_factor=0.1, total_iters=4)
    return s.SequentialLR(opt, [warmup, s.CosineAnnealingLR(opt, T_max=10, eta_min=1e-3)], milestones=[5])


def three_in_sequence(s, opt):
    first, second = s.ConstantLR(opt, factor=0.5, total_iters=3), s.ExponentialLR(opt, gamma=0.9)
    return s.SequentialLR(opt, [first, second, s.StepLR(opt, step_size=3)], milestones=[4, 12])


def chained(s, opt):
    warmup = s.ConstantLR(opt, factor=0.25, total_iters=5)
    return s.ChainedScheduler([warmup, s.ExponentialLR(opt, gamma=0.9)])


def chained_with_sequence(s, opt):
    inner = s.SequentialLR(opt, [s.LinearLR(opt, total_iters=3), s.MultiStepLR(opt, [8, 12])], milestones=[4])
    return s.ChainedScheduler([inner, s.PolynomialLR(opt, total_iters=15, power=2.0)], optimizer=opt)


class Halving:
    """A callable object as lr_lambda: its attributes go into the state dict, as in PyTorch."""

    def __init__(self):
        self.every = 4

    def __call__(self, epoch):
        return 0.5 ** (epoch // self.every)


SCHEDULERS = [
    ("LambdaLR", sgd, lambda s, opt: s.LambdaLR(opt, lambda epoch: 1 / (1 + epoch))),
    ("LambdaLR-object", sgd, lambda s, opt: s.LambdaLR(opt, Halving())),
    ("MultiplicativeLR", sgd, lambda s, opt: s.MultiplicativeLR(opt, lambda epoch: 0.95)),
    ("MultiStepLR", sgd, lambda s, opt: s.MultiStepLR(opt, milestones=[3, 7, 7, 15], gamma=0.5)),
    ("ConstantLR", sgd, lambda s, opt: s.ConstantLR(opt, factor=0.2, total_iters=6)),
    ("LinearLR", sgd, lambda s, opt: s.LinearLR(opt, start_factor=0.25, end_factor=0.8, total_iters=9)),
    ("PolynomialLR", sgd, lambda s, opt: s.PolynomialLR(opt, total_iters=12, power=1.5)),
    ("OneCycleLR-cos", sgd, lambda s, opt: s.OneCycleLR(opt, max_lr=0.1, total_steps=25)),
    ("OneCycleLR-linear-three-phase", adam, lambda s, opt: s.OneCycleLR(
        opt, max_lr=0.05, epochs=5, steps_per_epoch=5, pct_start=0.25, anneal_strategy="linear",
        three_phase=True, base_momentum=0.8, max_momentum=0.92)),
    ("OneCycleLR-no-momentum", adam, lambda s, opt: s.OneCycleLR(opt, max_lr=0.05, total_steps=30,
                                                                  cycle_momentum=False, div_factor=10)),
    ("CyclicLR-triangular", sgd, lambda s, opt: s.CyclicLR(opt, 0.01, 0.1, step_size_up=4,
                                                           step_size_down=3)),
    ("CyclicLR-triangular2", sgd, lambda s, opt: s.CyclicLR(opt, 0.01, 0.1, step_size_up=3,
                                                            mode="triangular2")),
    ("CyclicLR-exp_range", adam, lambda s, opt: s.CyclicLR(
        opt, 0.001, 0.02, step_size_up=5, mode="exp_range", gamma=0.97, base_momentum=0.85,
        max_momentum=0.95)),
    ("CyclicLR-scale_fn", sgd, lambda s, opt: s.CyclicLR(
        opt, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 0.9**x, scale_mode="iterations",
        cycle_momentum=False)),
    ("CosineAnnealingWarmRestarts", sgd, lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2,
                                                                                      eta_min=1e-3)),
    ("SequentialLR-warmup-cosine", sgd, warmup_then_cosine),
    ("SequentialLR-three", adam, three_in_sequence),
    ("ChainedScheduler", sgd, chained),
    ("ChainedScheduler-with-sequence", sgd, chained_with_sequence),
]


@pytest.mark.parametrize("name, make_optimizer, make_scheduler", SCHEDULERS, ids=[r[0] for r in SCHEDULERS])
def test_each_scheduler_sets_pytorchs_lrs_and_momenta(name, make_optimizer, make_scheduler):
    run_side_by_side(make_optimizer, schedulers=make_scheduler)


@pytest.mark.parametrize("options", [
    {"patience": 2, "factor": 0.5},
    {"mode": "max", "patience": 1, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 2},
    {"patience": 0, "factor": 0.3, "min_lr": 0.004, "cooldown": 1, "threshold": 0.1},
])
def test_reduce_on_plateau_follows_a_fixed_metric_sequence_as_pytorch(options):
    metrics = [1.0, 0.9, 0.95, 0.93, 0.96, 0.89, 0.89, 0.8, 0.85, 0.84, 0.86, 0.87, 0.79, 0.8, 0.81,
               0.82, 0.9, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75]
    ours, theirs = twins()
    opt, torch_opt = optim.SGD(ours.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
    torch_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **options)
    for metric in metrics:
        scheduler.step(metric)
        torch_scheduler.step(metric)
        assert scheduler.get_last_lr() == torch_scheduler.get_last_lr()
        for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
            assert getattr(scheduler, key) == getattr(torch_scheduler, key)


def test_reduce_on_plateau_driven_by_the_training_loss_matches_pytorch():
    run_side_by_side(
        sgd, steps=30, metric=True,
        schedulers=lambda s, opt: s.ReduceLROnPlateau(opt, patience=1, factor=0.5, threshold=0.05),
    )


def test_warm_restarts_at_fractional_epochs_match_pytorch():
    ours, theirs = twins()
    opt, torch_opt = optim.SGD(ours.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1)
    scheduler = optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3, eta_min=0.01)
    torch_scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        torch_opt, T_0=2, T_mult=3, eta_min=0.01
    )
    for epoch in [0.25, 0.5, 1.75, 2.0, 3.5, 7.9, 8.0, 9.3, 30.2, 1.0]:
        scheduler.step(epoch)
        torch_scheduler.step(epoch)
        np.testing.assert_allclose(scheduler.get_last_lr(), torch_scheduler.get_last_lr(), rtol=1e-12)
        assert (scheduler.T_i, scheduler.last_epoch) == (torch_scheduler.T_i, torch_scheduler.last_epoch)
