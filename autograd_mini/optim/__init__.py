"""Optimizers (SGD, Adam, AdamW, RMSprop) and learning-rate schedulers, with PyTorch's semantics."""

from autograd_mini.optim import lr_scheduler
from autograd_mini.optim.adam import Adam, AdamW
from autograd_mini.optim.optimizer import Optimizer
from autograd_mini.optim.rmsprop import RMSprop
from autograd_mini.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
