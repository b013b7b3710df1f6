"""The losses as plain functions, with PyTorch's names and arguments; `nn.functional` exports them.

Each checks its arguments here, once, with errors that name the loss and the shapes and values
at fault, then runs one fused op from `autograd_mini.ops.loss` (or, for the rarer options, a few
differentiable ones). Elementwise losses never broadcast prediction against target: a (N, 1)
prediction with a (N,) target is an error, not a silent (N, N) loss.

Class-index targets (nll_loss, cross_entropy) hold int64 (or uint8) classes, shaped as the input
without its class dim (dim 1, or dim 0 for an unbatched (C,) input); a target equal to
ignore_index adds nothing to the loss, and 'mean' divides by the summed weights of the targets
kept, so a batch that ignores every target has a NaN mean, as in PyTorch.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd_mini.ops.loss import (
    AbsoluteError,
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CrossEntropy,
    Huber,
    KLDivergence,
    NegativeLogLikelihood,
    SquaredError,
)
from autograd_mini.ops.reduce import LogSoftmax
from autograd_mini.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")
INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.uint8))  # PyTorch's class indices: Long or Byte

# ---- elementwise losses: input and target of one shape ---------------------------------------


def mse_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """(input - target)², averaged, summed or per element; input and target of one shape."""
    check_reduction(reduction, "mse_loss")
    return SquaredError.apply(input, _loss_target(input, target, "mse_loss"), reduction=reduction)


def l1_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """|input - target|, averaged, summed or per element."""
    check_reduction(reduction, "l1_loss")
    return AbsoluteError.apply(input, _loss_target(input, target, "l1_loss"), reduction=reduction)


def smooth_l1_loss(input: Tensor, target: Any, *, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """With d = input - target: d²/(2·beta) where |d| < beta, else |d| - beta/2; beta=0 is l1_loss."""
    check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must not be negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    target = _loss_target(input, target, "smooth_l1_loss")
    return Huber.apply(input, target, reduction=reduction, delta=beta, divisor=beta)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """With d = input - target: d²/2 where |d| < delta, else delta·(|d| - delta/2).

    The result has input's dtype, as in PyTorch (a wider floating target is narrowed to it).
    """
    check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    target = _loss_target(input, target, "huber_loss")
    if _floating_pair_differs(input, target):
        target = _as_dtype(target, input.dtype)
    return Huber.apply(input, target, reduction=reduction, delta=delta, divisor=1)


def kl_div(input: Tensor, target: Any, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """target·(log target - input) for input holding log-probabilities, with 0·log 0 = 0;
    log_target=True takes target as log-probabilities too: e^target·(target - input).

    reduction='batchmean' divides the sum by the batch size (dim 0), which is the KL divergence
    of each sample's distributions; 'mean' divides by the number of elements, and warns so.
    """
    if reduction != "batchmean":
        check_reduction(reduction, "kl_div", extra="'batchmean', ")
    target = _loss_target(input, target, "kl_div")
    if input.dtype.kind != "f" or target.dtype.kind != "f":
        raise RuntimeError(
            f"kl_div: input and target must be floating, but have dtypes {input.dtype} and {target.dtype}"
        )
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by both the batch size and the support "
            "size; 'batchmean' divides only by the batch size, as the KL divergence's definition does",
            UserWarning,
            stacklevel=2,
        )
    if reduction != "batchmean":
        return KLDivergence.apply(input, target, reduction=reduction, log_target=log_target)
    total = KLDivergence.apply(input, target, reduction="sum", log_target=log_target)
    return total / input.shape[0] if input.ndim else total


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, *, reduction: str = "mean"
) -> Tensor:
    """-(y·log x + (1 - y)·log(1 - x)) for probabilities x in [0, 1], each log clamped at -100,
    each element's loss times weight (broadcast to input's shape).

    For raw scores, binary_cross_entropy_with_logits is stabler and needs no sigmoid first.
    """
    caller = "binary_cross_entropy"
    check_reduction(reduction, caller)
    target = _loss_target(input, target, caller)
    data = _array(input)
    if data.size and not (data.min() >= 0 and data.max() <= 1):
        raise ValueError(
            f"binary_cross_entropy: input must hold probabilities in [0, 1], but its values run from "
            f"{data.min()} to {data.max()}; for raw scores use binary_cross_entropy_with_logits"
        )
    weight = _broadcast_constant(weight, input, caller, "weight")
    return BinaryCrossEntropy.apply(input, target, reduction=reduction, weight=weight)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target, weight), computed stably in one op for any
    logits. pos_weight, broadcast against the last dim (one per class), multiplies the loss of
    the positive targets: above 1 it favours recall, below 1 precision."""
    caller = "binary_cross_entropy_with_logits"
    check_reduction(reduction, caller)
    target = _loss_target(input, target, caller)
    if _floating_pair_differs(input, target):  # the result has target's dtype, as in PyTorch
        input = _as_dtype(input, target.dtype)
    weight = _broadcast_constant(weight, input, caller, "weight")
    options = {}
    if pos_weight is not None:
        options["pos_weight"] = _broadcast_constant(pos_weight, input, caller, "pos_weight")
    return BinaryCrossEntropyWithLogits.apply(input, target, reduction=reduction, weight=weight, **options)


# ---- classification: class indices or class probabilities ------------------------------------


def nll_loss(
    input: Tensor, target: Any, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """-weight[target]·input[target]: the negative log-likelihood of the target classes, for input
    holding log-probabilities (as log_softmax gives).

    input: (N, C), (N, C, d1, ...) or unbatched (C,); target: class indices in [0, C) shaped as
    input without the class dim; weight: (C,), one per class. 'mean' divides by the summed
    weights of the targets not ignored.
    """
    check_reduction(reduction, "nll_loss")
    if input.ndim == 0:
        raise _no_class_dim("nll_loss")
    target, ignored = _class_indices(input, _array(target), ignore_index, "nll_loss")
    weight = _class_weight(weight, input, "nll_loss")
    options = _likelihood_options(input, target, weight, ignored)
    return NegativeLogLikelihood.apply(input, reduction=reduction, **options)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """-log softmax(input)[target], averaged over samples, summed, or per sample.

    input: logits (N, C), (N, C, d1, ...) or unbatched (C,). target: integer class indices in
    [0, C), shaped as input without the class dim: (N,), (N, d1, ...) or (); or class
    probabilities, floating and of input's own shape. weight (C,) weighs each class;
    label_smoothing ε mixes each target with the uniform distribution: (1 - ε)·target + ε/C.
    """
    check_reduction(reduction, "cross_entropy")
    if input.ndim == 0:
        raise _no_class_dim("cross_entropy")
    indices = _array(target)
    if indices.shape == input.shape:
        return _soft_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    indices, ignored = _class_indices(input, indices, ignore_index, "cross_entropy")
    if label_smoothing > 0:
        _check_label_smoothing(label_smoothing)
    elif weight is None and ignored is None:
        return CrossEntropy.apply(input, indices, reduction=reduction)  # the common case, fused
    weight = _class_weight(weight, input, "cross_entropy")
    return _cross_entropy_with_options(input, indices, weight, ignored, reduction, label_smoothing)


def _cross_entropy_with_options(
    input: Tensor, target: np.ndarray, weight: Any, ignored: Any, reduction: str, label_smoothing: float
) -> Tensor:
    """Cross entropy of class indices with class weights, ignored targets or label smoothing, as
    PyTorch defines it: nll_loss of log_softmax(input), plus, smoothed, ε/C of every class's
    -log p (weighed per class, 0 where the target is ignored) with (1 - ε) of that loss; 'mean'
    divides both terms by the same summed weights of the targets kept."""
    axis = 1 if input.ndim > 1 else 0
    log_probs = LogSoftmax.apply(input, axis=axis)
    options = _likelihood_options(input, target, weight, ignored)
    loss = NegativeLogLikelihood.apply(log_probs, reduction=reduction, **options)
    if not label_smoothing > 0:
        return loss
    if weight is not None:
        log_probs = log_probs * weight.reshape(_class_axis_shape(input))
    smooth = -log_probs.sum(axis)
    if ignored is not None:
        smooth = smooth * (~ignored).astype(input.dtype)
    if reduction != "none":
        smooth = smooth.sum()
    if reduction == "mean":
        smooth = _divide(smooth, options["total"])
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / input.shape[axis])


def _soft_cross_entropy(
    input: Tensor, target: Any, weight: Any, ignore_index: int, reduction: str, label_smoothing: float
) -> Tensor:
    """-Σ_c weight_c·target_c·log softmax(input)_c over the class dim, for a target of class
    probabilities of input's shape; 'mean' divides by the number of samples (N·d1·...)."""
    if not isinstance(target, Tensor):
        target = np.asarray(target)
    if target.dtype.kind != "f":
        raise RuntimeError(
            f"cross_entropy: a target of input's shape {input.shape} holds class probabilities, so it "
            f"must be floating, but its dtype is {target.dtype}; class indices have shape "
            f"{input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()}"
        )
    if ignore_index >= 0:
        raise RuntimeError("cross_entropy: ignore_index is not supported for a target of class probabilities")
    axis = 1 if input.ndim > 1 else 0
    classes = input.shape[axis]
    if label_smoothing > 0:
        _check_label_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / classes
    if weight is not None:
        weight = weight if isinstance(weight, Tensor) else np.asarray(weight)
        if weight.shape != (classes,):
            raise _weight_shape_error(weight, classes, "cross_entropy")
        target = target * weight.reshape(_class_axis_shape(input))
    loss = -(LogSoftmax.apply(input, axis=axis) * target).sum(axis)
    if reduction == "none":
        return loss
    samples = input.numel() // classes if classes else 0
    return _divide(loss.sum(), samples) if reduction == "mean" else loss.sum()


# ---- argument checks --------------------------------------------------------------------------


def check_reduction(reduction: str, caller: str, extra: str = "") -> None:
    """A ValueError unless reduction is 'mean', 'sum' or 'none' (extra names any others allowed)."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{caller}: reduction must be one of {extra}'mean', 'sum', 'none', got {reduction!r}"
        )


def _array(x: Any) -> np.ndarray:
    return x._array if isinstance(x, Tensor) else np.asarray(x)


def _loss_target(input: Tensor, target: Any, caller: str) -> Any:
    """The target of an elementwise loss, checked: its shape is input's."""
    if not isinstance(target, (Tensor, np.ndarray)):
        target = np.asarray(target)
    if target.shape != input.shape:
        raise ValueError(
            f"{caller}: input has shape {input.shape} but target has shape {target.shape}; they must "
            "be equal (losses do not broadcast), so reshape one of them"
        )
    return target


def _floating_pair_differs(input: Tensor, target: Any) -> bool:
    return input.dtype.kind == "f" and target.dtype.kind == "f" and input.dtype != target.dtype


def _as_dtype(x: Any, dtype: np.dtype) -> Any:
    """x in dtype: a Tensor through the graph (its gradient comes back in its own dtype), or an array."""
    return x.to(dtype) if isinstance(x, Tensor) else x.astype(dtype)


def _constant(weight: Any, input: Tensor, caller: str, name: str) -> np.ndarray:
    """weight as an array in input's floating dtype: PyTorch's losses are not differentiable in it."""
    if isinstance(weight, Tensor) and weight.requires_grad:
        raise RuntimeError(
            f"{caller}: {name} cannot require grad, as the loss is not differentiable in it; pass "
            f"{name}.detach()"
        )
    weight = _array(weight)
    return weight.astype(input.dtype, copy=False) if input.dtype.kind == "f" else weight


def _broadcast_constant(weight: Any, input: Tensor, caller: str, name: str) -> np.ndarray | None:
    """A constant weight (or None) that must broadcast to input's shape."""
    if weight is None:
        return None
    weight = _constant(weight, input, caller, name)
    try:
        fits = np.broadcast_shapes(weight.shape, input.shape) == input.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"{caller}: {name} of shape {weight.shape} does not broadcast to input's shape {input.shape}"
        )
    return weight


def _no_class_dim(caller: str) -> ValueError:
    return ValueError(f"{caller}: input must be (N, C, d1, ...) or (C,); a 0-d tensor has no class dim")


def _class_indices(input: Tensor, target: np.ndarray, ignore_index: int, caller: str) -> tuple:
    """The class-index target checked against input (its shape, dtype and range), and where it
    equals ignore_index (None where no target does)."""
    axis = 1 if input.ndim > 1 else 0
    expected = input.shape[:axis] + input.shape[axis + 1 :]
    if target.shape != expected:
        _wrong_target_shape(input, target, expected, caller)
    if target.dtype not in INDEX_DTYPES:
        floating = target.dtype.kind == "f"
        hint = "; class probabilities need a floating target of input's shape" if floating else ""
        raise RuntimeError(
            f"{caller}: target must hold class indices as int64 (or uint8), but its dtype is "
            f"{target.dtype}{hint}; convert with .long()"
        )
    classes = input.shape[axis]
    ignored = target == ignore_index if 0 <= ignore_index < classes else None
    # One comparison finds indices below 0 and at or above classes: seen as uint64, a negative
    # int64 is above any count of classes.
    outside = (target.view(np.uint64) if target.dtype.kind == "i" else target) >= classes
    if np.count_nonzero(outside):
        if ignored is None:
            ignored = target == ignore_index
        bad = target[outside & ~ignored]
        if bad.size:
            raise IndexError(
                f"{caller}: target holds class indices {np.unique(bad)[:5].tolist()} outside "
                f"[0, {classes - 1}] for {classes} classes"
            )
    return target, ignored if ignored is not None and np.count_nonzero(ignored) else None


def _wrong_target_shape(input: Tensor, target: np.ndarray, expected: tuple, caller: str) -> None:
    """A ValueError where the batch sizes differ (as PyTorch), else a RuntimeError, naming the shapes."""
    axis = 1 if input.ndim > 1 else 0
    message = (
        f"{caller}: input of shape {input.shape} ({input.shape[axis]} classes on dim {axis}) needs a "
        f"target of shape {expected}, but target has shape {target.shape}"
    )
    batch_differs = input.ndim > 1 and (target.ndim == 0 or target.shape[0] != input.shape[0])
    raise (ValueError if batch_differs else RuntimeError)(message)


def _class_weight(weight: Any, input: Tensor, caller: str) -> np.ndarray | None:
    """The per-class weight (C,), a constant, or None."""
    if weight is None:
        return None
    weight = _constant(weight, input, caller, "weight")
    classes = input.shape[1 if input.ndim > 1 else 0]
    if weight.shape != (classes,):
        raise _weight_shape_error(weight, classes, caller)
    return weight


def _weight_shape_error(weight: Any, classes: int, caller: str) -> RuntimeError:
    return RuntimeError(
        f"{caller}: weight must hold one value for each of the {classes} classes, shape ({classes},), "
        f"but has shape {tuple(weight.shape)}"
    )


def _check_label_smoothing(label_smoothing: float) -> None:
    if label_smoothing > 1:
        raise RuntimeError(f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing}")


def _class_axis_shape(input: Tensor) -> tuple:
    """The shape that lays a (C,) array along input's class dim: (C, 1, ..., 1) or (C,)."""
    return (-1,) + (1,) * (input.ndim - 2) if input.ndim > 1 else (-1,)


def _likelihood_options(input: Tensor, target: np.ndarray, weight: np.ndarray | None, ignored: Any) -> dict:
    """NegativeLogLikelihood's options for these targets: each one's class index with the class
    axis back (size 1), its weight (0 where ignored), where it is kept, and the total weight."""
    axis = 1 if input.ndim > 1 else 0
    dtype = input.dtype if input.dtype.kind == "f" else np.dtype(np.float64)
    kept = True if ignored is None else np.expand_dims(~ignored, axis)
    index = np.expand_dims(target if ignored is None else np.where(ignored, 0, target), axis).astype(np.int64)
    per_target = np.ones(index.shape, dtype) if weight is None else weight[index]
    per_target = per_target * kept if ignored is not None else per_target
    return {"index": index, "weight": per_target, "kept": kept, "total": per_target.sum()}


def _divide(total: Tensor, count: Any) -> Tensor:
    """total / count, or NaN for a count of 0 (0/0, as PyTorch) without NumPy's warning; total,
    made of terms that are all 0 then, passes no gradient on."""
    return total / count if count else total * 0 + np.nan
