"""A model and its optimizer saved mid-training and restored into fresh objects train on exactly."""

import numpy as np

import autograd_mini as am
from autograd_mini import nn, optim


def make(seed: int) -> tuple[nn.Module, optim.Optimizer, optim.lr_scheduler.StepLR]:
    am.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = optim.Adam(model.parameters(), lr=0.01, weight_decay=0.1)
    return model, opt, optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)


def train(model, opt, scheduler, x, y, steps):
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        scheduler.step()


def test_resumed_training_matches_uninterrupted_training_bitwise(tmp_path):
    rng = np.random.default_rng(0)
    x, y = am.tensor(rng.standard_normal((16, 3))), am.tensor(rng.integers(0, 2, 16))

    model, opt, scheduler = make(seed=0)
    train(model, opt, scheduler, x, y, steps=3)
    am.save({"model": model.state_dict(), "optim": opt.state_dict(), "sched": scheduler.state_dict()},
            tmp_path / "ckpt.npz")
    train(model, opt, scheduler, x, y, steps=4)

    restored, restored_opt, restored_sched = make(seed=1)  # different initial weights
    checkpoint = am.load(tmp_path / "ckpt.npz")
    restored.load_state_dict(checkpoint["model"])
    restored_opt.load_state_dict(checkpoint["optim"])
    restored_sched.load_state_dict(checkpoint["sched"])
    train(restored, restored_opt, restored_sched, x, y, steps=4)

    for (name, p), (_, q) in zip(model.named_parameters(), restored.named_parameters()):
        assert np.array_equal(p._array, q._array), name
        assert p.dtype == q.dtype == np.float32
