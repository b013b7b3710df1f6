"""The schedulers beyond StepLR/ExponentialLR/CosineAnnealingLR: known values, errors, state dicts."""

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.optim import SGD, Adam
from autograd_mini.optim import lr_scheduler as s
from autograd_mini.serialization import load, save


def sgd(lr=0.1, groups=1, momentum=0.9):
    params = [{"params": [am.tensor(np.ones(2), requires_grad=True)]} for _ in range(groups)]
    return SGD(params, lr=lr, momentum=momentum)


def lrs(scheduler, epochs):
    """The lr of group 0 at epochs 0 .. epochs - 1."""
    out = []
    for _ in range(epochs):
        out.append(scheduler.get_last_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
    return out


def test_lambda_lr_scales_the_initial_lr_per_group():
    opt = sgd(groups=2)
    scheduler = s.LambdaLR(opt, [lambda e: 0.5**e, lambda e: 1 + e])
    for _ in range(3):
        scheduler.step()
    assert scheduler.get_last_lr() == [0.1 * 0.125, 0.1 * 4]


def test_multiplicative_lr_multiplies_the_factors_up():
    assert lrs(s.MultiplicativeLR(sgd(), lambda e: 0.5), 4) == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_multistep_constant_linear_and_polynomial_known_values():
    assert lrs(s.MultiStepLR(sgd(), [2, 4, 4], gamma=0.5), 6) == pytest.approx(
        [0.1, 0.1, 0.05, 0.05, 0.0125, 0.0125]
    )
    assert lrs(s.ConstantLR(sgd(), factor=0.5, total_iters=2), 4) == pytest.approx([0.05, 0.05, 0.1, 0.1])
    assert lrs(s.LinearLR(sgd(), start_factor=0.5, end_factor=1.0, total_iters=4), 6) == pytest.approx(
        [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1]
    )
    assert lrs(s.PolynomialLR(sgd(), total_iters=4, power=2.0), 6) == pytest.approx(
        [0.1, 0.1 * 0.5625, 0.1 * 0.25, 0.1 * 0.0625, 0.0, 0.0], abs=1e-15
    )


def test_step_with_an_epoch_jumps_by_the_closed_form():
    scheduler = s.LinearLR(sgd(), start_factor=0.5, total_iters=4)
    scheduler.step(3)
    assert scheduler.last_epoch == 3
    assert scheduler.get_last_lr() == pytest.approx([0.0875])


def test_chained_schedulers_multiply_and_sequential_ones_restart():
    opt = sgd()
    warmup = s.ConstantLR(opt, factor=0.5, total_iters=2)
    chained = s.ChainedScheduler([warmup, s.ExponentialLR(opt, gamma=0.9)])
    assert lrs(chained, 4) == pytest.approx([0.05, 0.045, 0.1 * 0.81, 0.1 * 0.729])
    assert chained.last_epoch == 4
    opt = sgd()
    warmup, decay = s.LinearLR(opt, start_factor=0.5, total_iters=2), s.StepLR(opt, step_size=2, gamma=0.1)
    sequential = s.SequentialLR(opt, [warmup, decay], milestones=[3])
    assert lrs(sequential, 7) == pytest.approx([0.05, 0.075, 0.1, 0.1, 0.1, 0.01, 0.01])


def test_one_cycle_rises_to_max_lr_and_anneals_below_the_start_cycling_momentum():
    opt = sgd()
    scheduler = s.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.5, anneal_strategy="linear")
    values, momenta = [], []
    for _ in range(10):
        values.append(scheduler.get_last_lr()[0])
        momenta.append(opt.param_groups[0]["momentum"])
        scheduler.step()
    assert values[0] == pytest.approx(1 / 25) and values[-1] == pytest.approx(1 / 25 / 1e4)
    assert max(values) == pytest.approx(1.0) and values.index(max(values)) == 4
    assert momenta[0] == pytest.approx(0.95) and momenta[4] == pytest.approx(0.85)
    assert scheduler.last_epoch == 10  # one past the last step is allowed, as in PyTorch
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of total steps"):
        scheduler.step()


def test_one_cycle_cycles_beta1_of_adam():
    opt = Adam([am.tensor(np.ones(2), requires_grad=True)], betas=(0.9, 0.99))
    scheduler = s.OneCycleLR(opt, max_lr=0.01, total_steps=10)
    assert opt.param_groups[0]["betas"] == (0.95, 0.99)
    for _ in range(3):
        scheduler.step()
    assert 0.85 <= opt.param_groups[0]["betas"][0] < 0.95 and opt.param_groups[0]["betas"][1] == 0.99


def test_cyclic_lr_modes():
    triangle = lrs(s.CyclicLR(sgd(), 0.0, 1.0, step_size_up=2), 9)
    assert triangle == pytest.approx([0.0, 0.5, 1.0, 0.5, 0.0, 0.5, 1.0, 0.5, 0.0])
    halving = lrs(s.CyclicLR(sgd(), 0.0, 1.0, step_size_up=2, mode="triangular2"), 9)
    assert halving == pytest.approx([0.0, 0.5, 1.0, 0.5, 0.0, 0.25, 0.5, 0.25, 0.0])
    shrinking = lrs(s.CyclicLR(sgd(), 0.0, 1.0, step_size_up=2, mode="exp_range", gamma=0.5), 3)
    assert shrinking == pytest.approx([0.0, 0.5 * 0.5, 1.0 * 0.25])


def test_warm_restarts_restart_and_stretch_the_period():
    values = lrs(s.CosineAnnealingWarmRestarts(sgd(lr=1.0), T_0=2, T_mult=2), 8)
    cosine = [(1 + math.cos(math.pi * t / period)) / 2 for t, period in [(1, 4), (3, 4), (1, 8)]]
    assert values == pytest.approx([1.0, 0.5, 1.0, cosine[0], 0.5, cosine[1], 1.0, cosine[2]])


def test_reduce_on_plateau_waits_patience_epochs_then_cuts_down_to_min_lr():
    opt = sgd(lr=1.0)
    scheduler = s.ReduceLROnPlateau(opt, factor=0.5, patience=1, min_lr=0.3)
    seen = []
    for metric in [1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]:
        scheduler.step(metric)
        seen.append(scheduler.get_last_lr()[0])
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3]
    assert scheduler.last_epoch == 9


@pytest.mark.parametrize("make, error, message", [
    (lambda: s.LambdaLR(sgd(groups=2), [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda: s.MultiplicativeLR(sgd(), 0.5), TypeError, "lr_lambda should be a function, but got float"),
    (lambda: s.ConstantLR(sgd(), factor=2), ValueError, "factor expected to be between 0 and 1"),
    (lambda: s.LinearLR(sgd(), start_factor=0), ValueError, "Starting multiplicative factor expected"),
    (lambda: s.LinearLR(sgd(), end_factor=1.5), ValueError, "Ending multiplicative factor expected"),
    (lambda: s.OneCycleLR(sgd(), max_lr=0.1), ValueError, "either total_steps OR"),
    (lambda: s.OneCycleLR(sgd(), max_lr=0.1, total_steps=0), ValueError, "positive integer total_steps"),
    (lambda: s.OneCycleLR(sgd(), max_lr=0.1, total_steps=5, pct_start=1), ValueError, "between 0 and 1"),
    (lambda: s.OneCycleLR(sgd(), max_lr=0.1, total_steps=5, anneal_strategy="exp"), ValueError, "'cos' or"),
    (lambda: s.OneCycleLR(sgd(), max_lr=[0.1, 0.2], total_steps=5), ValueError, "1 values for max_lr"),
    (lambda: s.CyclicLR(sgd(), 0.1, 1.0, mode="square"), ValueError, "mode is invalid and scale_fn is"),
    (lambda: s.CosineAnnealingWarmRestarts(sgd(), T_0=0), ValueError, "Expected positive integer T_0"),
    (lambda: s.CosineAnnealingWarmRestarts(sgd(), T_0=2, T_mult=0), ValueError, "integer T_mult >= 1"),
    (lambda: s.ReduceLROnPlateau(sgd(), factor=1.0), ValueError, "Factor should be < 1.0"),
    (lambda: s.ReduceLROnPlateau(sgd(), mode="up"), ValueError, "mode up is unknown"),
    (lambda: s.ReduceLROnPlateau(sgd(), threshold_mode="pct"), ValueError, "threshold mode pct is unknown"),
    (lambda: s.ReduceLROnPlateau(sgd(), min_lr=[0.1, 0.2]), ValueError, "expected 1 values for min_lr"),
    (lambda: s.SequentialLR(sgd(), [], milestones=[]), ValueError, "expects at least one scheduler"),
    (lambda: s.ChainedScheduler([]), ValueError, "expects at least one scheduler"),
])
def test_bad_arguments_raise_pytorchs_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_combinators_refuse_plateau_other_optimizers_and_bad_milestones():
    opt, other = sgd(), sgd()
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        s.ChainedScheduler([s.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="to belong to the same optimizer"):
        s.SequentialLR(opt, [s.StepLR(opt, 2), s.StepLR(other, 2)], milestones=[3])
    with pytest.raises(ValueError, match="one more than the number of milestone points"):
        s.SequentialLR(opt, [s.StepLR(opt, 2), s.StepLR(opt, 3)], milestones=[3, 5])


def test_cycle_momentum_needs_an_optimizer_with_momentum():
    class NoMomentum(SGD):
        def __init__(self, params):
            super().__init__(params)
            self.defaults = {"lr": 0.1}

    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        s.CyclicLR(NoMomentum([am.tensor(1.0, requires_grad=True)]), 0.01, 0.1)


# ---- state dicts: saved with `save`, loaded into a fresh scheduler, they continue the same --------------

MAKERS = {
    "LambdaLR": lambda opt: s.LambdaLR(opt, lambda e: 0.9**e),
    "MultiplicativeLR": lambda opt: s.MultiplicativeLR(opt, lambda e: 0.9),
    "MultiStepLR": lambda opt: s.MultiStepLR(opt, [3, 6]),
    "ConstantLR": lambda opt: s.ConstantLR(opt, total_iters=8),
    "LinearLR": lambda opt: s.LinearLR(opt, total_iters=9),
    "PolynomialLR": lambda opt: s.PolynomialLR(opt, total_iters=9),
    "OneCycleLR": lambda opt: s.OneCycleLR(opt, max_lr=0.5, total_steps=20, three_phase=True),
    "CyclicLR": lambda opt: s.CyclicLR(opt, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.9),
    "CosineAnnealingWarmRestarts": lambda opt: s.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2),
    "SequentialLR": lambda opt: s.SequentialLR(
        opt, [s.ConstantLR(opt, total_iters=2), s.ExponentialLR(opt, 0.9)], milestones=[4]
    ),
    "ChainedScheduler": lambda opt: s.ChainedScheduler(
        [s.LinearLR(opt, total_iters=5), s.StepLR(opt, step_size=2, gamma=0.5)]
    ),
}


@pytest.mark.parametrize("name", MAKERS)
def test_a_saved_scheduler_resumes_where_it_stopped(tmp_path, name):
    opt = sgd(groups=2)
    scheduler = MAKERS[name](opt)
    for _ in range(6):
        opt.step()
        scheduler.step()
    save({"scheduler": scheduler.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "s.npz")
    loaded = load(tmp_path / "s.npz")
    opt2 = sgd(groups=2)
    resumed = MAKERS[name](opt2)
    resumed.load_state_dict(loaded["scheduler"])
    opt2.load_state_dict(loaded["optimizer"])
    assert resumed.last_epoch == scheduler.last_epoch
    for _ in range(8):
        scheduler.step()
        resumed.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert [g.get("momentum") for g in opt2.param_groups] == [g.get("momentum") for g in opt.param_groups]


def test_plateau_state_with_an_infinite_best_saves_and_resumes(tmp_path):
    opt = sgd(lr=1.0)
    scheduler = s.ReduceLROnPlateau(opt, mode="max", patience=0)
    save(scheduler.state_dict(), tmp_path / "fresh.npz")
    assert load(tmp_path / "fresh.npz")["best"] == -math.inf
    for metric in [1.0, 0.5]:
        scheduler.step(metric)
    save(scheduler.state_dict(), tmp_path / "p.npz")
    resumed = s.ReduceLROnPlateau(sgd(lr=1.0), mode="max", patience=0)
    resumed.load_state_dict(load(tmp_path / "p.npz"))
    assert (resumed.best, resumed.num_bad_epochs, resumed.last_epoch) == (1.0, 0, 2)
    with pytest.raises(ValueError, match="missing keys"):
        resumed.load_state_dict({"best": 1.0})


def test_lambda_lr_state_dict_keeps_objects_attributes_but_not_functions():
    class Every:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return 0.5 ** (epoch // self.n)

    opt = sgd(groups=2)
    scheduler = s.LambdaLR(opt, [lambda e: 1.0, Every(3)])
    assert scheduler.state_dict()["lr_lambdas"] == [None, {"n": 3}]
    other = s.LambdaLR(sgd(groups=2), [lambda e: 1.0, Every(10)])
    function = other.lr_lambdas[0]
    other.load_state_dict(scheduler.state_dict())
    assert other.lr_lambdas[0] is function and other.lr_lambdas[1].n == 3
