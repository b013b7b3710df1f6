"""autograd_mini: reverse-mode automatic differentiation on NumPy, with a PyTorch-style API."""

import numpy as np

from autograd_mini.anomaly import AnomalyError, detect_anomaly, set_detect_anomaly
from autograd_mini.creation import (
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
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
from autograd_mini.functions import (
    add,
    addmm,
    allclose,
    arctan2,
    atan2,
    cat,
    concatenate,
    div,
    divide,
    equal,
    floor_divide,
    isclose,
    logical_and,
    logical_or,
    logical_xor,
    matmul,
    maximum,
    minimum,
    mul,
    multiply,
    pow,
    remainder,
    stack,
    sub,
    subtract,
    true_divide,
    where,
)
from autograd_mini.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from autograd_mini.matrices import einsum
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
expm1, log2, log10, log1p = Tensor.expm1, Tensor.log2, Tensor.log10, Tensor.log1p
square, rsqrt, reciprocal = Tensor.square, Tensor.rsqrt, Tensor.reciprocal
neg, negative, tan, sinh, cosh = Tensor.neg, Tensor.neg, Tensor.tan, Tensor.sinh, Tensor.cosh
asin, acos, atan = Tensor.asin, Tensor.acos, Tensor.atan
arcsin, arccos, arctan, erf, erfc = Tensor.asin, Tensor.acos, Tensor.atan, Tensor.erf, Tensor.erfc
floor, ceil, round, trunc, fix = Tensor.floor, Tensor.ceil, Tensor.round, Tensor.trunc, Tensor.trunc
frac, sign, nan_to_num, lerp = Tensor.frac, Tensor.sign, Tensor.nan_to_num, Tensor.lerp
clamp_min, clamp_max = Tensor.clamp_min, Tensor.clamp_max
eq, ne, lt, le, gt, ge = Tensor.eq, Tensor.ne, Tensor.lt, Tensor.le, Tensor.gt, Tensor.ge
not_equal, less, less_equal, greater, greater_equal = Tensor.ne, Tensor.lt, Tensor.le, Tensor.gt, Tensor.ge
isnan, isinf, isfinite, logical_not = Tensor.isnan, Tensor.isinf, Tensor.isfinite, Tensor.logical_not
sum, mean, max, min, var, std = Tensor.sum, Tensor.mean, Tensor.max, Tensor.min, Tensor.var, Tensor.std
logsumexp, softmax, log_softmax = Tensor.logsumexp, Tensor.softmax, Tensor.log_softmax
reshape, flatten, permute, transpose = Tensor.reshape, Tensor.flatten, Tensor.permute, Tensor.transpose
squeeze, unsqueeze, broadcast_to = Tensor.squeeze, Tensor.unsqueeze, Tensor.broadcast_to
tile, repeat_interleave, flip, roll = Tensor.tile, Tensor.repeat_interleave, Tensor.flip, Tensor.roll
narrow, split, chunk, unbind = Tensor.narrow, Tensor.split, Tensor.chunk, Tensor.unbind
movedim, moveaxis, swapaxes, swapdims = Tensor.movedim, Tensor.moveaxis, Tensor.swapaxes, Tensor.swapdims
unflatten, t, mm, bmm = Tensor.unflatten, Tensor.t, Tensor.mm, Tensor.bmm
mv, dot, inner, outer = Tensor.mv, Tensor.dot, Tensor.inner, Tensor.outer
ger, tril, triu, diag = Tensor.ger, Tensor.tril, Tensor.triu, Tensor.diag
diagonal, trace, norm, gather = Tensor.diagonal, Tensor.trace, Tensor.norm, Tensor.gather
take_along_dim, take, index_select = Tensor.take_along_dim, Tensor.take, Tensor.index_select
masked_select, scatter, scatter_add = Tensor.masked_select, Tensor.scatter, Tensor.scatter_add
index_add, nonzero = Tensor.index_add, Tensor.nonzero
sort, argsort, topk, cumsum, cumprod, prod = (
    Tensor.sort, Tensor.argsort, Tensor.topk, Tensor.cumsum, Tensor.cumprod, Tensor.prod
)
any, all, count_nonzero, unique = Tensor.any, Tensor.all, Tensor.count_nonzero, Tensor.unique  # noqa: A001
bincount, histc, histogram = Tensor.bincount, Tensor.histc, Tensor.histogram
numel, fmod, clone, masked_fill = Tensor.numel, Tensor.fmod, Tensor.clone, Tensor.masked_fill
argmax, argmin = Tensor.argmax, Tensor.argmin

# Dtype names as PyTorch spells them (they are NumPy's dtypes), for tensor(..., dtype=am.float64).
float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, uint8, bool = np.int32, np.int64, np.uint8, np.bool_  # noqa: A001
float, double, long = np.float32, np.float64, np.int64  # noqa: A001

# The layers, losses and optimizers load last: they are built on everything above.
from autograd_mini import (  # noqa: E402
    accelerator,
    autograd,
    cuda,
    linalg,
    nn,
    onnx,
    optim,
    random,
    return_types,
    testing,
    utils,
    viz,
)
from autograd_mini.compile import compile  # noqa: E402, A004  (the function shadows its package, as torch.compile)

__version__ = "0.1.0"

__all__ = [
    "AnomalyError", "CheckpointError", "Function", "Generator", "ModuleType", "Tensor", "abs",
    "accelerator", "acos", "add", "addmm", "all", "allclose", "any", "arange", "arccos", "arcsin",
    "arctan", "arctan2", "argmax", "argmin", "argsort", "as_tensor", "asin", "atan", "atan2",
    "autograd", "bernoulli", "bincount", "bmm", "bool", "broadcast_to", "cat", "ceil", "chunk",
    "clamp", "clamp_max", "clamp_min", "clip", "clone", "compile", "concatenate", "cos", "cosh",
    "count_nonzero", "cuda", "cumprod", "cumsum", "default_generator", "detect_anomaly", "device",
    "diag", "diagonal", "div", "divide", "dot", "double", "einsum", "empty", "empty_like",
    "enable_grad", "eq", "equal", "erf", "erfc", "exp", "expm1", "eye", "fix", "flatten", "flip",
    "float", "float16", "float32", "float64", "floor", "floor_divide", "fmod", "frac", "from_dlpack",
    "from_numpy", "full", "full_like", "gather", "ge", "ger", "get_default_dtype", "get_rng_state",
    "grad", "greater", "greater_equal", "gt", "histc", "histogram", "index_add", "index_select",
    "inference_mode", "initial_seed", "inner", "int32", "int64", "is_grad_enabled", "isclose",
    "isfinite", "isinf", "isnan", "le", "leaky_relu", "lerp", "less", "less_equal", "linalg",
    "linspace", "load", "log", "log10", "log1p", "log2", "log_softmax", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logspace", "logsumexp", "long", "lt",
    "manual_seed", "masked_fill", "masked_select", "matmul", "max", "maximum", "mean", "min",
    "minimum", "mm", "moveaxis", "movedim", "mul", "multinomial", "multiply", "mv", "nan_to_num",
    "narrow", "ne", "neg", "negative", "nn", "no_grad", "nonzero", "norm", "normal", "not_equal",
    "numel", "onnx", "ones", "ones_like", "optim", "outer", "permute", "pow", "prod", "rand", "rand_like",
    "randint", "randint_like", "randn", "randn_like", "random", "randperm", "reciprocal", "relu",
    "remainder", "repeat_interleave", "reshape", "return_types", "roll", "round", "rsqrt", "save",
    "scatter", "scatter_add", "seed", "set_default_dtype", "set_detect_anomaly",
    "set_grad_enabled", "set_rng_state", "sigmoid", "sign", "sin", "sinh", "softmax", "sort",
    "split", "sqrt", "square", "squeeze", "stack", "std", "sub", "subtract", "sum", "swapaxes",
    "swapdims", "t", "take", "take_along_dim", "tan", "tanh", "tensor", "testing", "tile", "topk",
    "trace", "transpose", "tril", "triu", "true_divide", "trunc", "uint8", "unbind", "unflatten",
    "unique", "unsqueeze", "utils", "var", "viz", "where", "zeros", "zeros_like"
]
