"""A three-class classifier trained over a DataLoader, validated on a random_split, as tutorials do.

The data are three Gaussian blobs in a TensorDataset; random_split keeps a fifth for validation,
the training DataLoader shuffles with its own seeded Generator, and each epoch reports the mean
loss and the accuracy. Each library draws its own shuffles and initial weights, so the facts
returned are those any correct run shows: every epoch sees every sample once, in batches of the
expected shapes; the loss falls; both accuracies end high; a second run from the same seeds
repeats the first exactly.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np

CENTRES = np.array([[0.0, 3.0], [-3.0, -2.0], [3.0, -2.0]])


def blobs(n=300):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, n)
    points = CENTRES[labels] + rng.standard_normal((n, 2))
    return torch.from_numpy(points.astype(np.float32)), torch.from_numpy(labels.astype(np.int64))


def fingerprint(x):
    """One number per sample, to check which samples an epoch saw."""
    return x[..., 0] * 1000 + x[..., 1]


def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += len(y)
    return correct / total


def train(torch, epochs=8, batch_size=16):
    torch.manual_seed(0)
    dataset = torch.utils.data.TensorDataset(*blobs())
    train_set, val_set = torch.utils.data.random_split(
        dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(1)
    )
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=64)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    losses, train_accuracies, seen, shapes, dtypes = [], [], [], set(), set()
    for _ in range(epochs):
        model.train()
        running_loss, correct, indices = 0.0, 0, []
        for x, y in train_loader:
            optimizer.zero_grad()
            out = model(x)
            loss = criterion(out, y)
            loss.backward()
            optimizer.step()
            running_loss += loss.item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            shapes.add((tuple(x.shape), tuple(y.shape)))
            dtypes.add((str(x.dtype), str(y.dtype)))
            indices.extend(fingerprint(x).tolist())
        losses.append(running_loss / len(train_set))
        train_accuracies.append(correct / len(train_set))
        seen.append(sorted(indices))
    return {
        "losses": losses, "train_accuracies": train_accuracies, "val_accuracy": accuracy(model, val_loader),
        "seen": seen, "shapes": sorted(shapes), "dtypes": dtypes, "sizes": [len(train_set), len(val_set)],
        "batches": [len(train_loader), len(val_loader)],
        "train_samples": sorted(fingerprint(train_set[i][0]).item() for i in range(len(train_set))),
    }


def main(torch) -> dict:
    run, again = train(torch), train(torch)
    (x_dtype, y_dtype), = run["dtypes"]
    return {
        "sizes": run["sizes"],
        "batches": run["batches"],
        "batch_shapes": [list(xs) + list(ys) for xs, ys in run["shapes"]],
        "dtypes": [x_dtype, y_dtype],
        "every_epoch_sees_each_sample_once": all(np.allclose(s, run["train_samples"]) for s in run["seen"]),
        "loss_fell": run["losses"][-1] < 0.5 * run["losses"][0],
        "train_accuracy_high": run["train_accuracies"][-1] >= 0.9,
        "val_accuracy_high": run["val_accuracy"] >= 0.9,
        "repeats_from_the_same_seeds": run == again,
    }


if __name__ == "__main__":
    print(main(torch))
