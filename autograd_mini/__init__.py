"""autograd_mini: reverse-mode automatic differentiation on NumPy, with a PyTorch-style API."""

import numpy as np

from autograd_mini.anomaly import AnomalyError, detect_anomaly, set_detect_anomaly
from autograd_mini.creation import (
    arange,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from autograd_mini.device import device
from autograd_mini.engine import grad
from autograd_mini.function import Function
from autograd_mini.functions import cat, concatenate, matmul, maximum, minimum, stack, where
from autograd_mini.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from autograd_mini.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from autograd_mini.serialization import CheckpointError, load, save
from autograd_mini.tensor import Tensor, get_default_dtype, set_default_dtype

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

# Dtype names as PyTorch spells them (they are NumPy's dtypes), for tensor(..., dtype=am.float64).
float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, uint8, bool = np.int32, np.int64, np.uint8, np.bool_  # noqa: A001
float, double, long = np.float32, np.float64, np.int64  # noqa: A001

# The layers, losses and optimizers load last: they are built on everything above.
from autograd_mini import accelerator, autograd, cuda, nn, optim, random, return_types, testing, utils, viz  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "AnomalyError", "CheckpointError", "Function", "Generator", "ModuleType", "Tensor", "abs",
    "accelerator", "arange", "autograd", "bernoulli", "bool", "broadcast_to", "cat", "clamp", "clip",
    "concatenate", "cos", "cuda", "default_generator", "detect_anomaly", "device", "double", "empty",
    "empty_like", "enable_grad", "exp", "eye", "flatten", "float", "float16", "float32", "float64",
    "from_numpy", "full", "full_like", "get_default_dtype", "get_rng_state", "grad", "inference_mode",
    "initial_seed", "int32", "int64", "is_grad_enabled", "leaky_relu", "linspace", "load", "log",
    "log_softmax", "logsumexp", "long", "manual_seed", "matmul", "max", "maximum", "mean", "min",
    "minimum", "multinomial", "nn", "no_grad", "normal", "ones", "ones_like", "optim", "permute",
    "rand", "rand_like", "randint", "randint_like", "randn", "randn_like", "random", "randperm", "relu",
    "reshape", "return_types", "save", "seed", "set_default_dtype", "set_detect_anomaly",
    "set_grad_enabled", "set_rng_state", "sigmoid", "sin", "softmax", "sqrt", "squeeze", "stack", "std",
    "sum", "tanh", "tensor", "testing", "transpose", "uint8", "unsqueeze", "utils", "var", "viz", "where",
    "zeros", "zeros_like"
]
