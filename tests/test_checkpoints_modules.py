"""Whole Modules in checkpoints: exact round trips, the allowlist, and hostile archives refused
with nothing of theirs ever run."""

import io
import json
import os
import sys
import zipfile

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.serialization import (
    CheckpointError,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    get_unsafe_globals_in_checkpoint,
    load,
    safe_globals,
    save,
)


@pytest.fixture(autouse=True)
def empty_allowlist():
    clear_safe_globals()
    yield
    clear_safe_globals()


class Block(nn.Module):
    """A custom Module with every kind of state a Module keeps."""

    def __init__(self, features=3):
        super().__init__()
        self.features, self.scale, self.tag, self.nothing = features, 0.5, "blk", None
        self.settings = {"dims": (1, 2), "names": ["a", "b"], 7: True}
        self.dtype, self.kind = np.dtype("float32"), am.float64
        self.body = nn.Sequential(nn.Linear(features, 4), nn.ReLU(), nn.Dropout(0.25), nn.Linear(4, 2))
        self.heads = nn.ModuleDict({"mean": nn.Linear(2, 1), "spread": nn.Linear(2, 1, bias=False)})
        self.layers = nn.ModuleList([nn.Tanh(), nn.LeakyReLU(0.2)])
        self.mix = nn.ParameterList([nn.Parameter(am.ones(1)), nn.Parameter(am.zeros(1))])
        self.extra = nn.ParameterDict({"gain": nn.Parameter(am.tensor([2.0]))})
        self.register_buffer("running", am.arange(features, dtype=am.float32))
        self.register_buffer("count", am.tensor(4))
        self.register_buffer("scratch", am.ones(2), persistent=False)
        self.register_buffer("unset", None)
        self.register_parameter("offset", None)

    def forward(self, x):
        h = self.body(x - self.running) * self.extra["gain"]
        for layer in self.layers:
            h = layer(h)
        return self.mix[0] * self.heads["mean"](h) + self.mix[1] * self.heads["spread"](h)


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(3, 3)
        self.decoder = nn.Linear(3, 3)
        self.decoder.weight = self.encoder.weight
        self.twice = nn.Sequential(self.encoder, nn.ReLU(), self.encoder)

    def forward(self, x):
        return self.decoder(self.twice(x))


def _round_trip(obj, **load_options):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return load(buffer, **load_options)


def _assert_same_model(original, loaded, x):
    assert type(loaded) is type(original) and repr(loaded) == repr(original)
    ours, theirs = original.state_dict(), loaded.state_dict()
    assert list(ours) == list(theirs)
    for name in ours:
        a, b = ours[name].numpy(), theirs[name].numpy()
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), name
    for (name, p), (_, q) in zip(original.named_parameters(), loaded.named_parameters()):
        assert type(q) is nn.Parameter and q.requires_grad == p.requires_grad, name
        assert not np.shares_memory(p.detach().numpy(), q.detach().numpy()), name
    assert [m.training for m in original.modules()] == [m.training for m in loaded.modules()]
    with am.no_grad():
        assert np.array_equal(original(x).numpy(), loaded(x).numpy())


# ---- round trips -------------------------------------------------------------------------------


def test_a_sequential_of_builtin_layers_loads_with_the_default_weights_only(tmp_path):
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.PReLU(), nn.Unflatten(1, (2, 3)), nn.Softmax(dim=2),
                          nn.Flatten(), nn.Dropout(0.5), nn.Linear(6, 2)).double()
    model[0].bias.requires_grad_(False)
    save(model.eval(), tmp_path / "model.pt")
    loaded = load(tmp_path / "model.pt")
    _assert_same_model(model, loaded, am.randn(5, 4, dtype=am.float64))
    assert loaded[0].bias.requires_grad is False and loaded[6].weight.requires_grad is True
    assert loaded[2].unflattened_size == (2, 3) and loaded[3].dim == 2


def test_a_custom_module_round_trips_with_all_its_state():
    am.manual_seed(1)
    model = Block()
    model.eval().layers.train()  # a mix of flags, each kept (and Dropout off)
    add_safe_globals([Block])
    loaded = _round_trip(model)
    _assert_same_model(model, loaded, am.randn(6, 3))
    assert loaded.settings == {"dims": (1, 2), "names": ["a", "b"], 7: True}
    assert loaded.dtype == np.float32 and loaded.kind is np.float64 and loaded.nothing is None
    assert loaded.offset is None and loaded.unset is None and "offset" in loaded._parameters
    assert loaded._non_persistent_buffers == {"scratch"} and "scratch" not in loaded.state_dict()
    assert np.array_equal(loaded.scratch.numpy(), np.ones(2, np.float32))
    assert loaded.count.dtype == np.int64 and loaded.heads["spread"].bias is None
    assert loaded.layers[1].training is True and loaded.training is False


def test_the_loaded_model_trains_and_registers_new_attributes_as_a_built_one_does():
    add_safe_globals([Block])
    loaded = _round_trip(Block())
    loaded(am.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in loaded.body.parameters())
    loaded.new_layer = nn.Linear(2, 2)
    assert "new_layer.weight" in loaded.state_dict()
    handle = loaded.register_forward_hook(lambda module, args, output: output * 0)
    assert np.array_equal(loaded(am.randn(2, 3)).detach().numpy(), np.zeros((2, 1), np.float32))
    handle.remove()


def test_a_training_checkpoint_with_optimizer_state_resumes_exactly(tmp_path):
    am.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    opt = am.optim.Adam(model.parameters(), lr=0.01)
    x, y = am.randn(8, 3), am.tensor(np.arange(8) % 2)

    def step(m, o):
        o.zero_grad()
        loss = nn.functional.cross_entropy(m(x), y)
        loss.backward()
        o.step()
        return loss.item()

    step(model, opt)
    save({"model": model, "optimizer": opt.state_dict(), "epoch": 3, "history": [0.5, 0.25]},
         tmp_path / "ckpt.pt")
    checkpoint = load(tmp_path / "ckpt.pt")
    assert checkpoint["epoch"] == 3 and checkpoint["history"] == [0.5, 0.25]
    resumed = checkpoint["model"]
    resumed_opt = am.optim.Adam(resumed.parameters(), lr=0.01)
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    assert [step(model, opt) for _ in range(3)] == [step(resumed, resumed_opt) for _ in range(3)]


def test_shared_parameters_and_submodules_stay_shared():
    model = Tied()
    add_safe_globals([Tied])
    loaded = _round_trip({"model": model, "encoder": model.encoder, "weights": [model.encoder.weight]})
    tied = loaded["model"]
    assert tied.decoder.weight is tied.encoder.weight is loaded["weights"][0]
    assert tied.twice[0] is tied.twice[2] is tied.encoder is loaded["encoder"]
    assert len(list(tied.parameters())) == len(list(model.parameters())) == 3
    _assert_same_model(model, tied, am.randn(2, 3))
    with am.no_grad():
        tied.encoder.weight.mul_(2)  # one parameter: both layers see the change
    assert np.array_equal(tied.decoder.weight.detach().numpy(), tied.encoder.weight.detach().numpy())


def test_tensors_and_parameters_in_plain_containers():
    t, p = am.tensor([1.0, 2.0], requires_grad=True), nn.Parameter(am.zeros(2), requires_grad=False)
    loaded = _round_trip({"twice": [t, t], "param": p})
    assert loaded["twice"][0] is loaded["twice"][1] and loaded["twice"][0].requires_grad
    assert type(loaded["param"]) is nn.Parameter and not loaded["param"].requires_grad


def test_the_script_classes_load_with_weights_only_false():
    """A class of an imported module (here this test file, for a script its __main__)."""
    model = Block()
    loaded = _round_trip(model, weights_only=False)
    assert type(loaded) is Block and get_safe_globals() == []


# ---- the allowlist ---------------------------------------------------------------------------


def test_a_class_not_on_the_allowlist_is_refused_by_name_and_how_to_allow_it():
    buffer = io.BytesIO()
    save(Block(), buffer)
    with pytest.raises(CheckpointError, match=r"holds a test_checkpoints_modules\.Block, which load does not "
                       r"build unless allowed: .*add_safe_globals\(\[Block\]\).*weights_only=False"):
        load(io.BytesIO(buffer.getvalue()))
    with safe_globals([Block]):
        assert type(load(io.BytesIO(buffer.getvalue()))) is Block
        assert get_safe_globals() == [Block]
    assert get_safe_globals() == []
    with pytest.raises(CheckpointError, match="add_safe_globals"):
        load(io.BytesIO(buffer.getvalue()), weights_only=True)


def test_safe_globals_keeps_what_was_allowed_before_it_and_pairs_give_other_names():
    add_safe_globals([Tied])
    with safe_globals([Tied, Block]):
        assert get_safe_globals() == [Tied, Block]
    assert get_safe_globals() == [Tied]
    root = _structure(Block())
    root["nn_module"] = ["old_models", "RenamedBlock"]
    add_safe_globals([(Block, "old_models.RenamedBlock")])
    assert type(load(_archive(root, _arrays(Block())))) is Block
    with pytest.raises(TypeError, match="a pair must be"):
        add_safe_globals([(Block, 3)])


def test_the_unsafe_classes_of_a_checkpoint_are_listed_without_building_them():
    calls.clear()
    buffer = io.BytesIO()
    save({"a": Block(), "b": [nn.Linear(1, 1), Tied()]}, buffer)
    here = "test_checkpoints_modules"
    names = get_unsafe_globals_in_checkpoint(io.BytesIO(buffer.getvalue()))
    assert names == [f"{here}.Block", f"{here}.Tied"]
    add_safe_globals([Tied])
    assert get_unsafe_globals_in_checkpoint(io.BytesIO(buffer.getvalue())) == [f"{here}.Block"]
    hostile = {"list": [_module_node("os", "system"), _module_node(here, "Sentinel")]}
    assert get_unsafe_globals_in_checkpoint(_archive(hostile)) == ["os.system", f"{here}.Sentinel"]
    assert calls == []


# ---- refusals at save: nothing is written ------------------------------------------------------


class Holder(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.encoder = nn.Module()
        self.encoder.fn = value


@pytest.mark.parametrize("value, kind", [(lambda x: x, "function"), (object(), "object"),
                                         (np.random.default_rng(), "Generator"), ({1, 2}, "set")])
def test_an_attribute_that_cannot_be_stored_is_named_and_nothing_is_written(tmp_path, value, kind):
    path = tmp_path / "model.pt"
    save({"w": am.ones(2)}, path)
    old = path.read_bytes()
    with pytest.raises(TypeError, match=rf"cannot store a value of type {kind} at model\.encoder\.fn"):
        save({"model": Holder(value)}, path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["model.pt"]


def test_an_open_file_attribute_is_refused(tmp_path):
    with open(tmp_path / "log.txt", "w") as file:
        with pytest.raises(TypeError, match="type TextIOWrapper at encoder.fn"):
            save(Holder(file), tmp_path / "m.pt")
    assert os.listdir(tmp_path) == ["log.txt"]


def test_forward_hooks_local_classes_and_cycles_are_refused(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2))
    handle = model[0].register_forward_hook(lambda module, args, output: None)
    with pytest.raises(TypeError, match=r"the Linear at 0 has forward hooks.*handle\.remove\(\)"):
        save(model, tmp_path / "m.pt")
    handle.remove()
    save(model, tmp_path / "m.pt")

    class Local(nn.Module):
        pass

    with pytest.raises(TypeError, match=r"<locals>\.Local has no name load could find it by"):
        save({"m": Local()}, tmp_path / "n.pt")
    looped = nn.Sequential(nn.ReLU())
    looped.add_module("me", looped)
    with pytest.raises(TypeError, match="the Sequential at me holds itself"):
        save(looped, tmp_path / "n.pt")
    cyclic = [1]
    cyclic.append(cyclic)
    with pytest.raises(TypeError, match="the list at 1 holds itself"):
        save(cyclic, tmp_path / "n.pt")
    deep = []
    for _ in range(150):
        deep = [deep]
    with pytest.raises(TypeError, match="nested more than 100 containers deep"):
        save(deep, tmp_path / "n.pt")
    assert os.listdir(tmp_path) == ["m.pt"]


# ---- hostile archives, built by hand ------------------------------------------------------------

calls = []  # what Sentinel's methods were called for: must stay empty


class Sentinel(nn.Module):
    """A Module class whose every constructor records that it ran."""

    def __new__(cls, *args, **kwargs):
        calls.append("__new__")
        return super().__new__(cls)

    def __init__(self):
        calls.append("__init__")
        super().__init__()

    def __setstate__(self, state):
        calls.append("__setstate__")

    def __reduce_ex__(self, protocol):
        calls.append("__reduce_ex__")
        return super().__reduce_ex__(protocol)


def _structure(obj) -> dict:
    """The root node save writes for obj (to be edited into a hostile one)."""
    buffer = io.BytesIO()
    save(obj, buffer)
    with np.load(io.BytesIO(buffer.getvalue())) as archive:
        return json.loads(archive["structure"].tobytes())["root"]


def _arrays(obj) -> dict:
    buffer = io.BytesIO()
    save(obj, buffer)
    with np.load(io.BytesIO(buffer.getvalue())) as archive:
        return {key: archive[key] for key in archive.files if key != "structure"}


def _archive(root, arrays=None) -> io.BytesIO:
    text = json.dumps({"format": "autograd_mini.checkpoint", "version": 1, "root": root}).encode()
    buffer = io.BytesIO()
    np.savez(buffer, structure=np.frombuffer(text, np.uint8), **(arrays or {}))
    buffer.seek(0)
    return buffer


def _module_node(module_name, qualname):
    return {"nn_module": [module_name, qualname], "training": True, "parameters": [], "buffers": [],
            "non_persistent_buffers": [], "submodules": [], "attributes": []}


@pytest.mark.parametrize("weights_only", [True, False])
def test_a_sentinel_class_is_never_called(weights_only):
    calls.clear()
    node = _module_node("test_checkpoints_modules", "Sentinel")
    node["attributes"] = [["value", 3]]
    if weights_only:
        with pytest.raises(CheckpointError, match="Sentinel, which load does not build unless allowed"):
            load(_archive(node))
    else:  # allowed: built and filled without calling the class
        loaded = load(_archive(node), weights_only=False)
        assert type(loaded) is Sentinel and loaded.value == 3
    assert calls == []


@pytest.mark.parametrize("name", [["os", "system"], ["posix", "system"], ["builtins", "eval"],
                                  ["builtins", "exec"], ["builtins", "type"], ["sys", "exit"],
                                  ["autograd_mini.tensor", "Tensor"], ["json", "loads"]])
@pytest.mark.parametrize("weights_only", [True, False])
def test_a_name_for_anything_but_a_module_class_is_refused(monkeypatch, name, weights_only):
    ran = []
    monkeypatch.setattr(os, "system", lambda *args: ran.append(args))
    node = _module_node(*name)
    node["attributes"] = [["command", "echo hacked"]]
    with pytest.raises(CheckpointError, match=rf"names {'.'.join(name)}, which is a \w+, not an nn.Module"):
        load(_archive(node), weights_only=weights_only)
    assert ran == []


def test_a_function_on_the_allowlist_is_still_never_called(monkeypatch):
    ran = []
    monkeypatch.setattr(os, "system", lambda *args: ran.append(args))
    add_safe_globals([os.system])
    with pytest.raises(CheckpointError, match="not an nn.Module subclass"):
        load(_archive(_module_node("os", "system")))
    assert ran == []


@pytest.mark.parametrize("name", [
    ["os;rm -rf", "X"], ["os", "system x"], ["builtins", "__import__"], ["os", "__builtins__.eval"],
    ["test_checkpoints_modules", "Sentinel.__init__"], ["builtins", "object.__subclasses__"],
    ["m", "f.<locals>.Net"], ["", "Net"], ["os.", "x"], ["test_checkpoints_modules", "Blоck"],
])
def test_names_with_odd_characters_or_dunder_parts_are_refused(name):
    with pytest.raises(CheckpointError, match="not a plain qualified name"):
        load(_archive(_module_node(*name)), weights_only=False)


@pytest.mark.parametrize("name", ["autograd_mini.nn.Linear", ["a", "b", "c"], [1, 2], None])
def test_a_malformed_class_name_is_damage(name):
    node = _module_node("x", "y")
    node["nn_module"] = name
    with pytest.raises(CheckpointError, match="damaged"):
        load(_archive(node), weights_only=False)


def test_a_module_that_is_not_imported_is_never_imported():
    assert "xml.dom.minidom" not in sys.modules
    with pytest.raises(CheckpointError, match="no imported module defines it: load never imports"):
        load(_archive(_module_node("xml.dom.minidom", "Node")), weights_only=False)
    assert "xml.dom.minidom" not in sys.modules


def test_deeply_nested_and_cyclic_structures_are_refused():
    deep = 1
    for _ in range(150):
        deep = {"list": [deep]}
    with pytest.raises(CheckpointError, match="damaged.*nested more than 100 deep"):
        load(_archive(deep))
    text = b'{"format": "autograd_mini.checkpoint", "version": 1, "root": ' + b"[" * 100000 + b"]" * 100000
    buffer = io.BytesIO()
    np.savez(buffer, structure=np.frombuffer(text + b"}", np.uint8))
    with pytest.raises(CheckpointError, match="damaged.*recursion"):
        load(io.BytesIO(buffer.getvalue()))
    looped = _module_node("autograd_mini.nn.container", "Sequential")
    looped["submodules"] = [["0", {"ref": 0}]]
    with pytest.raises(CheckpointError, match="holds a Sequential inside itself"):
        load(_archive(looped))
    with pytest.raises(CheckpointError, match="damaged.*names no object"):
        load(_archive({"list": [{"ref": 5}]}))


@pytest.mark.parametrize("shape", [(10**12,), (2**40, 2**40), (3, -1)])
def test_a_huge_declared_shape_is_refused_before_allocating(shape):
    buffer = _archive({"tensor": "a0", "requires_grad": False})
    with zipfile.ZipFile(buffer, "a") as archive:
        header = {"descr": "<f8", "fortran_order": False, "shape": shape}
        archive.writestr("a0.npy", b"\x93NUMPY\x01\x00" + _npy_header(header) + bytes(16))
    buffer.seek(0)
    with pytest.raises(CheckpointError, match=r"entry 'a0' .* declares shape .* but holds 16 bytes"):
        load(buffer)


def _npy_header(header: dict) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()[8:]  # without the magic string and version


def _linear_with(**changes):
    """The archive of an nn.Linear(2, 1) with its weight array (and node fields) replaced."""
    node = _structure(nn.Linear(2, 1))
    arrays = dict(_arrays(nn.Linear(2, 1)), x0=np.ones(2, np.float32))
    for key, value in changes.items():
        if key == "weight":
            arrays["a0"] = value
        else:
            node[key] = value
    return _archive(node, arrays)


@pytest.mark.parametrize("weight", [np.array(["ab", "cd"]), np.array([1j, 2j]),
                                    np.array(["2020-01-01"], "datetime64[D]"), np.array([1, 2])])
def test_wrong_dtypes_are_refused(weight):
    with pytest.raises(CheckpointError, match="damaged.*Parameter of dtype|damaged.*only floating"):
        load(_linear_with(weight=weight))


@pytest.mark.parametrize("changes, message", [
    ({"parameters": [["weight", {"tensor": "a0", "requires_grad": False}]]},
     "Linear.weight should be a Parameter"),
    ({"submodules": [["x", {"dict": []}]]}, "Linear.x should be a Module"),
    ({"buffers": [["b", {"parameter": "x0", "requires_grad": True}]]}, "Linear.b should be a Tensor"),
    ({"attributes": [["__class__", 1]]}, "attribute name '__class__' is not allowed"),
    ({"attributes": [["_parameters", {}]]}, "attribute name '_parameters' is not allowed"),
    ({"attributes": [["in_features", 2], ["in_features", 3]]}, "given twice"),
    ({"attributes": [["d", {"dtype": "|O"}]]}, "not a plain dtype"),
    ({"attributes": [["d", {"scalar": "x0"}]]}, "scalar entry 'x0' has shape"),
    ({"attributes": [["w", {"array": "a0"}]]}, "used twice"),
    ({"training": "yes"}, "training must be true or false"),
    ({"non_persistent_buffers": ["ghost"]}, "are not its buffers"),
])
def test_bad_module_state_is_refused(changes, message):
    with pytest.raises(CheckpointError, match=message):
        load(_linear_with(**changes))


def test_a_truncated_whole_model_file_is_refused(tmp_path):
    path = tmp_path / "m.pt"
    sentinel = Sentinel()
    sentinel.layer = nn.Linear(3, 3)
    calls.clear()
    save(sentinel, path)  # save does not call the class either (no __reduce_ex__)
    data = path.read_bytes()
    for keep in (10, len(data) // 2, len(data) - 10):
        path.write_bytes(data[:keep])
        with pytest.raises(CheckpointError, match="damaged"):
            load(path, weights_only=False)
    assert calls == []
