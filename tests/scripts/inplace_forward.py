"""A forward pass that changes its intermediate tensors in place, checked against one that does not.

InPlaceNet uses nn.ReLU(inplace=True), masked item assignment (h[h < 0] = 0), h += 1 and h *= 0.5
on non-leaf tensors, clamp_ and F.relu(..., inplace=True); OutOfPlaceNet computes the same
function with new tensors only. Started from the same weights, the two give the same outputs and
gradients, and train to the same weights with Adam.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np

nn = torch.nn
F = torch.nn.functional


class InPlaceNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Linear(16, 16)
        self.fc3 = nn.Linear(16, 16)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        h = self.act(self.fc1(x))
        h = self.fc2(h)
        h[h < 0] = 0  # a ReLU written as masked assignment
        h += 1
        h *= 0.5
        g = self.fc3(h)
        g[:, 0] = 0.0
        g += h  # a residual connection, added in place
        g.clamp_(max=2.0)
        F.relu(g, inplace=True)
        return self.head(g).squeeze(1)


class OutOfPlaceNet(InPlaceNet):
    def forward(self, x):
        h = torch.relu(self.fc1(x))
        h = self.fc2(h)
        h = torch.where(h < 0, torch.zeros_like(h), h)
        h = (h + 1) * 0.5
        g = self.fc3(h)
        g = torch.cat([torch.zeros_like(g[:, :1]), g[:, 1:]], dim=1)
        g = torch.relu(torch.clamp(g + h, max=2.0))
        return self.head(g).squeeze(1)


def init_from_numpy(model, rng):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.6, 0.6, tuple(p.shape))))


def main(torch) -> dict:
    rng = np.random.default_rng(6)
    x = torch.from_numpy(rng.standard_normal((64, 4)).astype(np.float32))
    y = torch.from_numpy(np.tanh(x.numpy() @ np.array([1.0, -1.0, 0.5, 2.0], dtype=np.float32)))

    models = {"in_place": InPlaceNet(), "out_of_place": OutOfPlaceNet()}
    for model in models.values():
        init_from_numpy(model, np.random.default_rng(0))

    # One forward and backward pass: the same numbers either way.
    first = {}
    for name, model in models.items():
        out = model(x)
        loss = F.mse_loss(out, y)
        loss.backward()
        first[name] = (out.detach(), [p.grad.clone() for p in model.parameters()])
        model.zero_grad()
    out_a, grads_a = first["in_place"]
    out_b, grads_b = first["out_of_place"]
    max_output_difference = (out_a - out_b).abs().max().item()
    max_grad_difference = max((a - b).abs().max().item() for a, b in zip(grads_a, grads_b))

    losses = {}
    for name, model in models.items():
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        history = []
        for _ in range(100):
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            history.append(loss.item())
        losses[name] = history
        print(f"{name}: loss {history[0]:.4f} -> {history[-1]:.4f}")

    # Changing a tensor that backward still needs is caught when backward runs.
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    s = torch.sigmoid(w * 2)  # sigmoid keeps its output for the backward pass
    s += 1
    try:
        s.sum().backward()
        misuse_caught = False
    except RuntimeError as error:
        misuse_caught = "modified by an inplace operation" in str(error)

    max_weight_difference = max(
        (a - b).abs().max().item()
        for a, b in zip(models["in_place"].parameters(), models["out_of_place"].parameters())
    )
    return {
        "first_loss": losses["in_place"][0],
        "final_loss": losses["in_place"][-1],
        "final_loss_out_of_place": losses["out_of_place"][-1],
        "max_output_difference": max_output_difference,
        "max_grad_difference": max_grad_difference,
        "max_weight_difference": max_weight_difference,
        "misuse_caught": misuse_caught,
        "head_weight_grad": grads_a[-2].flatten().tolist(),
        "fc1_bias_grad": grads_a[1].tolist(),
        "head_weight": models["in_place"].head.weight.detach().flatten().tolist(),
    }


if __name__ == "__main__":
    print(main(torch))
