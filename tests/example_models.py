"""The models of the examples, small, with an input for each: what the exchange formats are tested on.

    mlp    examples/spirals.py     (N, 2) -> (N, 3)
    cnn    examples/digits_cnn.py  (N, 1, 8, 8) -> (N, 10)
    lenet  examples/digits_cnn.py  (N, 1, 28, 28) -> (N, 10)
    lstm   examples/lstm_text.py   ids (L, N) -> logits (L, N, vocab), (h, c)
    gpt    examples/char_gpt.py    ids (B, T) -> logits (B, T, vocab), loss None
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import numpy as np

import autograd_mini as am
from autograd_mini import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import char_gpt  # noqa: E402
import digits_cnn  # noqa: E402
import lstm_text  # noqa: E402
import spirals  # noqa: E402

VOCAB, BLOCK = 11, 8


def ids(shape: tuple[int, ...], seed: int = 0) -> am.Tensor:
    return am.from_numpy(np.random.default_rng(seed).integers(0, VOCAB, shape))


def pixels(shape: tuple[int, ...], seed: int = 0) -> am.Tensor:
    return am.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


# name -> (a new model, an input of batch size n)
MODELS: dict[str, tuple[Callable[[], nn.Module], Callable[[int], am.Tensor]]] = {
    "mlp": (lambda: spirals.build_model(hidden=16), lambda n: pixels((n, 2))),
    "cnn": (digits_cnn.digits_cnn, lambda n: pixels((n, 1, 8, 8))),
    "lenet": (digits_cnn.lenet, lambda n: pixels((n, 1, 28, 28))),
    "lstm": (lambda: lstm_text.CharLSTM(VOCAB, embedding_dim=6, hidden_size=10, num_layers=2),
             lambda n: ids((5, n))),
    "gpt": (lambda: char_gpt.GPT(VOCAB, BLOCK, n_layer=2, n_head=2, n_embd=8), lambda n: ids((n, BLOCK))),
}


def build(name: str, seed: int = 0) -> nn.Module:
    am.manual_seed(seed)
    return MODELS[name][0]().eval()


def example_input(name: str, batch: int = 2) -> am.Tensor:
    return MODELS[name][1](batch)


def logits(output) -> am.Tensor:
    """The first tensor of what a model returned (the LSTM's and the GPT's return more)."""
    return output[0] if isinstance(output, tuple) else output
