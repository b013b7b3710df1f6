"""save/load in the safetensors format: exact dtypes and shapes, atomic writes, clear refusals."""

import io
import os

import numpy as np
import pytest
from example_models import build, example_input, logits

import autograd_mini as am
from autograd_mini import nn

safetensors_numpy = pytest.importorskip("safetensors.numpy")


@pytest.mark.parametrize("name", ["mlp", "cnn", "lstm", "gpt"])
def test_a_state_dict_round_trips_into_a_fresh_model(name, tmp_path):
    model = build(name, seed=1)
    path = tmp_path / "model.safetensors"
    am.save(model.state_dict(), path)
    loaded = am.load(path)
    assert sorted(loaded) == sorted(model.state_dict())
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape, key
        assert np.array_equal(loaded[key].numpy(), value.numpy()), key
    other = build(name, seed=2)
    other.load_state_dict(loaded)
    x = example_input(name)
    with am.no_grad():
        assert np.array_equal(logits(other(x)).numpy(), logits(model(x)).numpy())


def test_the_file_is_plain_safetensors_and_keeps_every_dtype(tmp_path):
    arrays = {
        "f16": np.arange(6, dtype=np.float16).reshape(2, 3), "f64": np.array(2.5),
        "i8": np.array([-1, 2], np.int8), "u8": np.array([[255]], np.uint8), "i64": np.arange(3),
        "b": np.array([True, False]), "empty": np.zeros((0, 4), np.float32),
        "strided": np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2],
    }
    path = tmp_path / "t.safetensors"
    am.save({k: am.from_numpy(v) for k, v in arrays.items()}, str(path))
    read = safetensors_numpy.load_file(str(path))
    loaded = am.load(path)
    for key, array in arrays.items():
        for got in (read[key], loaded[key].numpy()):
            assert got.dtype == array.dtype and got.shape == array.shape and np.array_equal(got, array), key
    loaded["f16"].numpy()[0, 0] = 9  # writable
    assert not loaded["f16"].requires_grad


def test_arrays_written_by_safetensors_load():
    data = safetensors_numpy.save({"w": np.ones((2, 2), np.float32)})
    loaded = am.load(io.BytesIO(data), format="safetensors")
    assert isinstance(loaded["w"], am.Tensor) and loaded["w"].tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_format_argument_chooses_over_the_suffix(tmp_path):
    state = nn.Linear(2, 3).state_dict()
    buffer = io.BytesIO()
    am.save(state, buffer, format="safetensors")
    assert set(safetensors_numpy.load(buffer.getvalue())) == {"weight", "bias"}
    path = tmp_path / "weights.bin"
    am.save(state, path, format="safetensors")
    assert set(am.load(path, format="safetensors")) == {"weight", "bias"}
    am.save(state, tmp_path / "plain.npz")
    assert set(am.load(tmp_path / "plain.npz")) == {"weight", "bias"}
    with pytest.raises(ValueError, match="format must be 'npz' or 'safetensors', not 'pt'"):
        am.save(state, path, format="pt")


@pytest.mark.parametrize("obj, message", [
    (nn.Linear(2, 2), "not a Linear: save model.state_dict()"),
    ([am.zeros(2)], "not a list"),
    ({"model": {"w": am.zeros(1)}}, "the value at 'model' is a dict"),
    ({"epoch": 3}, "the value at 'epoch' is a int"),
    ({1: am.zeros(1)}, "by str, not by the int 1"),
    ({"s": np.array(["a"])}, "'s' is of dtype <U1"),
])
def test_what_a_safetensors_file_cannot_hold_is_refused_and_nothing_is_written(obj, message, tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match=message):
        am.save(obj, path)
    assert not os.path.exists(path) and not os.listdir(tmp_path)


def test_a_failed_write_leaves_the_old_file_in_place(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    am.save({"w": am.ones(3)}, path)
    monkeypatch.setattr(safetensors_numpy, "save", lambda arrays: b"x" * 4)

    def fail(file):
        file.write(b"half")
        raise OSError("disk full")

    from autograd_mini.serialization import _archive
    with pytest.raises(OSError, match="disk full"):
        _archive.write_atomically(path, fail)
    assert am.load(path)["w"].tolist() == [1.0, 1.0, 1.0] and os.listdir(tmp_path) == ["m.safetensors"]


def test_a_truncated_file_names_the_tensor_and_its_shape(tmp_path):
    path = tmp_path / "m.safetensors"
    am.save({"a.weight": am.zeros(2, 3), "b.bias": am.zeros(4)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:-3])
    with pytest.raises(am.CheckpointError, match=r"'b.bias' of .* declares shape \(4,\) of F32 .* truncated"):
        am.load(path)
    path.write_bytes(data[:20])
    with pytest.raises(am.CheckpointError, match="header declares .* bytes, but 12 follow"):
        am.load(path)
    path.write_bytes(b"abc")
    with pytest.raises(am.CheckpointError, match="not a safetensors file: 3 bytes"):
        am.load(path)


def test_a_damaged_header_and_a_missing_file(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes((5).to_bytes(8, "little") + b"{oops")
    with pytest.raises(am.CheckpointError, match="damaged safetensors header"):
        am.load(path)
    with pytest.raises(FileNotFoundError):
        am.load(tmp_path / "absent.safetensors")


def test_bfloat16_is_refused_with_a_hint(tmp_path):
    header = b'{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}'
    path = tmp_path / "m.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 4)
    with pytest.raises(am.CheckpointError, match="'w' .* is BF16, which NumPy cannot hold"):
        am.load(path)


def test_a_mismatched_file_names_the_key_and_both_shapes(tmp_path):
    path = tmp_path / "m.safetensors"
    am.save(nn.Linear(3, 5).state_dict(), path)
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: .*\[5, 3\].*model is .*\[4, 3\]"):
        nn.Linear(3, 4).load_state_dict(am.load(path))
    am.save({"weight": am.zeros(4, 3)}, path)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        nn.Linear(3, 4).load_state_dict(am.load(path))
