"""Array exchange with PyTorch: DLPack both ways shares memory, and dtypes and shapes are kept."""

import numpy as np
import pytest

import autograd_mini as am

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_])
def test_torch_from_dlpack_shares_memory(dtype):
    t = am.tensor(np.array([[1, 0], [0, 1]], dtype=dtype))
    p = torch.from_dlpack(t)
    assert p.shape == (2, 2) and p.dtype == torch.from_numpy(np.zeros(1, dtype)).dtype
    p[0, 1] = 1
    assert t.numpy()[0, 1] == 1
    t.numpy()[1, 0] = 1
    assert bool(p[1, 0])


def test_from_dlpack_of_a_torch_tensor_shares_memory():
    p = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # strided
    t = am.from_dlpack(p)
    assert t.shape == (3, 2) and t.dtype == np.float32
    assert np.array_equal(t.numpy(), p.numpy())
    p[0, 1] = -5.0
    assert t[0, 1].item() == -5.0
    t.numpy()[2, 0] = 9.0
    assert p[2, 0].item() == 9.0


def test_from_dlpack_refuses_a_torch_tensor_that_requires_grad_as_torch_does():
    with pytest.raises(BufferError, match="require gradient"):
        am.from_dlpack(torch.zeros(2, requires_grad=True))
    with pytest.raises(BufferError, match="requires grad"):
        torch.from_dlpack(am.zeros(2, requires_grad=True))


def test_torch_as_tensor_of_our_tensor_agrees_with_numpy():
    t = am.tensor([[1.5, -2.0]])
    assert torch.equal(torch.as_tensor(np.asarray(t)), torch.tensor([[1.5, -2.0]]))
