"""Losses and activations beyond the basics, as a PyTorch user reaches for them.

A three-class classifier with GELU and SiLU layers, trained with CrossEntropyLoss(weight=...,
label_smoothing=...); the same network ending in LogSoftmax and trained with NLLLoss, some of
its labels hidden as ignore_index; a line fitted through data with outliers by MSELoss, HuberLoss
and SmoothL1Loss; a Mish network on an imbalanced binary task with and without
BCEWithLogitsLoss(pos_weight=...); a student distilled from a teacher with KLDivLoss
(reduction="batchmean"); and label smoothing written out by hand with F.one_hot. Everything is
float64 and seeded from NumPy, so both libraries take the same steps.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np


def init_from_numpy(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = p.shape[1] if p.dim() == 2 else p.shape[0]
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) / np.sqrt(fan_in)))


def blobs(rng, n_per_class):
    """Three Gaussian blobs in the plane, one per class, the last one smaller."""
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    counts = [n_per_class, n_per_class, n_per_class // 3]
    points = np.concatenate([c + 0.7 * rng.standard_normal((k, 2)) for c, k in zip(centres, counts)])
    labels = np.concatenate([np.full(k, i) for i, k in enumerate(counts)])
    order = rng.permutation(len(labels))
    return torch.from_numpy(points[order]), torch.from_numpy(labels[order].astype(np.int64))


def classifier(last=None):
    layers = [torch.nn.Linear(2, 16), torch.nn.GELU(), torch.nn.Linear(16, 16), torch.nn.SiLU()]
    layers.append(torch.nn.Linear(16, 3))
    if last is not None:
        layers.append(last)
    model = torch.nn.Sequential(*layers).double()
    init_from_numpy(model, seed=1)
    return model


def fit(model, criterion, x, y, steps, lr):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).double().mean().item()


def classification(rng):
    x, y = blobs(rng, 60)
    class_weights = torch.tensor(len(y) / (3 * np.bincount(y.numpy())))  # the rare class weighs more
    model = classifier()
    criterion = torch.nn.CrossEntropyLoss(weight=class_weights, label_smoothing=0.1)
    losses = fit(model, criterion, x, y, steps=60, lr=0.05)

    # The same network ending in LogSoftmax, trained with NLLLoss on the labels left after hiding
    # every fourth one: a hidden label adds nothing, as if the sample were not there.
    log_model = classifier(torch.nn.LogSoftmax(dim=1))
    partial = y.clone()
    partial[::4] = -100
    nll_losses = fit(log_model, torch.nn.NLLLoss(ignore_index=-100), x, partial, steps=60, lr=0.05)
    with torch.no_grad():
        logits = model(x)
        log_probs = torch.nn.functional.log_softmax(logits, dim=1)
        kept = partial != -100
        nll = torch.nn.functional.nll_loss(log_probs, partial).item()
        nll_of_kept = torch.nn.functional.nll_loss(log_probs[kept], partial[kept]).item()
        as_nll = torch.nn.functional.nll_loss(log_probs, y).item()
        as_cross_entropy = torch.nn.functional.cross_entropy(logits, y).item()

        # Label smoothing by hand: class probabilities from one_hot, mixed with the uniform ones.
        soft = torch.nn.functional.one_hot(y, num_classes=3).double() * 0.9 + 0.1 / 3
        by_hand = torch.nn.functional.cross_entropy(logits, soft).item()
        built_in = torch.nn.functional.cross_entropy(logits, y, label_smoothing=0.1).item()
    return {
        "losses": losses,
        "accuracy": accuracy(model, x, y),
        "class_weights": class_weights.tolist(),
        "nll_losses": nll_losses,
        "nll_accuracy": accuracy(log_model, x, y),
        "ignored_is_left_out": [nll, nll_of_kept],
        "log_softmax_nll_is_cross_entropy": [as_nll, as_cross_entropy],
        "smoothing_by_hand": [by_hand, built_in],
    }


def robust_regression(rng):
    """y = 2x + 1 with noise, and a tenth of the points thrown far off: the robust losses keep the slope."""
    x = rng.uniform(-2, 2, (100, 1))
    y = 2 * x + 1 + 0.1 * rng.standard_normal((100, 1))
    y[::10] += 15
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    fits = {}
    for name, criterion in [
        ("mse", torch.nn.MSELoss()),
        ("huber", torch.nn.HuberLoss(delta=1.0)),
        ("smooth_l1", torch.nn.SmoothL1Loss(beta=0.5)),
        ("l1", torch.nn.L1Loss()),
    ]:
        line = torch.nn.Linear(1, 1).double()
        init_from_numpy(line, seed=2)
        optimizer = torch.optim.SGD(line.parameters(), lr=0.1)
        for _ in range(300):
            optimizer.zero_grad()
            criterion(line(x), y).backward()
            optimizer.step()
        fits[name] = [line.weight.item(), line.bias.item()]
    return fits


def imbalanced(rng):
    """One positive in ten; pos_weight = negatives / positives makes the positives count as much."""
    n = 200
    x = rng.standard_normal((n, 2))
    positive = (x[:, 0] + 0.5 * x[:, 1] > 1.3).astype(np.float64)
    x, y = torch.from_numpy(x), torch.from_numpy(positive[:, None])
    positives = int(positive.sum())
    pos_weight = torch.tensor([(n - positives) / positives], dtype=torch.float64)
    recalls, losses = {}, {}
    for name, criterion in [
        ("plain", torch.nn.BCEWithLogitsLoss()),
        ("pos_weight", torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)),
    ]:
        model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Mish(), torch.nn.Linear(8, 1)).double()
        init_from_numpy(model, seed=3)
        losses[name] = fit(model, criterion, x, y, steps=40, lr=0.03)
        with torch.no_grad():
            predicted = (torch.sigmoid(model(x)) > 0.5).double()
            recalls[name] = ((predicted * y).sum() / y.sum()).item()
    return {"recall": recalls, "losses": losses, "positives": positives}


def distillation(rng):
    """A small student learns a teacher's softened class probabilities through KL divergence."""
    x = torch.from_numpy(rng.standard_normal((64, 4)))
    teacher = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 5)).double()
    student = torch.nn.Sequential(
        torch.nn.Linear(4, 12), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(12, 5)
    ).double()
    init_from_numpy(teacher, seed=4)
    init_from_numpy(student, seed=5)
    temperature = 2.0
    with torch.no_grad():
        soft_targets = torch.nn.functional.softmax(teacher(x) / temperature, dim=1)
    criterion = torch.nn.KLDivLoss(reduction="batchmean")
    optimizer = torch.optim.Adam(student.parameters(), lr=0.02)
    losses = []
    for _ in range(80):
        optimizer.zero_grad()
        loss = criterion(torch.nn.functional.log_softmax(student(x) / temperature, dim=1), soft_targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        agree = (student(x).argmax(1) == teacher(x).argmax(1)).double().mean().item()
    return {"losses": losses, "agreement": agree}


def main(torch) -> dict:
    rng = np.random.default_rng(0)
    return {
        "classification": classification(rng),
        "regression": robust_regression(rng),
        "imbalanced": imbalanced(rng),
        "distillation": distillation(rng),
    }


if __name__ == "__main__":
    result = main(torch)
    print("classification accuracy", result["classification"]["accuracy"])
    print("fitted lines (slope, intercept)", result["regression"])
    print("recall", result["imbalanced"]["recall"])
    losses = result["distillation"]["losses"]
    print("distillation loss", losses[0], "->", losses[-1])
