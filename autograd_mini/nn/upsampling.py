"""Upsampling layers: `F.interpolate` with settings, with PyTorch's attribute names and reprs."""

from __future__ import annotations

from collections.abc import Sequence

from autograd_mini.nn import functional_pool as F
from autograd_mini.nn.module import Module
from autograd_mini.tensor import Tensor


class Upsample(Module):
    """Resize the spatial dims of (N, C, L) or (N, C, H, W) input to `size` or by `scale_factor`,
    with mode 'nearest', 'nearest-exact', 'linear', 'bilinear' or 'area'; see `F.interpolate`."""

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, Sequence):
            self.scale_factor = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        shape = (
            f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        )
        return f"{shape}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample with mode='nearest', for (N, C, H, W) input."""

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample with mode='bilinear' and align_corners=True, for (N, C, H, W) input."""

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
