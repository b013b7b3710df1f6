"""Array exchange with NumPy: np.asarray, the __array__ protocol's copy=, DLPack both ways, as_tensor."""

import numpy as np
import pytest

import autograd_mini as am


def test_asarray_shares_memory_and_writes_show_through():
    t = am.tensor([1.0, 2.0, 3.0])
    a = np.asarray(t)
    assert np.shares_memory(a, t.numpy())
    a[0] = 10.0
    assert t.tolist() == [10.0, 2.0, 3.0]


def test_array_protocol_honours_copy():
    t = am.tensor([1.0, 2.0])
    assert np.shares_memory(np.array(t, copy=False), t.numpy())
    assert np.shares_memory(np.asarray(t, dtype=np.float32, copy=False), t.numpy())
    copied = np.array(t, copy=True)
    assert not np.shares_memory(copied, t.numpy()) and copied.dtype == np.float32
    converted = np.asarray(t, dtype=np.float64)
    assert converted.dtype == np.float64 and converted.tolist() == [1.0, 2.0]
    assert np.array(t, dtype=np.float64, copy=True).dtype == np.float64
    with pytest.raises(ValueError, match="Unable to avoid copy.*float32, not float64"):
        np.asarray(t, dtype=np.float64, copy=False)


def test_array_protocol_refuses_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(am.tensor([1.0], requires_grad=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8, np.bool_])
def test_numpy_from_dlpack_shares_memory(dtype):
    t = am.tensor(np.array([[0, 1, 1]], dtype=dtype))
    a = np.from_dlpack(t)
    assert a.dtype == dtype and a.shape == (1, 3) and np.shares_memory(a, t.numpy())
    t.numpy()[0, 0] = 1
    assert a[0, 0] == 1
    assert t.__dlpack_device__() == (1, 0)


def test_dlpack_refuses_a_tensor_that_requires_grad_and_exports_its_detached_data():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(BufferError, match="requires grad.*detach"):
        np.from_dlpack(w)
    assert np.shares_memory(np.from_dlpack(w.detach()), w.detach().numpy())


def test_from_dlpack_of_a_numpy_array_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)[:, 1:]  # a strided view
    t = am.from_dlpack(a)
    assert t.dtype == np.float32 and t.shape == (2, 2) and not t.requires_grad
    a[0, 0] = -1.0
    assert t[0, 0].item() == -1.0
    t.numpy()[1, 1] = 7.0
    assert a[1, 1] == 7.0


def test_from_dlpack_refuses_what_does_not_export_dlpack():
    with pytest.raises(TypeError, match="list does not export DLPack"):
        am.from_dlpack([1.0, 2.0])


def test_as_tensor_shares_memory_with_an_array_of_its_dtype():
    a = np.zeros(3, np.float64)
    t = am.as_tensor(a)
    a[1] = 2.0
    assert t.dtype == np.float64 and t.tolist() == [0.0, 2.0, 0.0]
    t.numpy()[2] = 3.0
    assert a[2] == 3.0
    assert not np.shares_memory(am.as_tensor(a, dtype=np.float32).numpy(), a)
