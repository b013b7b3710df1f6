"""Neural-network building blocks with PyTorch's names: `import autograd_mini.nn as nn`.

Modules (module.py) and containers (container.py), layers (linear.py, activation.py, dropout.py), losses
(loss.py), their stateless forms (`nn.functional`) and weight initialisation (`nn.init`).
"""

from autograd_mini.nn import functional, init, utils
from autograd_mini.nn.activation import Flatten, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from autograd_mini.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from autograd_mini.nn.dropout import Dropout
from autograd_mini.nn.linear import Linear
from autograd_mini.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from autograd_mini.nn.module import IncompatibleKeys, Module, Parameter

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
    "IncompatibleKeys", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleDict",
    "ModuleList", "Parameter", "ParameterDict", "ParameterList", "ReLU", "Sequential", "Sigmoid",
    "Softmax", "Tanh", "functional", "init", "utils",
]
