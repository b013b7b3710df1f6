"""Instance normalisation layers, which normalise each channel of each sample by its own
statistics: InstanceNorm1d, InstanceNorm2d. As in PyTorch they have no weight and keep no
running statistics unless asked (affine=False, track_running_stats=False).
"""

from __future__ import annotations

import warnings
from typing import Any

from autograd_mini.nn import functional_norm as F
from autograd_mini.nn.batchnorm import _NormBase
from autograd_mini.tensor import Tensor


class _InstanceNorm(_NormBase):
    """Instance norm over input (N, C, *), or unbatched (C, *): see `F.instance_norm`.

    With track_running_stats the running statistics are updated in training (by momentum;
    momentum=None leaves them as they are, as in PyTorch) and used in eval mode.
    """

    spatial_dims: int  # the dims after the channel dim: 1 for InstanceNorm1d, 2 for 2d

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:
        dims = self.spatial_dims
        if input.ndim not in (dims + 1, dims + 2):
            raise ValueError(f"expected {dims + 1}D or {dims + 2}D input (got {input.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        feature_dim = input.ndim - self.spatial_dims - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features"
                    f" ({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                "warning by not passing in num_features, which is not used because affine=False",
                stacklevel=2,
            )
        unbatched = feature_dim == 0
        batch = input.unsqueeze(0) if unbatched else input
        output = F.instance_norm(
            batch,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        return output.squeeze(0) if unbatched else output


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) or unbatched (C, L) inputs."""

    spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) or unbatched (C, H, W) inputs."""

    spatial_dims = 2
