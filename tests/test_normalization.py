"""Batch, instance and group norm and embedding on their own: gradients against finite
differences (first and second order), the fused op against its unfused form, running
statistics, buffers, errors, and Embedding's options."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from autograd_mini.ops.sparse import scatter_rows
from autograd_mini.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def leaf(*shape, scale=1.0, shift=0.0):
    return am.tensor(rng.standard_normal(shape) * scale + shift, requires_grad=True)


def unfused_norm(x, axes, weight, bias, eps=1e-5):
    """The normalisation written with separate ops: what the fused op must agree with."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return centered / (var + eps).sqrt() * weight + bias


# ---- gradients ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 4), (2, 3, 2, 2)])
def test_batch_norm_training_gradients(shape):
    x, w, b = leaf(*shape), leaf(shape[1]), leaf(shape[1])
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])


def test_batch_norm_training_second_derivatives():
    x, w, b = leaf(3, 2, 3), leaf(2), leaf(2)
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    assert gradgradcheck(lambda x: F.batch_norm(x, None, None, training=True), [x])


def test_batch_norm_eval_gradients():
    x, w, b = leaf(3, 2, 3), leaf(2), leaf(2)
    mean, var = am.tensor(rng.standard_normal(2)), am.tensor(rng.uniform(0.5, 2, 2))
    assert gradcheck(lambda x, w, b: F.batch_norm(x, mean, var, w, b), [x, w, b])
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, mean, var, w, b), [x, w, b])


def test_group_norm_gradients():
    x, w, b = leaf(2, 6, 3), leaf(6), leaf(6)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 3, w, b), [x, w, b])
    assert gradgradcheck(lambda x, w, b: F.group_norm(x, 3, w, b), [x, w, b])
    assert gradcheck(lambda x: F.group_norm(x, 2), [x])
    assert gradcheck(lambda x, b: F.group_norm(x, 2, bias=b), [x, b])


def test_instance_norm_gradients():
    x, w, b = leaf(2, 3, 2, 3), leaf(3), leaf(3)
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [x, w, b])
    assert gradgradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [x, w, b])
    assert gradcheck(lambda x: F.instance_norm(x), [x])


def test_embedding_gradients():
    weight = leaf(5, 3)
    indices = am.tensor(np.array([[0, 1, 1], [4, 1, 0]]))
    assert gradcheck(lambda w: F.embedding(indices, w), [weight])
    assert gradgradcheck(lambda w: F.embedding(indices, w) ** 2, [weight])


# ---- the fused op against the unfused ops ---------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_normalisations_agree_with_unfused_ops(dtype):
    x = am.tensor(rng.standard_normal((4, 6, 5)).astype(dtype) * 3 + 2, requires_grad=True)
    w, b = am.tensor(rng.standard_normal(6).astype(dtype), requires_grad=True), am.tensor(np.zeros(6, dtype))
    g = am.tensor(rng.standard_normal((4, 6, 5)).astype(dtype))
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    cases = [
        (lambda x, w: F.batch_norm(x, None, None, w, b, training=True), (0, 2), w.reshape(1, 6, 1)),
        (lambda x, w: F.instance_norm(x, weight=w, bias=b), (2,), w.reshape(1, 6, 1)),
        (lambda x, w: F.group_norm(x.reshape(4, 6, 5), 2, w, b), (2, 3), w.reshape(1, 2, 3, 1)),
    ]
    for fused, axes, w_view in cases:
        xv = x.reshape(4, 2, 3, 5) if len(axes) == 2 and axes[0] == 2 else x
        reference = unfused_norm(xv, axes, w_view, b.reshape(w_view.shape)).reshape(4, 6, 5)
        ours = fused(x, w)
        np.testing.assert_allclose(ours.detach().numpy(), reference.detach().numpy(), **tol)
        grads = am.autograd.grad(ours, [x, w], g)
        expected = am.autograd.grad(reference, [x, w], g)
        for a, e in zip(grads, expected):
            np.testing.assert_allclose(a.numpy(), e.numpy(), **tol)


def test_scatter_rows_adds_repeats_as_add_at():
    for num_rows, n in [(7, 200), (10000, 300), (5, 1), (4, 0)]:
        indices = rng.integers(0, num_rows, n)
        rows = rng.standard_normal((n, 3))
        expected = np.zeros((num_rows, 3))
        np.add.at(expected, indices, rows)
        np.testing.assert_allclose(scatter_rows(rows, indices, num_rows), expected, atol=1e-12)


# ---- running statistics and modes -------------------------------------------------------------


def test_running_stats_follow_momentum_with_the_unbiased_variance():
    bn = nn.BatchNorm1d(3, momentum=0.25).double()
    batches = [rng.standard_normal((5, 3)) * 2 + 1 for _ in range(3)]
    mean, var = np.zeros(3), np.ones(3)
    for batch in batches:
        bn(am.tensor(batch))
        mean = 0.75 * mean + 0.25 * batch.mean(axis=0)
        var = 0.75 * var + 0.25 * batch.var(axis=0, ddof=1)
    np.testing.assert_allclose(bn.running_mean.numpy(), mean)
    np.testing.assert_allclose(bn.running_var.numpy(), var)
    assert bn.num_batches_tracked.item() == 3 and bn.num_batches_tracked.dtype == np.int64


def test_momentum_none_keeps_the_cumulative_average():
    bn = nn.BatchNorm2d(2, momentum=None).double()
    batches = [rng.standard_normal((3, 2, 2, 2)) + i for i in range(4)]
    for batch in batches:
        bn(am.tensor(batch))
    means = [b.mean(axis=(0, 2, 3)) for b in batches]
    variances = [b.var(axis=(0, 2, 3), ddof=1) for b in batches]
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, axis=0))
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean(variances, axis=0))


def test_eval_mode_uses_running_stats_and_changes_nothing():
    bn = nn.BatchNorm1d(2).double()
    bn.running_mean._array[:] = [1.0, -1.0]
    bn.running_var._array[:] = [4.0, 0.25]
    bn.eval()
    x = rng.standard_normal((3, 2))
    y = bn(am.tensor(x)).detach().numpy()
    np.testing.assert_allclose(y, (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5))
    assert bn.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(bn.running_mean.numpy(), [1.0, -1.0])
    bn(am.tensor(rng.standard_normal((1, 2))))  # one sample is fine in eval mode


def test_without_running_stats_batch_stats_are_used_in_eval_too():
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False).eval()
    assert list(bn.state_dict()) == [] and bn.running_mean is None
    x = rng.standard_normal((4, 2)).astype(np.float32)
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(bn(am.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_buffers_and_parameters_as_pytorch_names_them():
    bn = nn.BatchNorm2d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert bn.state_dict()["num_batches_tracked"].dtype == np.int64
    assert bn.state_dict()["num_batches_tracked"].shape == ()
    bn.double()
    assert bn.running_var.dtype == np.float64 and bn.num_batches_tracked.dtype == np.int64
    assert list(nn.InstanceNorm2d(4).state_dict()) == []
    assert list(nn.GroupNorm(2, 4).state_dict()) == ["weight", "bias"]
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []


def test_instance_norm_tracks_the_batch_average_of_sample_statistics():
    norm = nn.InstanceNorm1d(2, track_running_stats=True).double()
    x = rng.standard_normal((3, 2, 4))
    norm(am.tensor(x))
    np.testing.assert_allclose(norm.running_mean.numpy(), 0.1 * x.mean(axis=2).mean(axis=0))
    np.testing.assert_allclose(norm.running_var.numpy(), 0.9 + 0.1 * x.var(axis=2, ddof=1).mean(axis=0))
    norm.eval()
    y = norm(am.tensor(x)).numpy()
    mean, var = norm.running_mean.numpy()[:, None], norm.running_var.numpy()[:, None]
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5))


def test_instance_norm_takes_unbatched_input():
    x = rng.standard_normal((3, 4, 5))
    batched = nn.InstanceNorm2d(3)(am.tensor(x[None])).numpy()[0]
    np.testing.assert_allclose(nn.InstanceNorm2d(3)(am.tensor(x)).numpy(), batched)


def test_empty_batches_give_empty_results_and_leave_running_stats():
    bn = nn.BatchNorm1d(3)
    x = am.zeros(0, 3, requires_grad=True)
    bn(x).sum().backward()
    assert x.grad.shape == (0, 3) and bn.num_batches_tracked.item() == 1
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1)
    np.testing.assert_array_equal(bn.weight.grad.numpy(), 0)
    table = nn.Embedding(5, 3)
    table(am.tensor(np.zeros((2, 0), np.int64))).sum().backward()
    np.testing.assert_array_equal(table.weight.grad.numpy(), np.zeros((5, 3)))


def test_affine_false_output_may_be_changed_in_place():
    x = leaf(4, 3, 2)
    y = F.instance_norm(x)
    y.relu_()
    y.sum().backward()
    assert x.grad.shape == (4, 3, 2)


# ---- errors ---------------------------------------------------------------------------------------


def test_batch_of_one_value_per_channel_is_refused_in_training():
    expected = r"Expected more than 1 value per channel when training, got input size torch.Size\(\[1, 3\]\)"
    with pytest.raises(ValueError, match=expected):
        nn.BatchNorm1d(3)(am.zeros(1, 3))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        nn.InstanceNorm1d(3)(am.zeros(2, 3, 1))


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(am.zeros(2, 3, 2, 2))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(am.zeros(2, 3, 2))
    with pytest.raises(RuntimeError, match=r"running_mean should contain 4 elements not 3 \(input shape"):
        nn.BatchNorm2d(3)(am.zeros(2, 4, 2, 2))
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(am.zeros(4, 3), None, None)
    with pytest.raises(RuntimeError, match=r"mixed dtype \(CPU\).*\(batch_norm: input is float64, runn"):
        nn.BatchNorm1d(3)(am.tensor(np.zeros((4, 3))))
    with pytest.raises(RuntimeError, match="batch_norm: expected a floating point input, got dtype int64"):
        F.batch_norm(am.tensor(np.zeros((4, 3), np.int64)), None, None, training=True)


def test_group_norm_errors():
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match=r"but got input of shape \[2, 6, 3\] and num_groups=4"):
        F.group_norm(am.zeros(2, 6, 3), 4)
    with pytest.raises(RuntimeError, match="Expected weight to be a vector of size equal to"):
        F.group_norm(am.zeros(2, 6), 3, weight=am.ones(5))
    with pytest.raises(ValueError, match=r"1 value per channel when training, got input size \[1, 3"):
        nn.GroupNorm(3, 3)(am.zeros(1, 3))


def test_instance_norm_checks_num_features_when_affine():
    with pytest.raises(ValueError, match=r"size at dim=1 to match num_features \(3\), but got: 4"):
        nn.InstanceNorm2d(3, affine=True)(am.zeros(2, 4, 3, 3))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm2d(3)(am.zeros(2, 4, 3, 3))


def test_embedding_errors():
    table = nn.Embedding(5, 3)
    with pytest.raises(IndexError, match=r"index 5 is out of range for num_embeddings=5"):
        table(am.tensor([0, 5]))
    with pytest.raises(IndexError, match=r"index -1 is out of range for num_embeddings=5"):
        table(am.tensor([-1]))
    with pytest.raises(RuntimeError, match="scalar types: Long, Int; but got FloatTensor instead"):
        table(am.tensor([1.0]))
    with pytest.raises(RuntimeError, match="but got CPUBoolType instead"):
        table(am.tensor([True]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 3, padding_idx=5)
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(am.ones(3))
    with pytest.raises(NotImplementedError, match="sparse gradients are not supported"):
        nn.Embedding(5, 3, sparse=True)


# ---- Embedding ------------------------------------------------------------------------------


def test_embedding_initialisation_and_padding_row():
    am.manual_seed(0)
    table = nn.Embedding(2000, 16, padding_idx=-1)
    weight = table.weight.detach().numpy()
    assert table.padding_idx == 1999 and weight.dtype == np.float32
    np.testing.assert_array_equal(weight[1999], 0)
    assert abs(weight[:-1].mean()) < 0.01 and abs(weight[:-1].std() - 1) < 0.01
    indices = am.tensor(np.array([[1999, 3, 3], [0, 1999, 3]]))
    table(indices).sum().backward()
    grad = table.weight.grad.numpy()
    np.testing.assert_array_equal(grad[1999], 0)
    np.testing.assert_array_equal(grad[3], 3)
    np.testing.assert_array_equal(grad[0], 1)


def test_embedding_int32_indices_and_scale_grad_by_freq():
    table = nn.Embedding(4, 2, scale_grad_by_freq=True)
    out = table(am.tensor(np.array([1, 1, 1, 2], np.int32)))
    assert out.shape == (4, 2)
    out.sum().backward()
    np.testing.assert_allclose(table.weight.grad.numpy()[[0, 1, 2]], [[0, 0], [1, 1], [1, 1]])


def test_max_norm_renormalises_looked_up_rows_in_place():
    weight = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]], np.float32)
    table = nn.Embedding.from_pretrained(am.tensor(weight), max_norm=1.0)
    out = table(am.tensor([0, 1]))
    np.testing.assert_allclose(np.linalg.norm(out.detach().numpy(), axis=1), [1.0, 0.5], rtol=1e-6)
    np.testing.assert_allclose(table.weight.numpy()[0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_array_equal(table.weight.numpy()[2], [6.0, 8.0])  # not looked up: unchanged


def test_from_pretrained_freezes_unless_asked():
    weight = am.tensor(rng.standard_normal((3, 2)))
    assert not nn.Embedding.from_pretrained(weight).weight.requires_grad
    table = nn.Embedding.from_pretrained(weight, freeze=False, padding_idx=1)
    assert table.weight.requires_grad and table.padding_idx == 1
    np.testing.assert_array_equal(table.weight.detach().numpy(), weight.numpy())


def test_reprs():
    table = nn.Embedding(5, 3, padding_idx=1, max_norm=1.0)
    assert repr(table) == "Embedding(5, 3, padding_idx=1, max_norm=1.0)"
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert repr(nn.BatchNorm1d(3, momentum=None)) == (
        "BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True)"
    )
