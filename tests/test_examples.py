"""The examples do what their docs promise: XOR reproduces the NumPy tutorial, and trains."""

import os
import sys

import numpy as np
import pytest

import autograd_mini as am

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import regression  # noqa: E402
import spirals  # noqa: E402
import xor  # noqa: E402


def tutorial_reference(epochs: int = 10_000) -> tuple[list[float], np.ndarray]:
    """The tutorial's hand-written NumPy network: its losses at every epoch and final predictions."""
    np.random.seed(42)
    weights_input_hidden = np.random.randn(2, 2)
    bias_hidden = np.zeros((1, 2))
    weights_hidden_output = np.random.randn(2, 1)
    bias_output = np.zeros((1, 1))

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0], [1], [1], [0]])
    losses = []
    for _ in range(epochs):
        hidden = sigmoid(np.dot(X, weights_input_hidden) + bias_hidden)
        output = sigmoid(np.dot(hidden, weights_hidden_output) + bias_output)
        losses.append(np.mean((y - output) ** 2))
        d_output = (y - output) * (output * (1 - output))
        d_hidden = d_output.dot(weights_hidden_output.T) * (hidden * (1 - hidden))
        weights_hidden_output += hidden.T.dot(d_output) * 0.1
        bias_output += np.sum(d_output, axis=0, keepdims=True) * 0.1
        weights_input_hidden += X.T.dot(d_hidden) * 0.1
        bias_hidden += np.sum(d_hidden, axis=0, keepdims=True) * 0.1
    hidden = sigmoid(np.dot(X, weights_input_hidden) + bias_hidden)
    return losses, sigmoid(np.dot(hidden, weights_hidden_output) + bias_output)


@pytest.fixture
def float64_default():
    am.set_default_dtype(np.float64)


def test_tutorial_mode_reproduces_the_numpy_tutorial(float64_default):
    expected_losses, expected_predictions = tutorial_reference()
    model, losses = xor.train(hidden=2, epochs=10_000, lr=0.1, seed=42, log_every=0)
    np.testing.assert_allclose(losses, expected_losses, rtol=0, atol=1e-10)
    np.testing.assert_allclose(xor.predict(model), expected_predictions, rtol=0, atol=1e-10)
    # The tutorial's net is stuck in a local minimum: it does not solve XOR.
    assert not xor.solves_xor(xor.predict(model))
    assert losses[9000] == pytest.approx(0.12885, abs=1e-5)


def test_tutorial_command_prints_the_tutorial_lines(capsys):
    xor.main(["--tutorial"])
    out = capsys.readouterr().out
    _, predictions = tutorial_reference()
    assert "Epoch 0, Loss: 0.25583" in out and "Epoch 9000, Loss: 0.12885" in out
    assert "XOR not solved" in out and "local minimum" in out
    for value in predictions.ravel():
        assert f"{value:.8f}"[:6] in out


def test_default_run_solves_xor(capsys):
    xor.main([])
    out = capsys.readouterr().out
    assert "XOR solved: predictions round to 0, 1, 1, 0" in out


def test_adam_solves_xor(float64_default):
    model, _ = xor.train(hidden=4, epochs=2000, lr=0.05, optimizer="adam", log_every=0)
    assert xor.solves_xor(xor.predict(model))


def test_plot_without_matplotlib_is_one_line(monkeypatch, capsys, tmp_path, float64_default):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    model, losses = xor.train(hidden=2, epochs=2, log_every=0)
    xor.plot(model, losses, str(tmp_path / "xor.png"))
    assert capsys.readouterr().out.strip().startswith("--plot needs matplotlib")
    assert not (tmp_path / "xor.png").exists()


def test_spirals_reach_high_training_accuracy():
    _, points, labels, final = spirals.train(epochs=300, log_every=0)
    assert points.shape == (300, 2) and set(labels) == {0, 1, 2}
    assert final > 0.95


def test_regression_fits_sine():
    model, final = regression.train(epochs=300, log_every=0)
    assert final < 1e-3
    with am.no_grad():
        assert model(am.tensor([[1.0]])).item() == pytest.approx(np.sin(1.0), abs=0.05)
