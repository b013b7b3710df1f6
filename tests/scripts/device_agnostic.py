"""Linear regression written to run anywhere: the device is chosen once, and everything moves there.

The model and the data go to the device with .to(device), a running total is made there with
torch.zeros(..., device=device), results come back with .cpu() and .item(), and the log is written
with f-strings that format 0-dim tensors directly.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np


class LinearRegression(torch.nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, 1)

    def forward(self, x):
        return self.linear(x).squeeze(1)


def main(torch) -> dict:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"Using {device} device")

    rng = np.random.default_rng(3)
    true_w = np.array([1.5, -2.0, 0.5])
    features = rng.standard_normal((200, 3)).astype(np.float32)
    target = (features @ true_w + 0.3 + 0.05 * rng.standard_normal(200)).astype(np.float32)

    x = torch.from_numpy(features).to(device)
    y = torch.tensor(target, device=device)

    model = LinearRegression(3)
    with torch.no_grad():
        model.linear.weight.copy_(torch.zeros(1, 3))
        model.linear.bias.fill_(0.0)
    model = model.to(device)

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.MSELoss()
    log = []
    for epoch in range(5):
        running_loss = torch.zeros((), device=device)
        for start in range(0, 200, 50):
            xb, yb = x[start:start + 50], y[start:start + 50]
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running_loss += loss.detach()
        mean_loss = running_loss / 4
        log.append(f"epoch {epoch}: loss {mean_loss:.4f}")
        print(log[-1])

    weight = model.linear.weight.detach().cpu().numpy()
    return {
        "final_loss": mean_loss.item(),
        "weight": weight.ravel().tolist(),
        "bias": model.linear.bias.item(),
        "log_matches_item": log[-1] == f"epoch 4: loss {mean_loss.item():.4f}",
        # Compared by type: on a GPU, tensors sit on device("cuda", 0), which is not device("cuda").
        "params_on_device": all(p.device.type == device.type for p in model.parameters()),
        "data_on_device": all(t.device.type == device.type for t in (x, y, running_loss)),
        "cpu_copy_on_cpu": str(model.linear.weight.cpu().device) == "cpu",
    }


if __name__ == "__main__":
    print(main(torch))
