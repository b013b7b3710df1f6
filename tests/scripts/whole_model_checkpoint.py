"""A whole model saved with torch.save and loaded back with torch.load, as tutorials do it.

An nn.Module subclass with a submodule stack, a buffer, a tied weight and plain settings is
trained for a few steps, switched to eval mode and saved whole (`torch.save(model, path)`), then
loaded the two ways PyTorch offers: `torch.load(path, weights_only=False)`, which trusts the
file to name the classes to build, and `torch.load(path)` inside `torch.serialization.safe_globals`,
which builds only the classes listed. A training checkpoint holding the model beside the
optimizer's state dict and the epoch is saved and loaded the same way. Each reloaded model gives
the original's outputs exactly.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import os
import tempfile

import numpy as np


class TiedAutoencoder(torch.nn.Module):
    def __init__(self, features=4, hidden=3):
        super().__init__()
        self.features, self.hidden, self.name = features, hidden, "tied"
        self.encoder = torch.nn.Sequential(torch.nn.Linear(features, hidden), torch.nn.Tanh())
        self.decoder = torch.nn.Linear(hidden, features, bias=False)
        self.register_buffer("center", torch.zeros(features))

    def tie(self):
        """Make the decoder's weight the encoder's (a Parameter shared by both)."""
        self.decoder.weight = self.encoder[0].weight
        return self

    def forward(self, x):
        h = self.encoder(x - self.center)
        return torch.nn.functional.linear(h, self.decoder.weight.t()) + self.center


def init_from_numpy(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(0.5 * rng.standard_normal(tuple(p.shape))))


def main(torch) -> dict:
    rng = np.random.default_rng(3)
    x = torch.from_numpy(rng.standard_normal((32, 4)))

    model = TiedAutoencoder().double().tie()
    init_from_numpy(model, seed=0)
    with torch.no_grad():
        model.center.copy_(x.mean(0))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), x)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        expected = model(x).tolist()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.pt")
        torch.save(model, path)
        trusted = torch.load(path, weights_only=False)
        with torch.serialization.safe_globals(
            [TiedAutoencoder, torch.nn.Sequential, torch.nn.Linear, torch.nn.Tanh]
        ):
            allowlisted = torch.load(path)

        checkpoint_path = os.path.join(tmp, "checkpoint.pt")
        torch.save({"epoch": 20, "model": model, "optimizer": optimizer.state_dict()}, checkpoint_path)
        checkpoint = torch.load(checkpoint_path, weights_only=False)

    resumed = checkpoint["model"]
    resumed_optimizer = torch.optim.Adam(resumed.parameters(), lr=0.05)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    outputs = {}
    for name, loaded in [("trusted", trusted), ("allowlisted", allowlisted), ("checkpoint", resumed)]:
        with torch.no_grad():
            outputs[name] = loaded(x).tolist() == expected

    # One more step for the original and for the model resumed from the checkpoint.
    steps = []
    for m, opt in [(model.train(), optimizer), (resumed.train(), resumed_optimizer)]:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(m(x), x)
        loss.backward()
        opt.step()
        steps.append(loss.item())

    return {
        "losses": losses,
        "same_outputs": outputs,
        "class_name": type(trusted).__name__,
        "same_repr": repr(trusted) == repr(model) == repr(allowlisted),
        "training_after_load": [trusted.training, allowlisted.training],
        "weights_tied": trusted.decoder.weight is trusted.encoder[0].weight,
        "parameter_type": type(trusted.decoder.weight).__name__,
        "fresh_parameters": trusted.decoder.weight is not model.decoder.weight,
        "settings": [trusted.features, trusted.hidden, trusted.name],
        "state_dict_keys": list(trusted.state_dict().keys()),
        "checkpoint_epoch": checkpoint["epoch"],
        "loss_after_resume": steps,
    }


if __name__ == "__main__":
    print(main(torch))
