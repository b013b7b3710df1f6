"""The losses beyond MSE, BCE and plain cross entropy, and their options: each against its formula
in NumPy for every reduction; gradients (first and second order) against finite differences in
float64; K-dim inputs, ignored targets, weights, label smoothing, class-probability targets;
stability at extreme logits; F.one_hot; and every bad input named."""

import warnings

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn as nn
import autograd_mini.nn.functional as F
from autograd_mini.ops.loss import CrossEntropy, NegativeLogLikelihood
from autograd_mini.testing import gradcheck, gradgradcheck

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


def reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](loss)


def log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def away_from(values, kinks, margin=0.05):
    """values nudged so none lies within margin of a kink (where a loss has no second derivative)."""
    for kink in kinks:
        near = np.abs(values - kink) < margin
        values = np.where(near, kink + np.where(values >= kink, margin, -margin) * 2, values)
    return values


def check_gradients(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# ---- elementwise losses --------------------------------------------------------------------------

X = rng.uniform(-3, 3, (3, 4))
Y = rng.uniform(-3, 3, (3, 4))


def huber(d, delta):
    return np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


# (name, function with its options, formula of (x, y) per element, the kinks of x - y)
ELEMENTWISE = [
    ("l1", F.l1_loss, lambda x, y: np.abs(x - y), [0]),
    ("smooth_l1", F.smooth_l1_loss, lambda x, y: huber(x - y, 1.0), [0, -1, 1]),
    (
        "smooth_l1 beta=0.5",
        lambda *a, **k: F.smooth_l1_loss(*a, beta=0.5, **k),
        lambda x, y: huber(x - y, 0.5) / 0.5,
        [0, -0.5, 0.5],
    ),
    (
        "smooth_l1 beta=0",
        lambda *a, **k: F.smooth_l1_loss(*a, beta=0.0, **k),
        lambda x, y: np.abs(x - y),
        [0],
    ),
    ("huber", F.huber_loss, lambda x, y: huber(x - y, 1.0), [-1, 1]),
    (
        "huber delta=2.5",
        lambda *a, **k: F.huber_loss(*a, delta=2.5, **k),
        lambda x, y: huber(x - y, 2.5),
        [-2.5, 2.5],
    ),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "fn", "formula", "kinks"), ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_distance_losses_match_numpy_and_finite_differences(name, fn, formula, kinks, reduction):
    x = Y + away_from(X - Y, kinks)
    input, target = am.tensor(x, requires_grad=True), am.tensor(Y, requires_grad=True)
    loss = fn(input, target, reduction=reduction)
    np.testing.assert_allclose(loss._array, reduce(formula(x, Y), reduction), rtol=1e-12)
    assert loss.grad_fn.parents == [input, target]  # one fused node
    check_gradients(lambda a, b: fn(a, b, reduction=reduction), input, target)


def test_huber_is_smooth_l1_times_delta_and_pulls_outliers_with_at_most_delta():
    x, y = am.tensor([0.0, 0.3, 5.0, -7.0], requires_grad=True), am.zeros(4)
    np.testing.assert_allclose(
        F.huber_loss(x, y, delta=0.5, reduction="none")._array,
        0.5 * F.smooth_l1_loss(x, y, beta=0.5, reduction="none")._array,
    )
    F.huber_loss(x, y, delta=0.5, reduction="sum").backward()
    np.testing.assert_allclose(x.grad._array, [0.0, 0.3, 0.5, -0.5])


def test_l1_gradient_is_the_sign_and_zero_where_input_equals_target():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    F.l1_loss(x, am.tensor([0.0, 2.0, 4.0]), reduction="sum").backward()
    np.testing.assert_array_equal(x.grad._array, [1.0, 0.0, -1.0])


P = rng.uniform(0.05, 1.0, (3, 4))  # target probabilities (not normalised: the loss does not care)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_numpy_and_finite_differences(log_target, reduction):
    target = np.log(P) if log_target else P
    input, t = am.tensor(X, requires_grad=True), am.tensor(target, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 'mean' warns that it is not 'batchmean'
        loss = F.kl_div(input, t, reduction=reduction, log_target=log_target)
        pointwise = P * (np.log(P) - X)
        expected = pointwise.sum() / 3 if reduction == "batchmean" else reduce(pointwise, reduction)
        np.testing.assert_allclose(loss._array, expected, rtol=1e-12)
        check_gradients(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target), input, t)


def test_kl_div_takes_0_log_0_as_0_and_warns_about_mean():
    input = am.tensor([[-1.0, -2.0]], requires_grad=True)
    target = am.tensor([[0.0, 1.0]], requires_grad=True)
    loss = F.kl_div(input, target, reduction="sum")
    np.testing.assert_allclose(loss._array, 2.0)  # 0·(log 0 + 1) + 1·(0 + 2)
    loss.backward()
    np.testing.assert_array_equal(input.grad._array, [[0.0, -1.0]])
    # PyTorch's target gradient, log t + t/t - input: NaN where t = 0, where the loss is not smooth.
    assert np.isnan(target.grad._array[0, 0]) and target.grad._array[0, 1] == 3.0  # log 1 + 1 + 2
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(input, target)
    assert F.kl_div(am.tensor(-1.0), am.tensor(0.5), reduction="batchmean").shape == ()  # 0-d: the sum


def test_kl_div_of_a_distribution_from_itself_is_zero():
    p = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    np.testing.assert_allclose(
        F.kl_div(am.tensor(np.log(p)), am.tensor(p), reduction="batchmean")._array, 0, atol=1e-15
    )
    kl = F.kl_div(am.tensor(np.log(p[:, ::-1].copy())), am.tensor(p), reduction="batchmean")._array
    np.testing.assert_allclose(kl, np.sum(p * np.log(p / p[:, ::-1])) / 2)


# ---- binary cross entropy: weight, pos_weight ------------------------------------------------------


def log_sigmoid(x):
    return -np.logaddexp(0, -x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [(4,), (3, 1), (3, 4), ()])
def test_binary_cross_entropy_weighs_each_element(weight_shape, reduction):
    x, y = rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))
    weight = rng.uniform(0.5, 2, weight_shape)
    input, target = am.tensor(x, requires_grad=True), am.tensor(y, requires_grad=True)
    loss = F.binary_cross_entropy(input, target, am.tensor(weight), reduction=reduction)
    pointwise = -weight * (y * np.log(x) + (1 - y) * np.log(1 - x))
    np.testing.assert_allclose(loss._array, reduce(pointwise, reduction), rtol=1e-12)  # mean: over elements
    check_gradients(lambda a, b: F.binary_cross_entropy(a, b, weight, reduction=reduction), input, target)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_with_logits_weighs_the_positive_class(weighted, reduction):
    x, y = rng.uniform(-4, 4, (3, 4)), rng.uniform(0, 1, (3, 4))
    pos_weight, weight = rng.uniform(0.2, 3, 4), rng.uniform(0.5, 2, (3, 1)) if weighted else None
    input, target = am.tensor(x, requires_grad=True), am.tensor(y, requires_grad=True)

    def fn(a, b):
        return F.binary_cross_entropy_with_logits(
            a, b, weight, reduction=reduction, pos_weight=am.tensor(pos_weight)
        )

    pointwise = -(pos_weight * y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x)) * (
        1 if weight is None else weight
    )
    np.testing.assert_allclose(fn(input, target)._array, reduce(pointwise, reduction), rtol=1e-12)
    check_gradients(fn, input, target)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pos_weight_stays_finite_at_huge_logits(dtype):
    x = am.tensor(np.array([1e4, -1e4, 0.0, 1e4], dtype=dtype), requires_grad=True)
    y = am.tensor(np.array([0.0, 1.0, 0.5, 1.0], dtype=dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(
            x, y, reduction="none", pos_weight=am.full((4,), 3.0, dtype=dtype)
        )
        loss.sum().backward()
    np.testing.assert_allclose(loss._array, [1e4, 3e4, 2 * np.log(2), 0], rtol=1e-6)
    np.testing.assert_allclose(x.grad._array, [1, -3, -0.5, 0], atol=1e-7)
    assert loss.dtype == dtype and x.grad.dtype == dtype


# ---- negative log likelihood and cross entropy with options ---------------------------------------------


def nll_reference(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    """PyTorch's nll_loss in NumPy: classes on axis 1 (or 0 unbatched)."""
    axis = 1 if log_probs.ndim > 1 else 0
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    picked = np.take_along_axis(log_probs, np.expand_dims(safe, axis), axis).squeeze(axis)
    w = (np.ones(log_probs.shape[axis]) if weight is None else weight)[safe] * kept
    loss = -picked * w
    if reduction == "mean":
        with np.errstate(invalid="ignore"):
            return loss.sum() / w.sum()
    return loss.sum() if reduction == "sum" else loss


# (input shape, classes axis) for batched, K-dim and unbatched inputs
SHAPES = [((5, 4), 1), ((3, 4, 2), 1), ((2, 4, 2, 3), 1), ((4,), 0)]


def targets_for(shape, axis, ignore_index=None):
    target_shape = shape[:axis] + shape[axis + 1 :]
    target = rng.integers(0, shape[axis], target_shape)
    if ignore_index is not None:
        target.flat[::2] = ignore_index
        target.flat[-1] = 0 if ignore_index else 1  # at least one target kept (all ignored: tested below)
    return target


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [None, -100, 1])
@pytest.mark.parametrize(("shape", "axis"), SHAPES)
def test_nll_loss_matches_numpy_and_finite_differences(shape, axis, ignore_index, weighted, reduction):
    x = rng.standard_normal(shape)
    target = targets_for(shape, axis, ignore_index)
    weight = rng.uniform(0.5, 2, shape[axis]) if weighted else None
    options = {} if ignore_index is None else {"ignore_index": ignore_index}
    input = am.tensor(x, requires_grad=True)
    loss = F.nll_loss(
        input,
        am.tensor(target),
        None if weight is None else am.tensor(weight),
        reduction=reduction,
        **options,
    )
    expected = nll_reference(x, target, weight, ignore_index if ignore_index is not None else -100, reduction)
    np.testing.assert_allclose(loss._array, expected, rtol=1e-12)
    assert isinstance(loss.grad_fn, NegativeLogLikelihood)
    check_gradients(lambda a: F.nll_loss(a, target, weight, reduction=reduction, **options), input)


def test_weighted_mean_divides_by_the_weights_of_the_targets_kept():
    log_probs = np.log(np.full((3, 2), 0.5))
    weight, target = np.array([1.0, 3.0]), np.array([0, 1, -100])
    loss = F.nll_loss(am.tensor(log_probs), am.tensor(target), am.tensor(weight))
    np.testing.assert_allclose(loss._array, np.log(2) * (1 + 3) / (1 + 3))
    loss = F.nll_loss(am.tensor(log_probs), am.tensor(target), am.tensor(weight), reduction="sum")
    np.testing.assert_allclose(loss._array, np.log(2) * 4)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, t, **k: F.nll_loss(x, t, **k),
        lambda x, t, **k: F.cross_entropy(x, t, **k),
        lambda x, t, **k: F.cross_entropy(x, t, am.tensor([1.0, 2.0, 3.0], dtype=am.float64), **k),
        lambda x, t, **k: F.cross_entropy(x, t, label_smoothing=0.2, **k),
    ],
    ids=["nll", "cross_entropy", "weighted", "smoothed"],
)
def test_a_batch_that_ignores_every_target_has_a_nan_mean_and_zero_gradient(fn):
    x = am.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    target = am.full((4,), -100, dtype=am.int64)
    mean = fn(x, target)
    assert np.isnan(mean.item())  # 0/0, as PyTorch
    mean.backward()
    np.testing.assert_array_equal(x.grad._array, 0)
    assert fn(x, target, reduction="sum").item() == 0
    np.testing.assert_array_equal(fn(x, target, reduction="none")._array, 0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [None, 2])
@pytest.mark.parametrize(("shape", "axis"), SHAPES)
def test_cross_entropy_with_options_matches_numpy_and_finite_differences(
    shape, axis, ignore_index, weighted, label_smoothing, reduction
):
    x = rng.standard_normal(shape)
    target = targets_for(shape, axis, ignore_index)
    classes = shape[axis]
    weight = rng.uniform(0.5, 2, classes) if weighted else None
    options = {"label_smoothing": label_smoothing} | (
        {} if ignore_index is None else {"ignore_index": ignore_index}
    )
    input = am.tensor(x, requires_grad=True)
    loss = F.cross_entropy(input, am.tensor(target), weight, reduction=reduction, **options)
    # PyTorch's definition: (1 - ε)·nll + ε/C·Σ_c weight_c·(-log p_c), ignored targets left out,
    # 'mean' dividing both terms by the summed weights of the targets kept.
    log_p = log_softmax(x, axis)
    kept = target != (-100 if ignore_index is None else ignore_index)
    w = np.ones(classes) if weight is None else weight
    per_class = -(log_p * w.reshape((-1,) + (1,) * (x.ndim - 1 - axis))).sum(axis) * kept
    nll = nll_reference(log_p, target, weight, -100 if ignore_index is None else ignore_index, "none")
    pointwise = (1 - label_smoothing) * nll + label_smoothing / classes * per_class
    total = (w[np.where(kept, target, 0)] * kept).sum()
    expected = pointwise.sum() / total if reduction == "mean" else reduce(pointwise, reduction)
    np.testing.assert_allclose(loss._array, expected, rtol=1e-12)
    check_gradients(lambda a: F.cross_entropy(a, target, weight, reduction=reduction, **options), input)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("shape", "axis"), SHAPES)
def test_cross_entropy_of_class_probabilities(shape, axis, weighted, label_smoothing, reduction):
    x = rng.standard_normal(shape)
    probabilities = rng.dirichlet(np.ones(shape[axis]), shape[:axis] + shape[axis + 1 :])
    probabilities = np.moveaxis(probabilities, -1, axis)
    classes = shape[axis]
    weight = rng.uniform(0.5, 2, classes) if weighted else None
    input, target = am.tensor(x, requires_grad=True), am.tensor(probabilities, requires_grad=True)

    def fn(a, b):
        return F.cross_entropy(a, b, weight, reduction=reduction, label_smoothing=label_smoothing)

    smoothed = probabilities * (1 - label_smoothing) + label_smoothing / classes
    w = 1 if weight is None else weight.reshape((-1,) + (1,) * (x.ndim - 1 - axis))
    pointwise = -(log_softmax(x, axis) * smoothed * w).sum(axis)
    np.testing.assert_allclose(fn(input, target)._array, reduce(pointwise, reduction), rtol=1e-12)
    check_gradients(fn, input, target)


def test_one_hot_probabilities_give_the_cross_entropy_of_their_classes():
    x, target = am.tensor(rng.standard_normal((5, 3))), am.tensor([0, 2, 1, 1, 0])
    soft = F.one_hot(target, 3).double()
    np.testing.assert_allclose(F.cross_entropy(x, soft)._array, F.cross_entropy(x, target)._array, rtol=1e-12)


def test_k_dim_cross_entropy_is_the_flat_one_with_classes_last():
    x, target = rng.standard_normal((2, 4, 3, 5)), rng.integers(0, 4, (2, 3, 5))
    flat_x, flat_target = np.moveaxis(x, 1, -1).reshape(-1, 4), target.reshape(-1)
    for options in ({}, {"label_smoothing": 0.1, "ignore_index": 3}):
        np.testing.assert_allclose(
            F.cross_entropy(am.tensor(x), am.tensor(target), reduction="none", **options)._array.reshape(-1),
            F.cross_entropy(am.tensor(flat_x), am.tensor(flat_target), reduction="none", **options)._array,
            rtol=1e-12,
        )


def test_unbatched_input_takes_a_0_d_target():
    x = am.tensor(rng.standard_normal(4), requires_grad=True)
    for loss in (
        F.cross_entropy(x, am.tensor(2)),
        F.nll_loss(x, am.tensor(2)),
        F.cross_entropy(x, am.tensor(2), label_smoothing=0.1),
    ):
        assert loss.shape == ()
    np.testing.assert_allclose(F.nll_loss(x, am.tensor(2))._array, -x._array[2])


def test_the_plain_cross_entropy_keeps_its_fused_op_and_options_leave_it():
    x, target = am.tensor(rng.standard_normal((3, 4)), requires_grad=True), am.tensor([0, 1, 3])
    assert isinstance(F.cross_entropy(x, target).grad_fn, CrossEntropy)
    assert isinstance(F.cross_entropy(x, target, ignore_index=7).grad_fn, CrossEntropy)  # nothing ignored
    assert isinstance(F.cross_entropy(x, target, ignore_index=1).grad_fn, NegativeLogLikelihood)
    assert isinstance(F.cross_entropy(x, target, am.ones(4)).grad_fn, NegativeLogLikelihood)
    # The fused op and the composed one agree.
    np.testing.assert_allclose(
        F.cross_entropy(x, target, reduction="none")._array,
        F.cross_entropy(x, target, am.ones(4), reduction="none")._array,
        rtol=1e-6,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "options", [{"label_smoothing": 0.1}, {"ignore_index": 0}, {"weight": [1.0, 2.0, 0.5]}], ids=str
)
def test_cross_entropy_options_stay_finite_at_huge_logits(options, dtype):
    if "weight" in options:
        options = {"weight": am.tensor(options["weight"], dtype=dtype)}
    logits = am.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(logits, am.tensor([1, 2]), **options)
        loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(logits.grad._array).all()
    assert loss.dtype == dtype and logits.grad.dtype == dtype


def test_log_softmax_then_nll_loss_is_cross_entropy():
    x, target = am.tensor(rng.standard_normal((6, 5))), am.tensor([0, 4, 2, 2, 1, 3])
    weight = am.tensor(rng.uniform(0.5, 2, 5))
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(x, dim=1), target, weight)._array,
        F.cross_entropy(x, target, weight)._array,
        rtol=1e-6,
    )


# ---- one_hot --------------------------------------------------------------------------------------------


def test_one_hot_is_int64_outside_the_graph():
    out = F.one_hot(am.tensor([0, 2, 1]))
    np.testing.assert_array_equal(out._array, np.eye(3, dtype=np.int64)[[0, 2, 1]])
    assert out.dtype == np.int64 and not out.requires_grad and out.grad_fn is None
    assert F.one_hot(am.tensor([[0], [3]]), num_classes=5).shape == (2, 1, 5)
    assert F.one_hot(am.tensor(2), 4).tolist() == [0, 0, 1, 0]
    assert F.one_hot(am.zeros(0, dtype=am.int64), 3).shape == (0, 3)


@pytest.mark.parametrize(
    ("indices", "num_classes", "words"),
    [
        ([0, 2, 1], 2, r"smaller than num_classes \(2\); the largest is 2"),
        ([0, -2, 1], -1, "non-negative, but one is -2"),
        ([0, 1], -3, r"smaller than num_classes \(-3\)"),
        ([], -1, "empty tensor tells no number of classes"),
    ],
)
def test_one_hot_names_bad_classes(indices, num_classes, words):
    with pytest.raises(RuntimeError, match=words):
        F.one_hot(am.tensor(indices, dtype=am.int64), num_classes)


def test_one_hot_takes_only_int64():
    with pytest.raises(RuntimeError, match="int64 class indices"):
        F.one_hot(am.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="not dtype int32"):
        F.one_hot(am.tensor([0, 1], dtype=am.int32))


# ---- modules ---------------------------------------------------------------------------------------------

W4 = am.tensor([1.0, 2.0, 0.5, 1.5])
MODULES = [
    (nn.L1Loss(reduction="sum"), lambda x, t: F.l1_loss(x, t, reduction="sum"), "dense"),
    (nn.SmoothL1Loss(beta=0.5), lambda x, t: F.smooth_l1_loss(x, t, beta=0.5), "dense"),
    (nn.HuberLoss("none", 0.3), lambda x, t: F.huber_loss(x, t, reduction="none", delta=0.3), "dense"),
    (
        nn.KLDivLoss(reduction="batchmean", log_target=True),
        lambda x, t: F.kl_div(x, t, reduction="batchmean", log_target=True),
        "dense",
    ),
    (
        nn.BCEWithLogitsLoss(W4, pos_weight=W4 * 2),
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, W4, pos_weight=W4 * 2),
        "logits",
    ),
    (
        nn.BCELoss(W4, reduction="sum"),
        lambda x, t: F.binary_cross_entropy(x, t, W4, reduction="sum"),
        "probabilities",
    ),
    (nn.NLLLoss(W4, ignore_index=1), lambda x, t: F.nll_loss(x, t, W4, ignore_index=1), "classes"),
    (
        nn.CrossEntropyLoss(W4, ignore_index=2, label_smoothing=0.1, reduction="sum"),
        lambda x, t: F.cross_entropy(x, t, W4, ignore_index=2, label_smoothing=0.1, reduction="sum"),
        "classes",
    ),
]


@pytest.mark.parametrize(
    ("module", "fn", "kind"), MODULES, ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else ""
)
def test_loss_modules_are_their_functions_with_the_options_they_were_given(module, fn, kind):
    x, target = {
        "dense": (rng.standard_normal((3, 4)), rng.standard_normal((3, 4))),
        "logits": (rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4))),
        "probabilities": (rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))),
        "classes": (rng.standard_normal((3, 4)), np.array([0, 1, 2])),
    }[kind]
    x, target = am.tensor(x), am.tensor(target)
    np.testing.assert_array_equal(module(x, target)._array, fn(x, target)._array)


def test_loss_weights_are_buffers():
    loss = nn.CrossEntropyLoss(weight=am.ones(3))
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=am.ones(3)).state_dict()) == ["pos_weight"]
    assert loss.double().weight.dtype == np.float64
    assert list(nn.NLLLoss().state_dict()) == []


def test_kl_div_module_takes_batchmean_and_still_checks_reduction():
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
    with pytest.raises(ValueError, match="KLDivLoss: reduction must be one of 'batchmean', 'mean'"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match="L1Loss: reduction must be one of 'mean'"):
        nn.L1Loss(reduction="batchmean")


# ---- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [F.l1_loss, F.smooth_l1_loss, F.huber_loss, F.kl_div])
def test_distance_losses_refuse_to_broadcast(fn):
    with pytest.raises(
        ValueError, match=rf"{fn.__name__}: input has shape \(4, 1\) but target has shape \(4,\)"
    ):
        fn(am.full((4, 1), 0.5), am.ones(4))


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (
            lambda: F.smooth_l1_loss(am.ones(2), am.ones(2), beta=-1.0),
            RuntimeError,
            "beta must not be negative, got -1.0",
        ),
        (
            lambda: F.huber_loss(am.ones(2), am.ones(2), delta=0.0),
            RuntimeError,
            "delta must be positive, got 0.0",
        ),
        (
            lambda: F.kl_div(am.ones(2), am.ones(2), reduction="avg"),
            ValueError,
            "'batchmean', 'mean', 'sum', 'none'",
        ),
        (
            lambda: F.kl_div(am.tensor([1, 2]), am.ones(2)),
            RuntimeError,
            "must be floating.*int64 and float32",
        ),
        (lambda: F.l1_loss(am.ones(2), am.ones(2), reduction="batchmean"), ValueError, "l1_loss: reduction"),
        (
            lambda: F.binary_cross_entropy(am.full((2, 3), 0.5), am.ones(2, 3), am.ones(2)),
            RuntimeError,
            r"weight of shape \(2,\) does not broadcast to input's shape \(2, 3\)",
        ),
        (
            lambda: F.binary_cross_entropy_with_logits(am.ones(2, 3), am.ones(2, 3), pos_weight=am.ones(2)),
            RuntimeError,
            r"pos_weight of shape \(2,\) does not broadcast",
        ),
        (
            lambda: F.binary_cross_entropy_with_logits(am.ones(2, 3), am.ones(2, 3), am.ones(2, 2, 3)),
            RuntimeError,
            r"weight of shape \(2, 2, 3\) does not broadcast",
        ),
        (
            lambda: F.binary_cross_entropy(am.full((2,), 0.5), am.ones(2), am.ones(2, requires_grad=True)),
            RuntimeError,
            "weight cannot require grad.*weight.detach()",
        ),
    ],
)
def test_bad_options_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("fn", [F.nll_loss, F.cross_entropy])
def test_class_losses_name_bad_targets_and_weights(fn):
    name, x = fn.__name__, am.zeros(3, 4)
    with pytest.raises(
        RuntimeError,
        match=rf"{name}: target must hold class indices as int64 \(or uint8\), but its dtype is int32",
    ):
        fn(x, am.tensor([0, 1, 2], dtype=am.int32))
    with pytest.raises(IndexError, match=rf"{name}: target holds class indices \[4\] outside \[0, 3\]"):
        fn(x, am.tensor([0, 4, -100]))  # -100 is ignored; 4 is not a class
    with pytest.raises(IndexError, match=r"\[-100\] outside"):
        fn(x, am.tensor([0, -100, 1]), ignore_index=1)  # ignoring another class, -100 is out of range
    with pytest.raises(
        ValueError,
        match=rf"{name}: input of shape \(3, 4\) \(4 classes on dim 1\) needs a target of shape \(3,\)",
    ):
        fn(x, am.tensor([0, 1]))
    with pytest.raises(
        RuntimeError, match=r"needs a target of shape \(3, 2\), but target has shape \(3, 4\)"
    ):
        fn(am.zeros(3, 4, 2), am.zeros(3, 4, dtype=am.int64))
    with pytest.raises(
        RuntimeError,
        match=rf"{name}: weight must hold one value for each of the 4 classes, shape \(4,\), but has "
        r"shape \(3,\)",
    ):
        fn(x, am.tensor([0, 1, 2]), am.ones(3))
    with pytest.raises(RuntimeError, match="weight cannot require grad"):
        fn(x, am.tensor([0, 1, 2]), am.ones(4, requires_grad=True))
    with pytest.raises(ValueError, match=f"{name}: reduction must be one of"):
        fn(x, am.tensor([0, 1, 2]), reduction="elementwise_mean")
    with pytest.raises(ValueError, match="a 0-d tensor has no class dim"):
        fn(am.tensor(0.0), am.tensor(0))


def test_cross_entropy_names_bad_probability_targets_and_smoothing():
    x = am.zeros(3, 4)
    with pytest.raises(
        RuntimeError,
        match=r"a target of input's shape \(3, 4\) holds class probabilities, so it must be floating",
    ):
        F.cross_entropy(x, am.zeros(3, 4, dtype=am.int64))
    with pytest.raises(
        RuntimeError, match="ignore_index is not supported for a target of class probabilities"
    ):
        F.cross_entropy(x, am.zeros(3, 4), ignore_index=0)
    with pytest.raises(RuntimeError, match="weight must hold one value for each of the 4 classes"):
        F.cross_entropy(x, am.zeros(3, 4), am.ones(3))
    for target in (am.tensor([0, 1, 2]), am.zeros(3, 4)):
        with pytest.raises(RuntimeError, match=r"label_smoothing must lie in \[0, 1\], got 1.5"):
            F.cross_entropy(x, target, label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="class probabilities need a floating target of input's shape"):
        F.cross_entropy(x, am.zeros(3))


def test_uint8_class_indices_are_taken_as_pytorch_takes_byte_targets():
    x = am.tensor(rng.standard_normal((3, 4)))
    for fn in (F.nll_loss, F.cross_entropy):
        by_bytes = fn(x, am.tensor(np.array([0, 3, 1], dtype=np.uint8)), ignore_index=3)
        np.testing.assert_array_equal(by_bytes._array, fn(x, am.tensor([0, 3, 1]), ignore_index=3)._array)
