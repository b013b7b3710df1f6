"""The losses against PyTorch: values, first and second derivatives of input and target, result
dtypes and error types, over a grid of options, reductions, shapes and dtypes; the loss modules
and F.one_hot too. The same call runs on both libraries, since the names and arguments are
PyTorch's."""

import warnings

import numpy as np
import pytest

import autograd_mini as am

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

REDUCTIONS = ["mean", "sum", "none"]
TOLERANCE = {np.float32: {"rtol": 2e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-10, "atol": 1e-12}}


def both(array):
    """The array as a tensor of each library: (ours, PyTorch's)."""
    return am.tensor(array), torch.from_numpy(np.array(array))


def close(ours, theirs, dtype=np.float64):
    theirs = theirs.detach().numpy(force=True)  # force: PyTorch's zero tensors
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.detach().numpy(), theirs, equal_nan=True, **TOLERANCE[dtype])


# ---- the grid ------------------------------------------------------------------------------------

W = np.array([0.5, 2.0, 1.0, 1.5])  # one weight per class: the class inputs have 4 classes


def weight(lib, dtype):
    return lib.tensor(W.astype(dtype))


def along_last_dim(lib, x, low, high, dtype):
    """Weights from low to high along x's last dim (one weight for a 0-d x)."""
    return lib.tensor(
        np.linspace(low, high, x.shape[-1] if x.ndim else 1).reshape(x.shape[-1:]).astype(dtype)
    )


# (name, call(lib, input, target, reduction, dtype), kind of input, kind of target)
LOSSES = [
    ("l1", lambda lib, x, t, r, d: lib.nn.functional.l1_loss(x, t, reduction=r), "real", "real"),
    (
        "smooth_l1",
        lambda lib, x, t, r, d: lib.nn.functional.smooth_l1_loss(x, t, reduction=r),
        "real",
        "real",
    ),
    (
        "smooth_l1 beta=0.3",
        lambda lib, x, t, r, d: lib.nn.functional.smooth_l1_loss(x, t, reduction=r, beta=0.3),
        "real",
        "real",
    ),
    (
        "smooth_l1 beta=0",
        lambda lib, x, t, r, d: lib.nn.functional.smooth_l1_loss(x, t, reduction=r, beta=0.0),
        "real",
        "real",
    ),
    ("huber", lambda lib, x, t, r, d: lib.nn.functional.huber_loss(x, t, reduction=r), "real", "real"),
    ("huber delta=0.4", lambda lib, x, t, r, d: lib.nn.functional.huber_loss(x, t, r, 0.4), "real", "real"),
    ("kl_div", lambda lib, x, t, r, d: lib.nn.functional.kl_div(x, t, reduction=r), "real", "prob"),
    ("kl_div zeros", lambda lib, x, t, r, d: lib.nn.functional.kl_div(x, t, reduction=r), "real", "prob0"),
    (
        "kl_div log_target",
        lambda lib, x, t, r, d: lib.nn.functional.kl_div(x, t, reduction=r, log_target=True),
        "real",
        "real",
    ),
    (
        "bce",
        lambda lib, x, t, r, d: lib.nn.functional.binary_cross_entropy(x, t, reduction=r),
        "prob",
        "prob",
    ),
    (
        "bce weight",
        lambda lib, x, t, r, d: lib.nn.functional.binary_cross_entropy(
            x, t, along_last_dim(lib, x, 0.5, 2, d), reduction=r
        ),
        "prob",
        "prob",
    ),
    (
        "bce_logits weight pos_weight",
        lambda lib, x, t, r, d: lib.nn.functional.binary_cross_entropy_with_logits(
            x, t, lib.tensor(np.array(1.5, d)), reduction=r, pos_weight=along_last_dim(lib, x, 0.2, 3, d)
        ),
        "logit",
        "prob",
    ),
    (
        "bce_logits huge",
        lambda lib, x, t, r, d: lib.nn.functional.binary_cross_entropy_with_logits(
            x, t, reduction=r, pos_weight=along_last_dim(lib, x, 3, 3, d)
        ),
        "huge",
        "prob",
    ),
    ("nll", lambda lib, x, t, r, d: lib.nn.functional.nll_loss(x, t, reduction=r), "real", "classes"),
    (
        "nll weight ignore_index=1",
        lambda lib, x, t, r, d: lib.nn.functional.nll_loss(x, t, weight(lib, d), ignore_index=1, reduction=r),
        "real",
        "classes:1",
    ),
    (
        "cross_entropy",
        lambda lib, x, t, r, d: lib.nn.functional.cross_entropy(x, t, reduction=r),
        "real",
        "classes",
    ),
    (
        "cross_entropy weight",
        lambda lib, x, t, r, d: lib.nn.functional.cross_entropy(x, t, weight(lib, d), reduction=r),
        "real",
        "classes",
    ),
    (
        "cross_entropy ignore_index=2 label_smoothing",
        lambda lib, x, t, r, d: lib.nn.functional.cross_entropy(
            x, t, ignore_index=2, reduction=r, label_smoothing=0.2
        ),
        "real",
        "classes:2",
    ),
    (
        "cross_entropy weight label_smoothing",
        lambda lib, x, t, r, d: lib.nn.functional.cross_entropy(
            x, t, weight(lib, d), reduction=r, label_smoothing=0.35
        ),
        "real",
        "classes",
    ),
    (
        "cross_entropy huge",
        lambda lib, x, t, r, d: lib.nn.functional.cross_entropy(
            x, t, weight(lib, d), reduction=r, label_smoothing=0.1
        ),
        "huge",
        "classes",
    ),
    (
        "cross_entropy probabilities",
        lambda lib, x, t, r, d: lib.nn.functional.cross_entropy(x, t, reduction=r),
        "real",
        "soft",
    ),
    (
        "cross_entropy probabilities weight label_smoothing",
        lambda lib, x, t, r, d: lib.nn.functional.cross_entropy(
            x, t, weight(lib, d), reduction=r, label_smoothing=0.25
        ),
        "real",
        "soft",
    ),
]
ELEMENTWISE_SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
CLASS_SHAPES = [(5, 4), (3, 4, 2), (2, 4, 2, 3), (4,)]  # 4 classes on dim 1 (dim 0 unbatched)


def draw(kind, shape, dtype, rng):
    class_axis = 1 if len(shape) > 1 else 0
    if kind == "real":
        return rng.standard_normal(shape).astype(dtype)
    if kind == "logit":
        return rng.uniform(-4, 4, shape).astype(dtype)
    if kind == "huge":
        return (rng.choice([-1e4, 0, 1e4], shape)).astype(dtype)
    if kind == "prob":
        return rng.uniform(0.05, 0.95, shape).astype(dtype)
    if kind == "prob0":
        return np.where(rng.uniform(0, 1, shape) < 0.3, 0, rng.uniform(0.05, 0.95, shape)).astype(dtype)
    if kind.startswith("classes"):  # "classes" ignores -100, "classes:2" class 2
        target = rng.integers(0, 4, shape[:class_axis] + shape[class_axis + 1 :])
        if target.size > 2:
            target.flat[::3] = int(kind.partition(":")[2] or -100)
        return target
    soft = rng.dirichlet(np.ones(4), shape[:class_axis] + shape[class_axis + 1 :])
    return np.moveaxis(soft, -1, class_axis).astype(dtype)


def cases():
    for name, call, input_kind, target_kind in LOSSES:
        shapes = CLASS_SHAPES if target_kind.startswith(("classes", "soft")) else ELEMENTWISE_SHAPES
        for shape in shapes:
            yield pytest.param(call, input_kind, target_kind, shape, id=f"{name}-{shape}")


@pytest.fixture(autouse=True)
def _quiet_kl_mean():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "kl_div: reduction='mean'", UserWarning)
        warnings.filterwarnings("ignore", "reduction: 'mean' divides", UserWarning)
        yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("call", "input_kind", "target_kind", "shape"), cases())
def test_values_gradients_and_dtypes_match_pytorch(call, input_kind, target_kind, shape, reduction, dtype):
    rng = np.random.default_rng(abs(hash((input_kind, target_kind, shape))) % 2**32)
    x, t = draw(input_kind, shape, dtype, rng), draw(target_kind, shape, dtype, rng)
    differentiable_target = t.dtype.kind == "f" and input_kind != "huge"
    ours = [am.tensor(x, requires_grad=True), am.tensor(t, requires_grad=differentiable_target)]
    theirs = [
        torch.from_numpy(x.copy()).requires_grad_(),
        torch.from_numpy(t.copy()).requires_grad_(differentiable_target),
    ]
    loss, expected = call(am, *ours, reduction, dtype), call(torch, *theirs, reduction, dtype)
    close(loss, expected, dtype)
    assert loss.dtype == np.dtype(str(expected.dtype).removeprefix("torch."))
    upstream = np.linspace(0.5, 1.5, loss.numel()).reshape(loss.shape).astype(dtype)
    wanted = [ours[0]] + ours[1:] * differentiable_target
    grads = am.autograd.grad(loss, wanted, am.tensor(upstream), create_graph=dtype == np.float64)
    expected_grads = torch.autograd.grad(
        expected,
        [theirs[0]] + theirs[1:] * differentiable_target,
        torch.from_numpy(upstream),
        create_graph=dtype == np.float64,
    )
    for g, tg in zip(grads, expected_grads):
        close(g, tg, dtype)
        assert g.dtype == dtype
    if dtype == np.float64 and input_kind != "huge":  # second derivatives: d/dx of (grad · v)
        v = np.linspace(-1, 1, x.size).reshape(x.shape)
        second = None
        if grads[0].requires_grad:  # else piecewise linear in input, as L1: no second derivative
            (second,) = am.autograd.grad((grads[0] * am.tensor(v)).sum(), [ours[0]], allow_unused=True)
        (expected_second,) = torch.autograd.grad(
            (expected_grads[0] * torch.from_numpy(v)).sum(), [theirs[0]], allow_unused=True
        )
        if second is None or expected_second is None:
            for s in (second, expected_second):
                assert s is None or float(s.abs().sum()) == 0
        else:
            close(second, expected_second)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x, t: lib.nn.functional.l1_loss(x, t),
        lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t, beta=0.5),
        lambda lib, x, t: lib.nn.functional.huber_loss(x, t),  # PyTorch keeps input's dtype here
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(x, t),  # and target's here
        lambda lib, x, t: lib.nn.functional.kl_div(x, t.abs(), reduction="batchmean"),
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(x, t.abs() / 4),
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t.softmax(1)),
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t.softmax(1), label_smoothing=0.1),
    ],
    ids=[
        "l1",
        "smooth_l1",
        "huber",
        "bce_logits raw",
        "kl_div",
        "bce_logits",
        "cross_entropy soft",
        "smoothed soft",
    ],
)
@pytest.mark.parametrize(
    ("input_dtype", "target_dtype"), [(np.float32, np.float64), (np.float64, np.float32)]
)
def test_mixed_dtypes_give_pytorchs_result_dtype(call, input_dtype, target_dtype):
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((3, 4)).astype(input_dtype), rng.standard_normal((3, 4)).astype(target_dtype)
    ours = call(am, am.tensor(x, requires_grad=True), am.tensor(t))
    theirs = call(torch, torch.from_numpy(x).requires_grad_(), torch.from_numpy(t))
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    close(ours, theirs, np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_all_ignored_and_zero_weight_batches_match_pytorch(reduction):
    x = np.random.default_rng(2).standard_normal((3, 4))
    for call in (
        lambda lib, a: lib.nn.functional.nll_loss(a, lib.tensor([-100, -100, -100]), reduction=reduction),
        lambda lib, a: lib.nn.functional.cross_entropy(
            a, lib.tensor([-100, -100, -100]), reduction=reduction, label_smoothing=0.3
        ),
        lambda lib, a: lib.nn.functional.nll_loss(
            a, lib.tensor([0, 1, 2]), lib.zeros(4, dtype=lib.float64), reduction=reduction
        ),
    ):
        ours, theirs = am.tensor(x, requires_grad=True), torch.from_numpy(x.copy()).requires_grad_()
        loss, expected = call(am, ours), call(torch, theirs)
        close(loss, expected)
        loss.sum().backward()
        expected.sum().backward()
        close(ours.grad, theirs.grad)


# ---- modules --------------------------------------------------------------------------------------

MODULES = [
    ("L1Loss", lambda lib: {}, "real"),
    ("SmoothL1Loss", lambda lib: {"beta": 0.4}, "real"),
    ("HuberLoss", lambda lib: {"delta": 0.4}, "real"),
    ("KLDivLoss", lambda lib: {"log_target": True}, "real"),
    ("BCELoss", lambda lib: {"weight": lib.tensor(W)}, "prob"),
    (
        "BCEWithLogitsLoss",
        lambda lib: {"weight": lib.tensor(W), "pos_weight": lib.tensor(W[::-1].copy())},
        "prob",
    ),
    ("NLLLoss", lambda lib: {"weight": lib.tensor(W), "ignore_index": 3}, "classes:3"),
    (
        "CrossEntropyLoss",
        lambda lib: {"weight": lib.tensor(W), "ignore_index": 0, "label_smoothing": 0.2},
        "classes:0",
    ),
    ("CrossEntropyLoss", lambda lib: {"label_smoothing": 0.2}, "soft"),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("name", "options", "target_kind"), MODULES, ids=lambda v: v if isinstance(v, str) else ""
)
def test_loss_modules_match_pytorch(name, options, target_kind, reduction):
    rng = np.random.default_rng(3)
    x = draw("prob" if name == "BCELoss" else "real", (5, 4), np.float64, rng)
    t = draw(target_kind, (5, 4), np.float64, rng)
    ours = getattr(am.nn, name)(reduction=reduction, **options(am))
    theirs = getattr(torch.nn, name)(reduction=reduction, **options(torch))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ox, tx = am.tensor(x, requires_grad=True), torch.from_numpy(x.copy()).requires_grad_()
    loss, expected = ours(ox, am.tensor(t)), theirs(tx, torch.from_numpy(t))
    close(loss, expected)
    loss.sum().backward()
    expected.sum().backward()
    close(ox.grad, tx.grad)


# ---- one_hot ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indices", "num_classes"), [([0, 2, 1], -1), ([[1], [3]], 5), (3, 4), ([], 2), ([0, 0], 1)]
)
def test_one_hot_matches_pytorch(indices, num_classes):
    ours = am.nn.functional.one_hot(am.tensor(indices, dtype=am.int64), num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(indices, dtype=torch.int64), num_classes)
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ---- errors: the same exception type as PyTorch ---------------------------------------------------------

X34 = np.zeros((3, 4))
BAD_CALLS = {
    "nll float target": lambda lib: lib.nn.functional.nll_loss(lib.tensor(X34), lib.tensor([0.0, 1.0, 2.0])),
    "nll int32 target": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X34), lib.tensor([0, 1, 2], dtype=lib.int32)
    ),
    "nll class out of range": lambda lib: lib.nn.functional.nll_loss(lib.tensor(X34), lib.tensor([0, 1, 4])),
    "nll negative class": lambda lib: lib.nn.functional.nll_loss(lib.tensor(X34), lib.tensor([0, -1, 2])),
    "nll batch size": lambda lib: lib.nn.functional.nll_loss(lib.tensor(X34), lib.tensor([0, 1])),
    "nll multi-target": lambda lib: lib.nn.functional.nll_loss(lib.tensor(X34), lib.tensor([[0], [1], [2]])),
    "nll k-dim target": lambda lib: lib.nn.functional.nll_loss(
        lib.zeros(3, 4, 5), lib.zeros(3, 4, dtype=lib.int64)
    ),
    "nll 0-d input": lambda lib: lib.nn.functional.nll_loss(lib.tensor(1.0), lib.tensor(0)),
    "nll weight shape": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X34), lib.tensor([0, 1, 2]), lib.ones(3)
    ),
    "nll weight requires grad": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X34), lib.tensor([0, 1, 2]), lib.ones(4, dtype=lib.float64, requires_grad=True)
    ),
    "nll reduction": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X34), lib.tensor([0, 1, 2]), reduction="avg"
    ),
    "ce float target of another shape": lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(X34), lib.tensor([0.0, 1.0, 2.0])
    ),
    "ce long probabilities": lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(X34), lib.zeros(3, 4, dtype=lib.int64)
    ),
    "ce probabilities ignore_index": lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(X34), lib.zeros(3, 4, dtype=lib.float64), ignore_index=1
    ),
    "ce label_smoothing > 1": lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(X34), lib.tensor([0, 1, 2]), label_smoothing=1.5
    ),
    "ce probabilities weight shape": lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(X34), lib.zeros(3, 4, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
    ),
    "ce class out of range": lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(X34), lib.tensor([0, 9, 1])
    ),
    "ce batch size": lambda lib: lib.nn.functional.cross_entropy(lib.tensor(X34), lib.tensor([0, 1, 2, 3])),
    "smooth_l1 negative beta": lambda lib: lib.nn.functional.smooth_l1_loss(
        lib.ones(2), lib.ones(2), beta=-1.0
    ),
    "huber zero delta": lambda lib: lib.nn.functional.huber_loss(lib.ones(2), lib.ones(2), delta=0.0),
    "kl_div integers": lambda lib: lib.nn.functional.kl_div(lib.tensor([1, 2]), lib.tensor([1, 2])),
    "kl_div reduction": lambda lib: lib.nn.functional.kl_div(lib.ones(2), lib.ones(2), reduction="avg"),
    "bce weight shape": lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.full((2, 3), 0.5), lib.ones(2, 3), lib.ones(2)
    ),
    "bce weight requires grad": lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.full((2,), 0.5), lib.ones(2), lib.ones(2, requires_grad=True)
    ),
    "bce target shape": lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.full((2, 3), 0.5), lib.ones(3)
    ),
    "bce_logits target shape": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.ones(2, 3), lib.ones(3)
    ),
    "bce_logits pos_weight shape": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.ones(2, 3), lib.ones(2, 3), pos_weight=lib.ones(2)
    ),
    "one_hot too few classes": lambda lib: lib.nn.functional.one_hot(lib.tensor([0, 3]), 2),
    "one_hot negative": lambda lib: lib.nn.functional.one_hot(lib.tensor([0, -1])),
    "one_hot float": lambda lib: lib.nn.functional.one_hot(lib.tensor([0.0, 1.0])),
    "one_hot empty": lambda lib: lib.nn.functional.one_hot(lib.zeros(0, dtype=lib.int64)),
}


@pytest.mark.parametrize("name", BAD_CALLS)
def test_bad_input_raises_pytorchs_exception_type(name):
    call = BAD_CALLS[name]
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(am)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
