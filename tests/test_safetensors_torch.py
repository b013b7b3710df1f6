"""safetensors between autograd_mini and PyTorch: the examples' models pass their weights both
ways, and compute the same outputs with them."""

import numpy as np
import pytest
from example_models import build, example_input, logits

import autograd_mini as am

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")
import torch_models  # noqa: E402

pytestmark = pytest.mark.torch
NAMES = ["mlp", "cnn", "lenet", "lstm", "gpt"]


def outputs_agree(ours, theirs, x):
    with am.no_grad(), torch.no_grad():
        mine = logits(ours(x)).numpy()
        reference = logits(theirs(torch.from_numpy(x.numpy()))).numpy()
    assert mine.shape == reference.shape
    np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_a_file_written_by_pytorch_loads_into_our_model(name, tmp_path):
    theirs = torch_models.build(name)
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), str(path))
    ours = build(name, seed=3)
    loaded = am.load(path)
    for key, value in theirs.state_dict().items():
        assert loaded[key].shape == tuple(value.shape) and str(loaded[key].dtype) == str(value.dtype)[6:], key
    ours.load_state_dict(loaded)
    outputs_agree(ours, theirs, example_input(name, batch=3))


@pytest.mark.parametrize("name", NAMES)
def test_our_file_loads_into_pytorch(name, tmp_path):
    ours = build(name, seed=4)
    path = tmp_path / "ours.safetensors"
    am.save(ours.state_dict(), path)
    theirs = torch_models.build(name)
    theirs.load_state_dict(safetensors_torch.load_file(str(path)))
    outputs_agree(ours, theirs, example_input(name, batch=3))


def test_dtypes_and_shapes_pass_exactly_both_ways(tmp_path):
    tensors = {"h": torch.randn(2, 3).half(), "d": torch.randn(4).double(), "i": torch.arange(5),
               "b": torch.tensor([True, False]), "s": torch.tensor(7, dtype=torch.int32)}
    path = tmp_path / "t.safetensors"
    safetensors_torch.save_file(tensors, str(path))
    loaded = am.load(path)
    for key, value in tensors.items():
        assert np.array_equal(loaded[key].numpy(), value.numpy()) and loaded[key].dtype == value.numpy().dtype
    am.save(loaded, path)
    back = safetensors_torch.load_file(str(path))
    for key, value in tensors.items():
        assert back[key].dtype == value.dtype and torch.equal(back[key], value), key


def test_a_pytorch_file_for_another_shape_names_the_key_and_shapes(tmp_path):
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(torch.nn.Linear(3, 7).state_dict(), str(path))
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: .*\[7, 3\].*\[4, 3\]"):
        am.nn.Linear(3, 4).load_state_dict(am.load(path))


def test_batch_norm_running_statistics_and_their_counter_pass_both_ways(tmp_path):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU())
    theirs(torch.randn(4, 1, 6, 6))  # training mode: the running statistics move, the counter counts
    theirs.eval()
    path = tmp_path / "bn.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), str(path))
    ours = am.nn.Sequential(am.nn.Conv2d(1, 3, 3), am.nn.BatchNorm2d(3), am.nn.ReLU()).eval()
    ours.load_state_dict(am.load(path))
    assert ours[1].num_batches_tracked.item() == 1 and ours[1].num_batches_tracked.dtype == np.int64
    outputs_agree(ours, theirs, am.randn(2, 1, 6, 6))
    am.save(ours.state_dict(), path)
    back = safetensors_torch.load_file(str(path))
    assert back["1.num_batches_tracked"].dtype == torch.int64 and back["1.num_batches_tracked"].shape == ()
    assert torch.equal(back["1.running_var"], theirs.state_dict()["1.running_var"])
