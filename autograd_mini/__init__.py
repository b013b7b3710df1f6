"""autograd_mini: reverse-mode automatic differentiation on NumPy, with a PyTorch-style API."""

from autograd_mini.anomaly import AnomalyError, detect_anomaly
from autograd_mini.creation import (
    arange,
    from_numpy,
    full,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from autograd_mini.engine import grad
from autograd_mini.function import Function
from autograd_mini.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from autograd_mini.random import manual_seed
from autograd_mini.serialization import CheckpointError, load, save
from autograd_mini.tensor import (
    Tensor,
    cat,
    concatenate,
    get_default_dtype,
    matmul,
    maximum,
    minimum,
    set_default_dtype,
    stack,
    where,
)

# Functions of one tensor, as in torch.exp(x): the Tensor methods themselves.
exp, log, sqrt, abs, sin, cos, tanh = (
    Tensor.exp, Tensor.log, Tensor.sqrt, Tensor.abs, Tensor.sin, Tensor.cos, Tensor.tanh
)
sigmoid, relu, leaky_relu, clamp, clip = (
    Tensor.sigmoid, Tensor.relu, Tensor.leaky_relu, Tensor.clamp, Tensor.clip
)
sum, mean, max, min, var, std = Tensor.sum, Tensor.mean, Tensor.max, Tensor.min, Tensor.var, Tensor.std
logsumexp, softmax, log_softmax = Tensor.logsumexp, Tensor.softmax, Tensor.log_softmax
reshape, flatten, permute, transpose = Tensor.reshape, Tensor.flatten, Tensor.permute, Tensor.transpose
squeeze, unsqueeze, broadcast_to = Tensor.squeeze, Tensor.unsqueeze, Tensor.broadcast_to

# The layers, losses and optimizers load last: they are built on everything above.
from autograd_mini import nn, optim, testing, viz  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "AnomalyError", "CheckpointError", "Function", "Tensor", "abs", "arange", "broadcast_to", "cat", "clamp",
    "clip", "concatenate", "cos", "detect_anomaly", "enable_grad", "exp", "flatten", "from_numpy", "full",
    "get_default_dtype", "grad", "is_grad_enabled", "leaky_relu", "load", "log", "log_softmax",
    "logsumexp", "manual_seed", "matmul", "max", "maximum", "mean", "min", "minimum", "nn",
    "no_grad", "ones", "ones_like", "optim", "testing", "permute", "rand", "randn", "relu", "reshape", "save",
    "set_default_dtype", "set_grad_enabled", "sigmoid", "sin", "softmax", "sqrt", "squeeze",
    "stack", "std", "sum", "tanh", "tensor", "transpose", "unsqueeze", "var", "viz", "where", "zeros",
    "zeros_like",
]
