"""Neural-network building blocks with PyTorch's names: `import autograd_mini.nn as nn`.

Modules (module.py) and containers (container.py), layers (linear.py, activation.py, dropout.py,
layernorm.py, attention.py, transformer.py), losses (loss.py), their stateless forms
(`nn.functional`; the losses' in functional_loss.py) and weight initialisation (`nn.init`).
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
from autograd_mini.nn.attention import MultiheadAttention
from autograd_mini.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from autograd_mini.nn.dropout import Dropout
from autograd_mini.nn.layernorm import LayerNorm, RMSNorm
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
from autograd_mini.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CELU", "CrossEntropyLoss", "Dropout", "ELU", "Flatten", "GELU", "GLU",
    "Hardsigmoid", "Hardswish", "Hardtanh", "HuberLoss", "Identity", "IncompatibleKeys", "KLDivLoss",
    "L1Loss", "LayerNorm", "LeakyReLU", "Linear", "LogSigmoid", "LogSoftmax", "MSELoss", "Mish", "Module",
    "ModuleDict", "ModuleList", "MultiheadAttention", "NLLLoss", "PReLU", "Parameter", "ParameterDict",
    "ParameterList", "RMSNorm", "ReLU", "ReLU6", "SELU", "Sequential", "SiLU", "Sigmoid", "SmoothL1Loss",
    "Softmax", "Softmin", "Softplus", "Softsign", "Tanh", "Transformer", "TransformerDecoder",
    "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer", "Unflatten", "functional",
    "init", "utils",
]
