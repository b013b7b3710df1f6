"""A two-headed regression model built from containers, trained with gradient clipping, then
checkpointed to memory and resumed.

The model keeps its heads in an nn.ModuleDict, their mixing weights in an nn.ParameterList, and
a running mean of its inputs in a registered buffer, which it subtracts from each batch. A forward
hook on the trunk records the size of its activations. Training clips the gradient norm with
torch.nn.utils.clip_grad_norm_. The epoch, model and optimizer state dicts are saved to an
io.BytesIO, loaded into a fresh model and optimizer, and both copies train on identically.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import io

import numpy as np


class TwoHeads(torch.nn.Module):
    def __init__(self, features=3, hidden=8):
        super().__init__()
        self.trunk = torch.nn.Linear(features, hidden)
        self.heads = torch.nn.ModuleDict({
            "mean": torch.nn.Linear(hidden, 1),
            "spread": torch.nn.Linear(hidden, 1),
        })
        self.mix = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(1)) for _ in self.heads])
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("batches_seen", torch.tensor(0))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.running_mean.mul_(0.9).add_(0.1 * x.mean(0))
                self.batches_seen += 1
        h = torch.tanh(self.trunk(x - self.running_mean))
        out = 0
        for weight, head in zip(self.mix, self.heads.values()):
            out = out + weight * head(h)
        return out


def init_from_numpy(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(0.5 * rng.standard_normal(tuple(p.shape))))


def train_steps(model, optimizer, criterion, x, y, steps, batch_size=16):
    losses, norms = [], []
    for step in range(steps):
        i = (step * batch_size) % len(x)
        optimizer.zero_grad()
        loss = criterion(model(x[i:i + batch_size]), y[i:i + batch_size])
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
        optimizer.step()
        losses.append(loss.item())
    return losses, norms


def main(torch) -> dict:
    rng = np.random.default_rng(7)
    inputs = rng.standard_normal((64, 3)) + np.array([2.0, -1.0, 0.5])
    targets = np.sin(inputs @ np.array([[1.0], [0.5], [-0.7]]))
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)

    model = TwoHeads().double()
    init_from_numpy(model, seed=0)
    activations = []
    handle = model.trunk.register_forward_hook(
        lambda module, args, output: activations.append(output.detach().abs().mean().item())
    )
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses, norms = train_steps(model, optimizer, criterion, x, y, steps=40)
    handle.remove()
    hooked_calls = len(activations)

    buffer = io.BytesIO()
    torch.save({"epoch": 10, "model": model.state_dict(), "optimizer": optimizer.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, map_location="cpu", weights_only=True)
    resumed = TwoHeads().double()
    resumed.load_state_dict(checkpoint["model"])
    resumed_optimizer = torch.optim.Adam(resumed.parameters(), lr=0.05)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])

    more_losses, _ = train_steps(model, optimizer, criterion, x, y, steps=8)
    resumed_losses, _ = train_steps(resumed, resumed_optimizer, criterion, x, y, steps=8)
    same_state = all(
        a.tolist() == b.tolist() for a, b in zip(model.state_dict().values(), resumed.state_dict().values())
    )

    return {
        "losses": losses,
        "grad_norms": norms,
        "activations": activations,
        "hooked_calls": hooked_calls,
        "calls_after_remove": len(activations),
        "state_dict_keys": list(model.state_dict().keys()),
        "running_mean": model.running_mean.tolist(),
        "batches_seen": int(model.batches_seen.item()),
        "checkpoint_epoch": checkpoint["epoch"],
        "losses_after_resume": [more_losses, resumed_losses],
        "same_state_after_resume": same_state,
        "dtype": str(model.running_mean.dtype),
    }


if __name__ == "__main__":
    print(main(torch))
