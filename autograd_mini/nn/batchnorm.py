"""Batch normalisation layers, which normalise each channel by the statistics of the batch
while training and by running averages of them in evaluation: BatchNorm1d, BatchNorm2d.

`_NormBase` holds what batch and instance norm share: the optional affine weight and bias, and
the running statistics kept as buffers (`running_mean`, `running_var`, `num_batches_tracked`),
with PyTorch's names, shapes and dtypes, so state dicts load into either library.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini.device import check_device
from autograd_mini.grad_mode import no_grad
from autograd_mini.nn import functional_norm as F
from autograd_mini.nn import init
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.tensor import Tensor, get_default_dtype


class _NormBase(Module):
    """num_features channels; weight (ones) and bias (zeros) if affine (bias=False keeps only
    the weight); with track_running_stats the buffers running_mean (zeros), running_var (ones)
    and num_batches_tracked (int64, 0-d)."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(np.empty(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(np.empty(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """running_mean to zeros, running_var to ones, num_batches_tracked to 0."""
        if self.track_running_stats:
            self.running_mean._array[...] = 0
            self.running_var._array[...] = 1
            self.num_batches_tracked._array[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, and weight to ones and bias to zeros."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    """Batch norm over input (N, C, *): see `F.batch_norm`.

    In training mode it normalises with the batch's statistics and, with track_running_stats,
    updates the running ones: by momentum, or, with momentum=None, as the plain average of
    all batches so far (momentum 1/num_batches_tracked). In eval mode it uses the running
    statistics, or the batch's if it keeps none.
    """

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():  # an op, so that a trace (autograd_mini.compile) counts the batches too
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # the cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked)
        batch_stats = self.training or self.running_mean is None and self.running_var is None
        # Running statistics are passed where they are used (eval) or updated (tracked training).
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            batch_stats,
            momentum,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs, per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")
