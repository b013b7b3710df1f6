"""Three ways to train one small regression net, with the optimizers and schedulers people reach for.

1. AdamW with amsgrad, its learning rate (and beta1) driven per batch by OneCycleLR.
2. SGD with Nesterov momentum, the lr cut by ReduceLROnPlateau when the validation loss stalls.
3. LBFGS on the full batch, which needs a closure that re-evaluates the loss.

Everything is float64 and the weights are set from a NumPy generator, so the runs are the same
under either library, step for step.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np


def make_data(torch):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(96, 2))
    y = np.sin(x[:, :1]) * np.cos(x[:, 1:]) + 0.05 * rng.standard_normal((96, 1))
    tensors = [torch.from_numpy(a.copy()) for a in (x[:64], y[:64], x[64:], y[64:])]
    return tensors  # train x, train y, validation x, validation y


def make_model(torch, seed):
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
    ).double()
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for layer in (model[0], model[2]):
            fan_in = layer.weight.shape[1]
            layer.weight.copy_(torch.tensor(rng.standard_normal(tuple(layer.weight.shape)) / np.sqrt(fan_in)))
            layer.bias.copy_(torch.tensor(np.zeros(tuple(layer.bias.shape))))
    return model


def batches(x, y, size):
    for start in range(0, x.shape[0], size):
        yield x[start:start + size], y[start:start + size]


def adamw_one_cycle(torch, data):
    x, y, _, _ = data
    model = make_model(torch, seed=1)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2, amsgrad=True)
    epochs, steps_per_epoch = 15, 4
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=0.05, epochs=epochs, steps_per_epoch=steps_per_epoch
    )
    losses, lrs, beta1s = [], [], []
    for _ in range(epochs):
        for xb, yb in batches(x, y, 16):
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            scheduler.step()  # OneCycleLR steps after every batch
            losses.append(loss.item())
            lrs.append(scheduler.get_last_lr()[0])
            beta1s.append(optimizer.param_groups[0]["betas"][0])
    return {"losses": losses, "lrs": lrs, "beta1s": beta1s}


def sgd_plateau(torch, data):
    x, y, x_val, y_val = data
    model = make_model(torch, seed=2)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    val_losses, lrs = [], []
    for _ in range(40):
        model.train()
        for xb, yb in batches(x, y, 16):
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = loss_fn(model(x_val), y_val).item()
        scheduler.step(val_loss)  # once per epoch, with the metric to watch
        val_losses.append(val_loss)
        lrs.append(optimizer.param_groups[0]["lr"])
    return {"val_losses": val_losses, "lrs": lrs}


def lbfgs_full_batch(torch, data):
    x, y, _, _ = data
    model = make_model(torch, seed=3)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=10, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    losses = [optimizer.step(closure).item() for _ in range(4)]
    with torch.no_grad():
        final = loss_fn(model(x), y).item()
    return {"losses": losses, "final_loss": final}


def main(torch) -> dict:
    data = make_data(torch)
    return {
        "adamw_one_cycle": adamw_one_cycle(torch, data),
        "sgd_plateau": sgd_plateau(torch, data),
        "lbfgs": lbfgs_full_batch(torch, data),
    }


if __name__ == "__main__":
    result = main(torch)
    for name, run in result.items():
        print(name, {key: values[-1] if isinstance(values, list) else values for key, values in run.items()})
