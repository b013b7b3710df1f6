"""A softmax classifier on three Gaussian blobs, trained in the older style through .data.

No no_grad block: the step writes through p.data (p.data -= lr * p.grad.data for the weights,
p.data.add_(p.grad, alpha=-lr) for the biases), the gradients are cleared with
p.grad.data.zero_(), and the accuracy is counted from torch.max(out.data, 1).
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np


def make_blobs(rng, n_per_class=100):
    centres = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
    points = np.concatenate([c + rng.standard_normal((n_per_class, 2)) for c in centres])
    labels = np.repeat(np.arange(3), n_per_class)
    return points.astype(np.float32), labels.astype(np.int64)


def main(torch) -> dict:
    nn = torch.nn
    rng = np.random.default_rng(2)
    points, labels = make_blobs(rng)
    inputs, targets = torch.from_numpy(points), torch.from_numpy(labels)

    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    for p in model.parameters():
        p.data.copy_(torch.from_numpy(0.5 * rng.standard_normal(tuple(p.shape))))

    criterion = nn.CrossEntropyLoss()
    lr = 0.2
    losses, accuracies = [], []
    for epoch in range(60):
        out = model(inputs)
        loss = criterion(out, targets)
        loss.backward()

        for name, p in model.named_parameters():
            if name.endswith("weight"):
                p.data -= lr * p.grad.data
            else:
                p.data.add_(p.grad, alpha=-lr)
            p.grad.data.zero_()

        _, predicted = torch.max(out.data, 1)
        correct = (predicted == targets).sum().item()
        losses.append(loss.item())
        accuracies.append(correct / len(targets))
        if epoch % 20 == 19:
            print(f"epoch {epoch + 1}: loss {loss.item():.4f}, accuracy {100 * correct / len(targets):.1f}%")

    first = model[0]
    return {
        "first_loss": losses[0],
        "final_loss": losses[-1],
        "final_accuracy": accuracies[-1],
        "first_weight": first.weight.data.numpy().ravel().tolist(),
        "grads_zeroed": all(p.grad.abs().sum().item() == 0 for p in model.parameters()),
        "data_is_detached": not first.weight.data.requires_grad and first.weight.requires_grad,
        "predicted_dtype": str(predicted.dtype),
    }


if __name__ == "__main__":
    print(main(torch))
