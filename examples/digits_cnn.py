"""Train a small convolutional network on handwritten digits, or LeNet on MNIST.

    python examples/digits_cnn.py                  # the 8x8 digits scikit-learn ships: over 97% test accuracy
    python examples/digits_cnn.py --plot out.png   # and save the loss curve and the misclassified digits
    python examples/digits_cnn.py --mnist DIR      # LeNet on MNIST, read from the four IDX files in DIR

The digits (1,797 images of 8x8 pixels, values 0..16) come from the CSV file inside the
scikit-learn package, read without importing scikit-learn: no download. They are split 80/20
into training and test sets by random_split with a seeded Generator, so every run sees the same
split. The network is two 3x3 convolutions with ReLU and 2x2 max-pooling, then two linear
layers, trained with Adam on cross-entropy, the learning rate annealed along a cosine. At the end
the script prints the test accuracy and the confusion matrix: row i, column j counts the test
images of digit i classified as j.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from collections.abc import Iterable, Sequence
from importlib.util import find_spec

import numpy as np
from idx import read_idx

import autograd_mini as am
from autograd_mini import nn, optim
from autograd_mini.utils.data import DataLoader, Dataset, Subset, TensorDataset, random_split

INSTALL_HINT = 'pip install scikit-learn  (or, from the repository root: pip install ".[examples]")'
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # over MNIST's training pixels, scaled to [0, 1]


class MissingData(Exception):
    """The data to train on is not on this machine; the message says how to get it."""


# ---------------------------------------------------------------------------- data

def digits_csv_path() -> str:
    """Where scikit-learn keeps its copy of the digits, found without importing scikit-learn."""
    spec = find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise MissingData(f"the digits come with scikit-learn, which is not installed: {INSTALL_HINT}")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if not os.path.exists(path):
        raise MissingData(f"scikit-learn is installed but {path} is missing: reinstall it ({INSTALL_HINT})")
    return path


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits as images (N, 1, 8, 8) float32 in [0, 1] and labels (N,) int64."""
    with gzip.open(digits_csv_path(), "rt") as file:
        table = np.loadtxt(file, delimiter=",", dtype=np.float32)  # 64 pixels 0..16, then the label
    images = (table[:, :64] / 16.0).reshape(-1, 1, 8, 8)
    return images, table[:, 64].astype(np.int64)


def digits_datasets(seed: int) -> tuple[Dataset, Dataset]:
    """The digits split 80/20 into training and test sets; the same split for the same seed."""
    images, labels = load_digits()
    dataset = TensorDataset(am.tensor(images), am.tensor(labels))
    train_set, test_set = random_split(dataset, [0.8, 0.2], generator=am.Generator().manual_seed(seed))
    return train_set, test_set


def mnist_path(directory: str, name: str) -> str | None:
    """The IDX file `name` in directory, plain or gzipped, or None when neither is there."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    return None


def mnist_datasets(directory: str) -> tuple[Dataset, Dataset]:
    """MNIST's training and test sets: images (1, 28, 28) normalised, labels int64."""
    paths = {key: mnist_path(directory, name) for key, name in MNIST_FILES.items()}
    missing = [MNIST_FILES[key] for key, path in paths.items() if path is None]
    if missing:
        raise MissingData(
            f"{directory} lacks {', '.join(missing)}.\n"
            f"--mnist DIR expects the four MNIST files, each plain or gzipped (.gz):\n  "
            + "\n  ".join(MNIST_FILES.values())
            + "\nDownload them from the MNIST page, https://yann.lecun.com/exdb/mnist/, or a mirror "
            "such as https://ossci-datasets.s3.amazonaws.com/mnist/"
        )

    def dataset(images_key: str, labels_key: str) -> TensorDataset:
        images, labels = read_idx(paths[images_key]), read_idx(paths[labels_key])
        if images.ndim != 3 or labels.shape != images.shape[:1]:
            raise ValueError(f"{paths[images_key]} and {paths[labels_key]}: expected images (N, rows, cols) "
                             f"and labels (N,), found {images.shape} and {labels.shape}")
        pixels = (images.astype(np.float32) / 255.0 - MNIST_MEAN) / MNIST_STD
        return TensorDataset(am.tensor(pixels[:, None]), am.tensor(labels.astype(np.int64)))

    return dataset("train_images", "train_labels"), dataset("test_images", "test_labels")


# ---------------------------------------------------------------------------- models

def digits_cnn() -> nn.Sequential:
    """(N, 1, 8, 8) -> (N, 10): two 3x3 convolutions, each with ReLU and 2x2 max-pooling, then an MLP."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (N, 16, 4, 4)
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 32, 2, 2)
        nn.Flatten(), nn.Linear(32 * 2 * 2, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def lenet() -> nn.Sequential:
    """LeNet-5 for (N, 1, 28, 28) -> (N, 10); padding 2 makes the first layer see 32x32 as in the paper."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # (N, 6, 14, 14)
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),            # (N, 16, 5, 5)
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


# ---------------------------------------------------------------------------- training

def progress(batches: Iterable, description: str) -> Iterable:
    """The batches behind a tqdm progress bar when tqdm is installed, as they are otherwise."""
    try:
        from tqdm import tqdm
    except ImportError:
        return batches
    return tqdm(batches, desc=description, leave=False, unit="batch")


def train(model: nn.Module, train_set: Dataset, epochs: int, batch_size: int, lr: float,
          seed: int, test_set: Dataset | None = None) -> list[float]:
    """Adam on cross-entropy, the learning rate annealed along a cosine from lr to 0 over the epochs.

    Prints one line per epoch (with the test accuracy when test_set is given) and returns the
    loss of every batch.
    """
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True,
                        generator=am.Generator().manual_seed(seed))
    opt = optim.Adam(model.parameters(), lr=lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(1, epochs + 1):
        model.train()
        start, epoch_losses = time.perf_counter(), []
        for images, labels in progress(loader, f"epoch {epoch}/{epochs}"):
            loss = loss_fn(model(images), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            epoch_losses.append(loss.item())
        schedule.step()
        losses += epoch_losses
        line = f"epoch {epoch:3d}/{epochs}  loss {np.mean(epoch_losses):.4f}"
        if test_set is not None:
            line += f"  test accuracy {accuracy(*predict(model, test_set)[1:]):.1%}"
        print(line + f"  ({time.perf_counter() - start:.1f} s)", flush=True)
    return losses


def predict(model: nn.Module, dataset: Dataset,
            batch_size: int = 500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's predictions on dataset: images (N, 1, H, W), true labels (N,), predicted (N,)."""
    model.eval()
    images, labels, predicted = [], [], []
    with am.no_grad():
        for x, y in DataLoader(dataset, batch_size=batch_size):
            images.append(x.numpy())
            labels.append(y.numpy())
            predicted.append(model(x).argmax(dim=1).numpy())
    return np.concatenate(images), np.concatenate(labels), np.concatenate(predicted)


def accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(labels == predicted))


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """(classes, classes): entry [i, j] counts the examples of class i predicted as class j."""
    return np.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def format_confusion(matrix: np.ndarray) -> str:
    """The confusion matrix as a table, labelled: rows the true digit, columns the predicted one."""
    width = max(4, len(str(matrix.max())) + 1)
    lines = ["confusion matrix (rows: true digit, columns: predicted digit)",
             "true\\pred" + "".join(f"{j:>{width}}" for j in range(len(matrix)))]
    lines += [f"{i:>9}" + "".join(f"{n:>{width}}" for n in row) for i, row in enumerate(matrix)]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- plot

def plot(losses: list[float], images: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
         path: str | None) -> None:
    """The loss of every batch, and up to 32 misclassified test images; saved to path, or shown."""
    try:
        import matplotlib

        if path:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print('--plot needs matplotlib: pip install matplotlib (or pip install ".[examples]")')
        return
    wrong = np.flatnonzero(labels != predicted)[:32]
    fig = plt.figure(figsize=(12, 5))
    curve = fig.add_subplot(1, 2, 1)
    curve.plot(losses)
    curve.set(xlabel="batch", ylabel="cross-entropy", yscale="log", title="Training loss")
    grid = fig.add_gridspec(4, 8, left=0.55, right=0.98, wspace=0.3, hspace=0.5)
    for k, index in enumerate(wrong):
        cell = fig.add_subplot(grid[k // 8, k % 8])
        cell.imshow(images[index, 0], cmap="gray_r")
        cell.set_title(f"{labels[index]} as {predicted[index]}", fontsize=8)
        cell.axis("off")
    fig.suptitle(f"{len(np.flatnonzero(labels != predicted))} misclassified test images (true as predicted)")
    if path:
        fig.savefig(path, dpi=100, bbox_inches="tight")
        print(f"Saved the plot to {path}")
    else:
        plt.show()


# ---------------------------------------------------------------------------- command line

def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="passes over the training set (default 12; 2 for MNIST)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, help="Adam's learning rate (default 0.005; 0.002 for MNIST)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, the weights and the shuffling")
    parser.add_argument("--subset", type=int, metavar="N", help="train on the first N training examples only")
    parser.add_argument("--mnist", metavar="DIR", help="train LeNet on MNIST, read from the IDX files in DIR")
    parser.add_argument("--plot", nargs="?", const="", metavar="PATH",
                        help="plot the loss curve and the misclassified digits: save to PATH, or show")
    args = parser.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (2 if args.mnist else 12)
    lr = args.lr if args.lr is not None else (0.002 if args.mnist else 0.005)
    if epochs < 1 or args.batch_size < 1 or lr <= 0 or (args.subset is not None and args.subset < 1):
        parser.error("--epochs, --batch-size and --subset must be at least 1, and --lr positive")

    try:
        train_set, test_set = mnist_datasets(args.mnist) if args.mnist else digits_datasets(args.seed)
    except MissingData as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.subset is not None:
        train_set = Subset(train_set, range(min(args.subset, len(train_set))))
    am.manual_seed(args.seed)
    model = lenet() if args.mnist else digits_cnn()
    print(f"training on {len(train_set)} images, testing on {len(test_set)}")
    losses = train(model, train_set, epochs, args.batch_size, lr, args.seed,
                   test_set=None if args.mnist else test_set)  # MNIST's 10,000 test images: once, at the end
    images, labels, predicted = predict(model, test_set)
    wrong = int(np.sum(labels != predicted))
    print(f"test accuracy {accuracy(labels, predicted):.2%} ({wrong} of {len(labels)} wrong)")
    print(format_confusion(confusion_matrix(labels, predicted)))
    if args.plot is not None:
        plot(losses, images, labels, predicted, args.plot or None)


if __name__ == "__main__":
    main()
