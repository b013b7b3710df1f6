"""Neural-network building blocks with PyTorch's names: `import autograd_mini.nn as nn`.

Modules (module.py) and containers (container.py), layers (linear.py, conv.py, activation.py,
dropout.py), losses (loss.py), their stateless forms (`nn.functional`; the losses' in
functional_loss.py, the convolutions' in functional_conv.py) and weight initialisation (`nn.init`).
"""

from autograd_mini.nn import functional, init, utils
from autograd_mini.nn.activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Flatten,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
    Unflatten,
)
from autograd_mini.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from autograd_mini.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, Fold, Unfold
from autograd_mini.nn.dropout import Dropout
from autograd_mini.nn.linear import Linear
from autograd_mini.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from autograd_mini.nn.module import IncompatibleKeys, Module, Parameter

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CELU", "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d",
    "CrossEntropyLoss", "Dropout", "ELU", "Flatten", "Fold", "GELU", "GLU", "Hardsigmoid", "Hardswish",
    "Hardtanh", "HuberLoss", "Identity", "IncompatibleKeys", "KLDivLoss", "L1Loss", "LeakyReLU", "Linear",
    "LogSigmoid", "LogSoftmax", "MSELoss", "Mish", "Module", "ModuleDict", "ModuleList", "NLLLoss", "PReLU",
    "Parameter", "ParameterDict", "ParameterList", "ReLU", "ReLU6", "SELU", "Sequential", "SiLU", "Sigmoid",
    "SmoothL1Loss", "Softmax", "Softmin", "Softplus", "Softsign", "Tanh", "Unflatten", "Unfold",
    "functional", "init", "utils",
]
