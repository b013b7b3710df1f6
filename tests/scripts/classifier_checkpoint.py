"""A two-moons classifier: an nn.Module subclass trained with SGD and momentum, checkpointed and resumed.

The training loop is the usual one (minibatches, CrossEntropyLoss, loss.item(), a StepLR schedule);
evaluation runs under model.eval() and torch.no_grad(), counting correct predictions from
out.max(1) and argmax. The model and optimizer state dicts are saved with torch.save to a
temporary directory and loaded into fresh objects, which then continue the training exactly as
the originals do.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import os
import tempfile

import numpy as np


class Net(torch.nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = torch.nn.Linear(2, hidden)
        self.fc2 = torch.nn.Linear(hidden, hidden)
        self.fc3 = torch.nn.Linear(hidden, 2)

    def forward(self, x):
        x = torch.nn.functional.relu(self.fc1(x))
        x = torch.nn.functional.relu(self.fc2(x))
        return self.fc3(x)


def two_moons(rng, n):
    angle = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(label == 0, np.cos(angle), 1 - np.cos(angle))
    y = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + 0.1 * rng.standard_normal((n, 2))
    return torch.from_numpy(points.astype(np.float32)), torch.from_numpy(label.astype(np.int64))


def train_epoch(model, optimizer, criterion, inputs, labels, batch_size=32):
    model.train()
    running_loss = 0.0
    for i in range(0, len(inputs), batch_size):
        x, y = inputs[i:i + batch_size], labels[i:i + batch_size]
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * len(x)
    return running_loss / len(inputs)


def evaluate(model, criterion, inputs, labels):
    model.eval()
    with torch.no_grad():
        outputs = model(inputs)
        loss = criterion(outputs, labels).item()
        _, predicted = outputs.max(1)
        correct = (predicted == labels).sum().item()
        by_argmax = (outputs.argmax(dim=1) == labels).sum().item()
    return loss, correct / len(labels), by_argmax == correct


def init_from_numpy(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = p.shape[1] if p.dim() == 2 else p.shape[0]
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) / np.sqrt(fan_in)))


def main(torch) -> dict:
    rng = np.random.default_rng(4)
    train_x, train_y = two_moons(rng, 256)
    test_x, test_y = two_moons(rng, 200)

    model = Net()
    init_from_numpy(model, seed=0)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)

    train_losses = []
    for epoch in range(1, 21):
        train_losses.append(train_epoch(model, optimizer, criterion, train_x, train_y))
        scheduler.step()
        if epoch % 5 == 0:
            test_loss, accuracy, _ = evaluate(model, criterion, test_x, test_y)
            print(f"epoch {epoch:2d}  train loss {train_losses[-1]:.4f}  test loss {test_loss:.4f}  "
                  f"accuracy {100 * accuracy:.1f}%")
    test_loss, accuracy, argmax_agrees = evaluate(model, criterion, test_x, test_y)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.pt")
        torch.save(model.state_dict(), path)
        restored = Net()
        restored.load_state_dict(torch.load(path))

        checkpoint_path = os.path.join(tmp, "checkpoint.pt")
        torch.save({"epoch": 20, "model_state_dict": model.state_dict(),
                    "optimizer_state_dict": optimizer.state_dict(), "loss": train_losses[-1]},
                   checkpoint_path)
        checkpoint = torch.load(checkpoint_path)
        resumed = Net()
        resumed.load_state_dict(checkpoint["model_state_dict"])
        resumed_optimizer = torch.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)
        resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])

    restored.eval()
    with torch.no_grad():
        same_outputs = model(test_x).tolist() == restored(test_x).tolist()

    # One more epoch for the original and for the copy resumed from the checkpoint.
    loss_original = train_epoch(model, optimizer, criterion, train_x, train_y)
    loss_resumed = train_epoch(resumed, resumed_optimizer, criterion, train_x, train_y)
    same_after_resume = all(
        a.tolist() == b.tolist() for a, b in zip(model.parameters(), resumed.parameters())
    )

    return {
        "train_losses": train_losses,
        "test_loss": test_loss,
        "accuracy": accuracy,
        "argmax_agrees_with_max": argmax_agrees,
        "lr_after_schedule": optimizer.param_groups[0]["lr"],
        "state_dict_keys": list(model.state_dict().keys()),
        "restored_same_outputs": same_outputs,
        "checkpoint_epoch": checkpoint["epoch"],
        "resumed_lr": resumed_optimizer.param_groups[0]["lr"],
        "loss_after_resume": [loss_original, loss_resumed],
        "same_after_resume": same_after_resume,
        "training_mode": [model.training, restored.training],
        "fc3_bias": model.fc3.bias.tolist(),
    }


if __name__ == "__main__":
    print(main(torch))
