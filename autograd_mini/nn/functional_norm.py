"""Batch, instance and group normalisation, and embedding lookup, as functions with PyTorch's
names and arguments: `F.batch_norm`, `F.instance_norm`, `F.group_norm`, `F.embedding`.

Each checks its arguments here, once, in PyTorch's words where PyTorch has them, then runs one
op of `autograd_mini.ops.normalization` or `autograd_mini.ops.sparse`. `nn.functional` exports
them all.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.inplace import mark_changed
from autograd_mini.ops.normalization import Normalize
from autograd_mini.ops.sparse import Embedding
from autograd_mini.tensor import Tensor

# ---- normalisation ----------------------------------------------------------------------------


def _size(shape: tuple[int, ...]) -> str:
    return f"torch.Size({list(shape)})"


def _array(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else t._array


def _check_channels(op: str, input: Tensor, **vectors: Tensor | None) -> None:
    """input has at least (N, C), and each vector given holds C elements."""
    if input.ndim < 2:
        raise ValueError(f"{op}: expected input of shape (N, C, *), got shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, vector in vectors.items():
        if vector is not None and vector.numel() != channels:
            raise RuntimeError(
                f"{op}: {name} should contain {channels} elements not {vector.numel()} "
                f"(input shape {tuple(input.shape)})"
            )


def _check_dtypes(op: str, input: Tensor, **tensors: Tensor | None) -> None:
    """input is floating, and the tensors given share its dtype (float16 input may have float32
    parameters), as PyTorch's CPU kernels require."""
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got dtype {input.dtype}")
    for name, t in tensors.items():
        half_with_float = input.dtype == np.float16 and t is not None and t.dtype == np.float32
        if t is not None and t.dtype != input.dtype and not half_with_float:
            raise RuntimeError(
                f"mixed dtype (CPU): all inputs must share same datatype. ({op}: input is {input.dtype}, "
                f"{name} is {t.dtype})"
            )


def _verify_batch_size(sizes: list[int], shown: str) -> None:
    """More than one value to take each channel's statistics over: sizes[0] times the sizes
    after the channels. shown is the size as PyTorch's message prints it."""
    if sizes[0] * int(np.prod(sizes[2:], dtype=np.int64)) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {shown}")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of input (N, C, *) by its mean and variance over the batch and
    the other dims, then scale by weight (C,) and shift by bias (C,).

    In training the batch's statistics are used, and running_mean and running_var (C,), if
    given, are updated in place: running = (1 - momentum)·running + momentum·batch statistic,
    the variance unbiased (divided by count - 1). Otherwise the running statistics are used.
    """
    stats = {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}
    _check_dtypes("batch_norm", input, **stats)
    _check_channels("batch_norm", input, **stats)
    if training:
        _verify_batch_size(list(input.shape), _size(input.shape))
    else:
        for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
            if stat is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    return Normalize.apply(
        input, weight, bias, eps=eps, training=training, running_mean=_array(running_mean),
        running_var=_array(running_var), momentum=momentum,
    )


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample of input (N, C, *) by its own mean and variance
    over the other dims, then scale by weight (C,) and shift by bias (C,).

    With use_input_stats (the default) the sample's statistics are used, and running_mean and
    running_var (C,), if given, are updated with their average over the batch; otherwise the
    running statistics are used.
    """
    stats = {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}
    _check_dtypes("instance_norm", input, **stats)
    _check_channels("instance_norm", input, **stats)
    if use_input_stats:
        shape = input.shape
        if int(np.prod(shape[2:], dtype=np.int64)) == 1:
            raise ValueError(
                f"Expected more than 1 spatial element when training, got input size {_size(shape)}"
            )
    elif running_mean is None or running_var is None:
        raise RuntimeError("instance_norm: use_input_stats=False needs running_mean and running_var")
    return Normalize.apply(
        input, weight, bias, groups=input.shape[1], eps=eps, training=use_input_stats,
        running_mean=_array(running_mean), running_var=_array(running_var), momentum=momentum,
    )


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the C channels of input (N, C, *) into num_groups groups and normalise each group
    of each sample by its mean and variance, then scale by weight (C,) and shift by bias (C,)."""
    _check_dtypes("group_norm", input, weight=weight, bias=bias)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    channels = input.shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    for name, vector in (("weight", weight), ("bias", bias)):
        if vector is not None and (vector.ndim != 1 or vector.numel() != channels):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, but got "
                f"{name} of shape {list(vector.shape)} and input of shape {list(input.shape)}"
            )
    # PyTorch's check, on input seen as (N·C/num_groups, num_groups, *)
    grouped = [input.shape[0] * channels // num_groups, num_groups, *input.shape[2:]]
    _verify_batch_size(grouped, str(grouped))
    return Normalize.apply(input, weight, bias, groups=num_groups, eps=eps)


# ---- embedding ----------------------------------------------------------------------------------

INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))
_TORCH_TYPE_NAMES = {
    "float64": "DoubleTensor", "float32": "FloatTensor", "float16": "HalfTensor", "int16": "ShortTensor",
    "int8": "CharTensor", "uint8": "ByteTensor", "bool": "CPUBoolType",
}


def padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """padding_idx as a row number in [0, num_embeddings) (a negative one counts from the end)."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx % num_embeddings


def check_indices(indices: np.ndarray, num_embeddings: int) -> None:
    """Indices must be int64 or int32, each in [0, num_embeddings)."""
    if indices.dtype not in INDEX_DTYPES:
        found = _TORCH_TYPE_NAMES.get(indices.dtype.name, indices.dtype.name)
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {found} instead (while checking arguments for embedding)"
        )
    if indices.size:
        low, high = int(indices.min()), int(indices.max())
        if low < 0 or high >= num_embeddings:
            bad = low if low < 0 else high
            raise IndexError(
                f"embedding: index {bad} is out of range for num_embeddings={num_embeddings} "
                f"(index out of range in self)"
            )


def renorm_rows(weight: Tensor, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale each row of weight that indices look up to a norm_type-norm of at most max_norm, in
    place and outside the graph, as PyTorch's embedding_renorm_: such a row is multiplied by
    max_norm / (norm + 1e-7)."""
    rows = np.unique(indices)
    table = weight._array
    norms = np.linalg.norm(table[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        table[rows[over]] *= (max_norm / (norms[over] + 1e-7)).astype(table.dtype)[:, None]
        mark_changed(table)  # a node that saved the table before this change can no longer use it


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of weight (num_embeddings, D) at the integer indices input (any shape), giving
    `(*input.shape, D)`.

    The row padding_idx gets no gradient. max_norm renormalises, in place, each looked-up row
    whose norm_type-norm exceeds it; scale_grad_by_freq divides each row's gradient by how
    often its index occurs in input. Only dense gradients (sparse=False) are supported.
    """
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported; use sparse=False")
    if weight.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D, got shape {tuple(weight.shape)}")
    indices = input._array if isinstance(input, Tensor) else np.asarray(input)
    num_embeddings = weight.shape[0]
    padding_idx = padding_index(padding_idx, num_embeddings)
    check_indices(indices, num_embeddings)
    if max_norm is not None:
        renorm_rows(weight, indices, max_norm, norm_type)
    row_scale = None
    if scale_grad_by_freq or padding_idx is not None:
        flat = indices.reshape(-1)
        row_scale = np.ones((flat.size, 1), dtype=weight.dtype)
        if scale_grad_by_freq:
            row_scale /= np.bincount(flat, minlength=num_embeddings)[flat, None]
        if padding_idx is not None:
            row_scale[flat == padding_idx] = 0
    return Embedding.apply(weight, indices=indices.astype(np.intp, copy=False), row_scale=row_scale)
