"""examples/digits_cnn.py: trains on scikit-learn's digits and on MNIST files, and says what is missing."""

import os
import sys
from importlib.util import find_spec

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import digits_cnn  # noqa: E402
from idx import write_idx  # noqa: E402

needs_sklearn = pytest.mark.skipif(find_spec("sklearn") is None,
                                   reason='the digits come with scikit-learn: pip install ".[examples]"')
HEADER = "true\\pred   0   1   2   3   4   5   6   7   8   9"


def printed_confusion(out: str) -> np.ndarray:
    """The confusion matrix the script printed, read back from its table."""
    lines = out.splitlines()
    start = lines.index("confusion matrix (rows: true digit, columns: predicted digit)")
    assert lines[start + 1] == HEADER
    rows = [line.split() for line in lines[start + 2:start + 12]]
    assert [int(row[0]) for row in rows] == list(range(10))
    return np.array([[int(n) for n in row[1:]] for row in rows])


@needs_sklearn
def test_digits_on_a_subset_prints_the_confusion_matrix(capsys):
    digits_cnn.main(["--subset", "300", "--epochs", "1"])
    out = capsys.readouterr().out
    assert "training on 300 images, testing on 359" in out and "epoch   1/1  loss" in out
    matrix = printed_confusion(out)
    assert matrix.sum() == 359 and matrix.shape == (10, 10)
    assert f"({359 - np.trace(matrix)} of 359 wrong)" in out


@needs_sklearn
def test_digits_split_is_seeded_and_covers_all_images():
    images, labels = digits_cnn.load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float32 and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0 and set(labels.tolist()) == set(range(10))
    train_set, test_set = digits_cnn.digits_datasets(seed=0)
    again, _ = digits_cnn.digits_datasets(seed=0)
    other, _ = digits_cnn.digits_datasets(seed=1)
    assert (len(train_set), len(test_set)) == (1438, 359)
    assert sorted(train_set.indices + test_set.indices) == list(range(1797))
    assert train_set.indices == again.indices and train_set.indices != other.indices


def test_without_sklearn_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setattr(digits_cnn, "find_spec", lambda name: None)
    with pytest.raises(SystemExit) as exit_info:
        digits_cnn.main(["--epochs", "1"])
    assert exit_info.value.code == 2
    assert 'scikit-learn, which is not installed: pip install scikit-learn' in capsys.readouterr().err
    assert 'pip install ".[examples]"' in digits_cnn.INSTALL_HINT


def fake_mnist(directory, train: int = 40, test: int = 20, seed: int = 0) -> None:
    """The four MNIST files with random 28x28 images: the training files gzipped, the test files not."""
    rng = np.random.default_rng(seed)
    for prefix, count, suffix in (("train", train, ".gz"), ("t10k", test, "")):
        write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}",
                  rng.integers(0, 256, (count, 28, 28), dtype=np.uint8))
        write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", np.arange(count, dtype=np.uint8) % 10)


def test_lenet_on_a_fake_mnist(tmp_path, capsys):
    fake_mnist(tmp_path)
    digits_cnn.main(["--mnist", str(tmp_path), "--epochs", "1", "--batch-size", "20"])
    out = capsys.readouterr().out
    assert "training on 40 images, testing on 20" in out and "epoch   1/1  loss" in out
    assert printed_confusion(out).sum(axis=1).tolist() == [2] * 10


def test_mnist_datasets_are_normalised(tmp_path):
    fake_mnist(tmp_path, train=3, test=2)
    train_set, test_set = digits_cnn.mnist_datasets(str(tmp_path))
    images, labels = train_set.tensors
    assert tuple(images.shape) == (3, 1, 28, 28) and tuple(test_set.tensors[0].shape) == (2, 1, 28, 28)
    assert labels.tolist() == [0, 1, 2]
    assert images.numpy().min() == pytest.approx(-digits_cnn.MNIST_MEAN / digits_cnn.MNIST_STD, abs=0.01)


def test_missing_mnist_files_are_named_with_where_to_get_them(tmp_path, capsys):
    fake_mnist(tmp_path)
    os.remove(tmp_path / "t10k-labels-idx1-ubyte")
    with pytest.raises(SystemExit) as exit_info:
        digits_cnn.main(["--mnist", str(tmp_path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} lacks t10k-labels-idx1-ubyte." in err
    for name in digits_cnn.MNIST_FILES.values():
        assert name in err
    assert "https://yann.lecun.com/exdb/mnist/" in err
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/" in err


def test_mnist_images_and_labels_that_disagree_are_refused(tmp_path):
    fake_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(7, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte: expected images \(N, rows, cols\) and "
                                         r"labels \(N,\), found \(20, 28, 28\) and \(7,\)"):
        digits_cnn.mnist_datasets(str(tmp_path))


def test_confusion_matrix_counts_true_rows_predicted_columns():
    labels, predicted = np.array([0, 0, 1, 9, 9, 9]), np.array([0, 1, 1, 9, 9, 3])
    matrix = digits_cnn.confusion_matrix(labels, predicted)
    assert matrix[0, 0] == 1 and matrix[0, 1] == 1 and matrix[9, 9] == 2 and matrix[9, 3] == 1
    assert matrix.sum() == 6
    np.testing.assert_array_equal(printed_confusion(digits_cnn.format_confusion(matrix)), matrix)


def test_plot_saves_the_loss_curve_and_the_mistakes(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    images = np.random.default_rng(0).random((5, 1, 8, 8))
    labels, predicted = np.array([0, 1, 2, 3, 4]), np.array([0, 7, 2, 3, 1])
    digits_cnn.plot([2.3, 1.0, 0.5], images, labels, predicted, str(tmp_path / "digits.png"))
    assert (tmp_path / "digits.png").stat().st_size > 0
    assert capsys.readouterr().out.startswith("Saved the plot to")


def test_plot_without_matplotlib_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    digits_cnn.plot([1.0], np.zeros((1, 1, 8, 8)), np.array([1]), np.array([2]), str(tmp_path / "x.png"))
    assert capsys.readouterr().out.strip().startswith("--plot needs matplotlib")
    assert not (tmp_path / "x.png").exists()
