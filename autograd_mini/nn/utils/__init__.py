"""Helpers for training with modules, as `torch.nn.utils`: gradient clipping (clip_grad.py) and
flattening parameters to one vector and back (convert_parameters.py), and the handle that hook
registrations return (hooks.py)."""

from autograd_mini.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from autograd_mini.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
