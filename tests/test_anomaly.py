"""Anomaly mode stops at the first NaN or inf, forward or backward, and names the op and the line."""

import numpy as np
import pytest

import autograd_mini as am


def test_forward_nan_names_the_op_shapes_and_line():
    x = am.tensor([1.0, -1.0], requires_grad=True)
    with am.detect_anomaly(), np.errstate(invalid="ignore"), pytest.raises(am.AnomalyError) as info:
        x.log()  # the line the error must name
    message = str(info.value)
    assert "log produced 1 NaN in forward" in message
    assert "(2,)" in message
    assert "test_anomaly.py" in message and "x.log()" in message


def test_backward_inf_names_the_op_and_where_it_was_made():
    z = am.tensor([0.0, 1.0], requires_grad=True)
    with am.detect_anomaly(), np.errstate(divide="ignore"):
        root = z.sqrt()  # finite forward, infinite derivative at 0
        with pytest.raises(am.AnomalyError) as info:
            root.sum().backward()
    message = str(info.value)
    assert "SqrtBackward0 returned 1 inf as the gradient of input 0" in message
    assert "root = z.sqrt()" in message


def test_off_by_default_and_after_the_block():
    x = am.tensor([-1.0])
    assert not am.anomaly.is_anomaly_enabled()
    with am.detect_anomaly():
        assert am.anomaly.is_anomaly_enabled()
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().item())


def test_finite_training_step_passes_in_anomaly_mode():
    model = am.nn.Sequential(am.nn.Linear(3, 4), am.nn.Tanh(), am.nn.Linear(4, 1))
    with am.detect_anomaly():
        loss = model(am.randn(5, 3)).sum()
        loss.backward()
    assert all(np.isfinite(p.grad._array).all() for p in model.parameters())
