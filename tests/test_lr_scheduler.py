"""Learning-rate schedulers against their closed forms, and their state dicts."""

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.optim import SGD, Adam
from autograd_mini.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR
from autograd_mini.serialization import load, save

EPOCHS = 60
BASE_LRS = [0.1, 0.03]

SCHEDULES = [
    (StepLR, {"step_size": 7}, lambda lr, e: lr * 0.1 ** (e // 7)),
    (StepLR, {"step_size": 3, "gamma": 0.5}, lambda lr, e: lr * 0.5 ** (e // 3)),
    (ExponentialLR, {"gamma": 0.9}, lambda lr, e: lr * 0.9**e),
    (CosineAnnealingLR, {"T_max": 10}, lambda lr, e: lr * (1 + math.cos(math.pi * e / 10)) / 2),
    (
        CosineAnnealingLR,
        {"T_max": 25, "eta_min": 1e-3},
        lambda lr, e: 1e-3 + (lr - 1e-3) * (1 + math.cos(math.pi * e / 25)) / 2,
    ),
]
IDS = [f"{cls.__name__}-{options}" for cls, options, _ in SCHEDULES]


def _optimizer(cls=SGD):
    groups = [{"params": [am.tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in BASE_LRS]
    return cls(groups)


@pytest.mark.parametrize("cls, options, closed_form", SCHEDULES, ids=IDS)
def test_lrs_follow_the_closed_form_for_many_epochs(cls, options, closed_form):
    opt = _optimizer()
    scheduler = cls(opt, **options)
    for epoch in range(EPOCHS):
        assert scheduler.last_epoch == epoch
        expected = [closed_form(lr, epoch) for lr in BASE_LRS]
        assert scheduler.get_last_lr() == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert [g["lr"] for g in opt.param_groups] == scheduler.get_last_lr()
        opt.step()
        scheduler.step()


def test_creating_a_scheduler_stores_initial_lr_and_applies_epoch_zero():
    opt = _optimizer()
    scheduler = CosineAnnealingLR(opt, T_max=4, eta_min=0.01)
    assert [g["initial_lr"] for g in opt.param_groups] == BASE_LRS
    assert scheduler.base_lrs == BASE_LRS
    assert scheduler.last_epoch == 0
    assert scheduler.get_last_lr() == pytest.approx(BASE_LRS, rel=1e-15)


def test_cosine_reaches_eta_min_at_t_max_and_climbs_back():
    opt = _optimizer()
    scheduler = CosineAnnealingLR(opt, T_max=4, eta_min=0.01)
    lrs = []
    for _ in range(9):
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
    assert lrs[4] == pytest.approx(0.01, rel=1e-12)
    assert lrs[8] == pytest.approx(0.1, rel=1e-12)
    assert lrs[:5] == sorted(lrs[:5], reverse=True) and lrs[4:] == sorted(lrs[4:])


def test_a_second_scheduler_keeps_the_first_initial_lr():
    opt = _optimizer()
    ExponentialLR(opt, gamma=0.5).step()
    assert opt.param_groups[0]["lr"] == 0.05
    second = StepLR(opt, step_size=2)
    assert second.base_lrs == BASE_LRS


def test_get_last_lr_is_a_copy():
    scheduler = StepLR(_optimizer(), step_size=2)
    scheduler.get_last_lr().append(1.0)
    assert len(scheduler.get_last_lr()) == 2


@pytest.mark.parametrize("cls, options, closed_form", SCHEDULES, ids=IDS)
def test_state_dict_round_trip_through_save_and_load_continues(tmp_path, cls, options, closed_form):
    opt = _optimizer(Adam)
    scheduler = cls(opt, **options)
    for _ in range(13):
        scheduler.step()
    save({"scheduler": scheduler.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "s.npz")
    scheduler.step()  # later steps of the original do not reach the saved copy

    loaded = load(tmp_path / "s.npz")
    opt2 = _optimizer(Adam)
    resumed = cls(opt2, **options)
    resumed.load_state_dict(loaded["scheduler"])
    opt2.load_state_dict(loaded["optimizer"])
    assert resumed.last_epoch == 13
    assert [g["lr"] for g in opt2.param_groups] == pytest.approx([closed_form(lr, 13) for lr in BASE_LRS])
    for _ in range(4):
        scheduler.step()
    for _ in range(5):
        resumed.step()
    # The resumed run continues exactly as the original does (both at epoch 18 now).
    assert resumed.get_last_lr() == scheduler.get_last_lr()
    assert [g["lr"] for g in opt2.param_groups] == scheduler.get_last_lr()
    assert resumed.get_last_lr() == pytest.approx([closed_form(lr, 18) for lr in BASE_LRS], rel=1e-12)


def test_state_dict_holds_the_epoch_and_settings():
    scheduler = StepLR(_optimizer(), step_size=3, gamma=0.5)
    scheduler.step()
    sd = scheduler.state_dict()
    assert sd == {
        "step_size": 3, "gamma": 0.5, "base_lrs": BASE_LRS, "last_epoch": 1, "_last_lr": BASE_LRS,
    }
    sd["base_lrs"].append(9.0)
    assert scheduler.base_lrs == BASE_LRS


def test_load_state_dict_errors():
    scheduler = StepLR(_optimizer(), step_size=3)
    message = r"missing keys \['gamma', 'step_size'\], unexpected keys \['T_max', 'eta_min'\]"
    with pytest.raises(ValueError, match=message):
        scheduler.load_state_dict(CosineAnnealingLR(_optimizer(), T_max=3).state_dict())
    one_group = StepLR(SGD([am.tensor(np.ones(1), requires_grad=True)]), step_size=3)
    with pytest.raises(ValueError, match="state dict has 1 base lrs, the optimizer has 2 parameter groups"):
        scheduler.load_state_dict(one_group.state_dict())


def test_invalid_arguments():
    with pytest.raises(TypeError, match="needs an Optimizer, not list"):
        StepLR([], step_size=1)
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        StepLR(_optimizer(), step_size=0)
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 1.5"):
        StepLR(_optimizer(), step_size=1.5)
    with pytest.raises(ValueError, match="T_max must be positive, got 0"):
        CosineAnnealingLR(_optimizer(), T_max=0)


def test_a_group_added_after_the_scheduler_is_reported():
    opt = _optimizer()
    scheduler = ExponentialLR(opt, gamma=0.9)
    opt.add_param_group({"params": [am.tensor(np.ones(1), requires_grad=True)]})
    with pytest.raises(ValueError, match="has 3 parameter groups, but the scheduler was made for 2"):
        scheduler.step()


def test_the_base_class_says_subclasses_supply_the_formula():
    with pytest.raises(NotImplementedError):
        LRScheduler(_optimizer())
