"""Tools to prove gradients right: gradcheck, gradgradcheck and hypothesis strategies."""

from autograd_mini.testing.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]
