"""save / load: exact round trips of nested state dicts, atomic writes, and clear load errors."""

import json
import os
import zipfile

import hypothesis.extra.numpy as npst
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.serialization import CheckpointError, load, save


def _same_array(a, b):
    """Bitwise equal: same type, dtype, shape and bytes (so NaN payloads and -0.0 count)."""
    assert type(a) is type(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


def _same(a, b):
    """Structural, bitwise equality of what save wrote and load returned."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, am.Tensor):
        _same_array(a._array, b._array)
        assert a.requires_grad == b.requires_grad
    elif isinstance(a, (np.ndarray, np.generic)):
        _same_array(np.asarray(a), np.asarray(b))
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b and (not isinstance(a, float) or np.copysign(1, a) == np.copysign(1, b))


def test_model_state_dict_round_trip(tmp_path):
    state = {
        "layer.0.weight": am.tensor(np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)),
        "layer.0.bias": am.tensor(np.zeros(4, np.float64), requires_grad=True),
        "steps": am.tensor(np.array(7, np.int64)),
    }
    save(state, tmp_path / "model.npz")
    loaded = load(tmp_path / "model.npz")
    _same(state, loaded)
    assert loaded["layer.0.weight"].dtype == np.float32
    assert loaded["layer.0.bias"].requires_grad and loaded["layer.0.bias"].is_leaf


def test_optimizer_state_dict_round_trip_keeps_types(tmp_path):
    state = {
        "state": {
            0: {"step": 3, "exp_avg": np.arange(6, dtype=np.float32).reshape(2, 3), "flag": True},
            2: {"momentum_buffer": am.tensor([1.5, -0.0])},
        },
        "param_groups": [
            {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False, "params": [0, 1], "name": None},
            {"lr": float("inf"), "nan": float("nan"), "neg_zero": -0.0, "big": 2**80, "params": [2]},
        ],
        "empty": {"dict": {}, "list": [], "tuple": ()},
        "nested": [(1, [2, (3.5, "four")]), {"k": np.float32(2.5), "d": np.float64(0.1)}, np.bool_(True)],
        "text": "ünïcode ✓",
    }
    save(state, tmp_path / "opt.npz")
    loaded = load(tmp_path / "opt.npz")
    _same(state, loaded)
    assert list(loaded["state"]) == [0, 2] and all(type(k) is int for k in loaded["state"])
    assert type(loaded["param_groups"][0]["betas"]) is tuple


def test_a_path_without_npz_suffix_is_written_exactly(tmp_path):
    path = tmp_path / "checkpoint.ckpt"
    save({"x": np.ones(2)}, str(path))
    assert os.listdir(tmp_path) == ["checkpoint.ckpt"]
    _same(load(str(path)), {"x": np.ones(2)})


def test_layouts_other_than_c_contiguous_round_trip(tmp_path):
    base = np.arange(24.0).reshape(4, 6)
    arrays = {"strided": base[::2, 1::3], "fortran": np.asfortranarray(base), "transposed": base.T}
    save(arrays, tmp_path / "a.npz")
    loaded = load(tmp_path / "a.npz")
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name], array)


@pytest.mark.parametrize(
    "dtype, uint", [(np.float16, np.uint16), (np.float32, np.uint32), (np.float64, np.uint64)]
)
def test_special_floats_round_trip_bitwise(tmp_path, dtype, uint):
    info = np.finfo(dtype)
    values = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, info.smallest_subnormal, info.max], dtype)
    payload_nan = (values[:1].view(uint) | uint(1)).view(dtype)  # a NaN with a non-default payload
    obj = {"array": np.concatenate([values, payload_nan]), "tensor": am.tensor(values)}
    save(obj, tmp_path / "f.npz")
    _same(obj, load(tmp_path / "f.npz"))


_DTYPES = st.sampled_from(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint64", "float16", "float32", "float64"]
)


@st.composite
def _leaves(draw):
    dtype = draw(_DTYPES)
    array = draw(npst.arrays(dtype, npst.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
    kind = draw(st.sampled_from(["array", "tensor", "complex_array"]))
    if kind == "complex_array":
        return array.astype(np.complex128) if array.dtype.kind == "f" else array
    if kind == "tensor":
        return am.tensor(array, requires_grad=array.dtype.kind == "f" and draw(st.booleans()))
    return array


@pytest.fixture(scope="module")
def checkpoint_path(tmp_path_factory):
    """One file for all hypothesis examples: each save replaces the last."""
    return tmp_path_factory.mktemp("round_trip") / "x.ckpt"


@given(leaves=st.lists(_leaves(), max_size=4))
def test_arrays_of_any_shape_and_dtype_round_trip_bitwise(checkpoint_path, leaves):
    obj = {"leaves": leaves, "by_index": dict(enumerate(leaves)), "tuple": tuple(leaves)}
    save(obj, checkpoint_path)
    _same(obj, load(checkpoint_path))


# ---- atomic writes ----------------------------------------------------------------------------


def _old_checkpoint(tmp_path):
    path = tmp_path / "model.ckpt"
    save({"w": np.arange(3.0)}, path)
    return path, path.read_bytes()


def test_an_unsupported_value_names_its_key_path_and_leaves_the_old_file(tmp_path):
    path, old = _old_checkpoint(tmp_path)
    bad = {"state": {0: {"step": 1, "momentum_buffer": object()}}}
    with pytest.raises(TypeError, match=r"cannot store a value of type object at state\.0\.momentum_buffer"):
        save(bad, path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.ckpt"]


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path, old = _old_checkpoint(tmp_path)

    def failing_savez(file, **arrays):
        file.write(b"PK\x03\x04 half of a zip")
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="No space left"):
        save({"w": np.zeros(3)}, path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.ckpt"]


def test_saving_over_an_existing_checkpoint_replaces_it(tmp_path):
    path, _ = _old_checkpoint(tmp_path)
    save({"w": np.ones(2, np.float32)}, path)
    _same(load(path), {"w": np.ones(2, np.float32)})
    assert os.listdir(tmp_path) == ["model.ckpt"]


@pytest.mark.parametrize(
    "value, message",
    [
        ({"a": {1, 2}}, "type set at a"),
        ({"a": [1, 2j]}, "type complex at a.1"),
        ({("a", 1): 1}, r"dict keys must be str or int; the top level has a key \('a', 1\)"),
        ({"a": {True: 1}}, "dict keys must be str or int; a has a key True"),
        ({"a": np.array([None, 1])}, "a is an array of Python objects"),
        (lambda: 0, "type function at the top level"),
    ],
)
def test_unsupported_values_are_refused_by_name(tmp_path, value, message):
    with pytest.raises(TypeError, match=message):
        save(value, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


# ---- load errors ------------------------------------------------------------------------------


def test_loading_a_text_file_says_it_is_not_an_archive(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(CheckpointError, match=r"notes\.txt' is not a checkpoint: .* this file with b'hell'"):
        load(path)


def test_loading_a_single_npy_file_is_refused(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(CheckpointError, match=r"x\.npy' is not a checkpoint"):
        load(path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_loading_a_truncated_archive_is_refused(tmp_path, keep):
    path, old = _old_checkpoint(tmp_path)
    path.write_bytes(old[: max(4, int(len(old) * keep))])
    with pytest.raises(CheckpointError, match=r"model\.ckpt' is damaged"):
        load(path)


def test_loading_a_corrupted_array_entry_is_refused(tmp_path):
    path = tmp_path / "c.ckpt"
    save({"w": np.arange(100.0)}, path)
    raw = bytearray(path.read_bytes())
    raw[raw.index(np.arange(100.0).tobytes()) + 8] ^= 0xFF  # a bit flip in the array data
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="Bad CRC-32"):
        load(path)


def test_loading_an_archive_with_object_arrays_is_refused_without_running_code(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, a0=np.array([{"payload": 1}], dtype=object), structure=np.frombuffer(b"{}", np.uint8))
    with pytest.raises(CheckpointError, match="Object arrays cannot be loaded"):
        load(path)


def test_loading_an_archive_without_the_structure_entry_is_refused(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(CheckpointError, match=r"plain\.npz' has no 'structure' entry"):
        load(path)


def _archive_with_structure(path, structure, **arrays):
    text = json.dumps(structure).encode() if not isinstance(structure, bytes) else structure
    np.savez(path, structure=np.frombuffer(text, np.uint8), **arrays)


@pytest.mark.parametrize(
    "structure",
    [
        b"{not json",
        b"\xff\xfe",
        {"format": "something else", "version": 1, "root": 1},
        {"format": "autograd_mini.checkpoint", "version": 99, "root": 1},
        {"format": "autograd_mini.checkpoint", "version": 1},
        {"format": "autograd_mini.checkpoint", "version": 1, "root": {"array": "a7"}},
        {"format": "autograd_mini.checkpoint", "version": 1, "root": {"mystery": 1}},
        {"format": "autograd_mini.checkpoint", "version": 1, "root": {}},
        [1, 2],
    ],
)
def test_loading_a_damaged_structure_entry_is_refused(tmp_path, structure):
    path = tmp_path / "s.npz"
    _archive_with_structure(path, structure, a0=np.ones(2))
    with pytest.raises(CheckpointError, match=r"s\.npz' has a damaged 'structure' entry"):
        load(path)


def test_an_entry_that_is_not_an_npy_array_is_refused(tmp_path):
    path = tmp_path / "z.npz"
    _archive_with_structure(path, {"format": "autograd_mini.checkpoint", "version": 1, "root": None})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("a0.npy", b"raw bytes")
    with pytest.raises(CheckpointError, match=r"entry 'a0' of .*z\.npz' is not a \.npy array"):
        load(path)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "absent.npz")


# ---- file objects, training checkpoints, refusals ---------------------------------------------------


def _training_checkpoint():
    model = am.nn.Sequential(am.nn.Linear(2, 3), am.nn.ReLU(), am.nn.Linear(3, 1))
    opt = am.optim.Adam(model.parameters(), lr=0.01)
    model(am.ones(4, 2)).sum().backward()
    opt.step()
    return {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": 0.12,
            "note": "best", "done": False, "best": None, "history": [0.5, 0.3], "shape": (2, 3),
            "raw": np.arange(3)}


def test_a_training_checkpoint_round_trips_through_bytes_io():
    import io

    checkpoint = _training_checkpoint()
    buffer = io.BytesIO()
    save(checkpoint, buffer)
    buffer.seek(0)
    loaded = load(buffer, map_location="cpu", weights_only=True)
    _same(dict(checkpoint, model=dict(checkpoint["model"])), dict(loaded, model=dict(loaded["model"])))
    assert loaded["epoch"] == 3 and type(loaded["epoch"]) is int and loaded["loss"] == 0.12


def test_open_file_handles_work_as_paths_do(tmp_path):
    checkpoint = {"epoch": 1, "weights": am.tensor([1.0, 2.0])}
    with open(tmp_path / "ckpt.pt", "wb") as file:
        save(checkpoint, file)
    with open(tmp_path / "ckpt.pt", "rb") as file:
        _same(checkpoint, load(file))
    _same(checkpoint, load(tmp_path / "ckpt.pt", map_location=am.device("cpu")))


@pytest.mark.parametrize("place", ["cuda", "cuda:0", "mps", {"cuda:0": "cuda:1"}])
def test_a_map_location_other_than_the_cpu_is_refused_clearly(tmp_path, place):
    save({"a": 1}, tmp_path / "c.npz")
    with pytest.raises(ValueError, match="map_location must be None, 'cpu' or torch.device\\('cpu'\\)"):
        load(tmp_path / "c.npz", map_location=place)
    assert load(tmp_path / "c.npz", map_location=lambda storage, location: storage) == {"a": 1}


def test_saving_a_whole_optimizer_says_to_save_its_state_dict(tmp_path):
    opt = am.optim.SGD(am.nn.Linear(2, 1).parameters(), lr=0.1)
    with pytest.raises(TypeError, match="whole SGD at opt: save optimizer.state_dict\\(\\) instead"):
        save({"opt": opt}, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("keep", [0, 10, 100])
def test_truncated_bytes_are_refused_by_name(keep):
    import io

    buffer = io.BytesIO()
    save(_training_checkpoint(), buffer)
    with pytest.raises(CheckpointError, match="not a checkpoint|damaged"):
        load(io.BytesIO(buffer.getvalue()[:keep]))
