"""Neural-network building blocks with PyTorch's names: `import autograd_mini.nn as nn`.

Modules (module.py) and containers (container.py); layers in files of their kind, named as PyTorch
names them (linear.py, conv.py, activation.py, dropout.py, pooling.py, batchnorm.py, sparse.py,
rnn.py, layernorm.py, attention.py, transformer.py, ...); losses (loss.py); their stateless forms
(`nn.functional`, which gathers the functional_*.py files) and weight initialisation (`nn.init`).
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
from autograd_mini.nn.batchnorm import BatchNorm1d, BatchNorm2d
from autograd_mini.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from autograd_mini.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, Fold, Unfold
from autograd_mini.nn.dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from autograd_mini.nn.instancenorm import InstanceNorm1d, InstanceNorm2d
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
from autograd_mini.nn.normalization import GroupNorm
from autograd_mini.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from autograd_mini.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from autograd_mini.nn.sparse import Embedding
from autograd_mini.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from autograd_mini.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = [
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "AvgPool1d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "CELU",
    "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "CrossEntropyLoss", "Dropout",
    "Dropout1d", "Dropout2d", "Dropout3d", "ELU", "Embedding", "Flatten", "Fold", "GELU", "GLU",
    "GRU", "GRUCell", "GroupNorm", "Hardsigmoid", "Hardswish", "Hardtanh", "HuberLoss", "Identity",
    "IncompatibleKeys", "InstanceNorm1d", "InstanceNorm2d", "KLDivLoss", "L1Loss", "LSTM",
    "LSTMCell", "LayerNorm", "LeakyReLU", "Linear", "LogSigmoid", "LogSoftmax", "MSELoss",
    "MaxPool1d", "MaxPool2d", "Mish", "Module", "ModuleDict", "ModuleList", "MultiheadAttention",
    "NLLLoss", "PReLU", "Parameter", "ParameterDict", "ParameterList", "RMSNorm", "RNN", "RNNBase",
    "RNNCell", "RNNCellBase", "ReLU", "ReLU6", "SELU", "Sequential", "SiLU", "Sigmoid",
    "SmoothL1Loss", "Softmax", "Softmin", "Softplus", "Softsign", "Tanh", "Transformer",
    "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
    "TransformerEncoderLayer", "Unflatten", "Unfold", "Upsample", "UpsamplingBilinear2d",
    "UpsamplingNearest2d", "functional", "init", "utils",
]
