"""Optimizers and learning-rate schedulers, with PyTorch's semantics."""

from autograd_mini.optim import lr_scheduler
from autograd_mini.optim.adadelta import Adadelta
from autograd_mini.optim.adagrad import Adagrad
from autograd_mini.optim.adam import Adam, AdamW
from autograd_mini.optim.adamax import Adamax
from autograd_mini.optim.lbfgs import LBFGS
from autograd_mini.optim.nadam import NAdam
from autograd_mini.optim.optimizer import Optimizer
from autograd_mini.optim.radam import RAdam
from autograd_mini.optim.rmsprop import RMSprop
from autograd_mini.optim.sgd import SGD

__all__ = [
    "LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam",
    "RMSprop", "lr_scheduler",
]
