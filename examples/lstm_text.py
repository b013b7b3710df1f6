"""Train a character-level LSTM language model on the same Alice text as char_gpt.py, then sample.

    python examples/lstm_text.py                 # seconds: validation loss near 1.9 nats/char
    python examples/lstm_text.py --epochs 3 --hidden-size 64

Embedding -> nn.LSTM -> Linear. The training text is cut into batch-size columns, read bptt
characters at a time; the hidden state is carried from one chunk to the next but detached, so
gradients flow back through at most bptt steps (truncated backpropagation through time). The
gradient norm is clipped, and each epoch prints the training and validation loss in nats per
character.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

import numpy as np
from char_gpt import TEXT_PATH, CharData  # the text and its batches, shared with char_gpt.py

import autograd_mini as am
from autograd_mini import nn, optim
from autograd_mini.nn import functional as F

State = tuple[am.Tensor, am.Tensor]


class CharLSTM(nn.Module):
    """ids (L, N) and an optional state (h, c), each (num_layers, N, hidden_size) ->
    logits (L, N, vocab_size) and the new state."""

    def __init__(self, vocab_size: int, embedding_dim: int = 32, hidden_size: int = 128,
                 num_layers: int = 1) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: am.Tensor, state: State | None = None) -> tuple[am.Tensor, State]:
        output, state = self.lstm(self.embedding(ids), state)
        return self.decoder(output), state

    @am.no_grad()
    def sample(self, first: int, length: int, temperature: float = 1.0,
               generator: am.Generator | None = None) -> list[int]:
        """length ids drawn one at a time after the id first, feeding each back in."""
        ids, state = [first], None
        for _ in range(length):
            logits, state = self(am.tensor([[ids[-1]]]), state)
            probs = F.softmax(logits[0, 0] / temperature, dim=-1)
            ids.append(am.multinomial(probs, 1, generator=generator).item())
        return ids[1:]


def batchify(ids: np.ndarray, batch_size: int) -> am.Tensor:
    """The ids cut into batch_size columns, read down: (len(ids) // batch_size, batch_size)."""
    length = len(ids) // batch_size
    return am.from_numpy(ids[:length * batch_size].reshape(batch_size, length).T.copy())


def run_epoch(model: CharLSTM, columns: am.Tensor, bptt: int,
              optimizer: optim.Optimizer | None = None, clip: float = 1.0) -> float:
    """One pass down the columns (L, N), bptt rows at a time; trains when an optimizer is given.
    Returns the mean loss per character."""
    model.train(optimizer is not None)
    state, total, count = None, 0.0, 0
    for start in range(0, columns.shape[0] - 1, bptt):
        length = min(bptt, columns.shape[0] - 1 - start)
        inputs, targets = columns[start:start + length], columns[start + 1:start + 1 + length]
        if state is not None:
            state = tuple(s.detach() for s in state)  # keep the values, cut the graph behind them
        with am.set_grad_enabled(optimizer is not None):
            logits, state = model(inputs, state)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        if optimizer is not None:
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
        total += loss.item() * targets.numel()
        count += targets.numel()
    return total / count


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--bptt", type=int, default=32)
    parser.add_argument("--embedding-dim", type=int, default=32)
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--num-layers", type=int, default=1)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample-length", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--text", default=TEXT_PATH, help="the training text (UTF-8)")
    args = parser.parse_args(argv)

    am.manual_seed(args.seed)
    with open(args.text, encoding="utf-8") as f:
        data = CharData(f.read())
    train_columns = batchify(data.train, args.batch_size)
    val_columns = batchify(data.val, min(args.batch_size, len(data.val) // (args.bptt + 1)))
    model = CharLSTM(data.vocab_size, args.embedding_dim, args.hidden_size, args.num_layers)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    print(f"{data.vocab_size} distinct characters; unigram entropy {data.unigram_entropy():.4f} nats/char")
    for epoch in range(1, args.epochs + 1):
        train_loss = run_epoch(model, train_columns, args.bptt, optimizer, args.clip)
        val_loss = run_epoch(model, val_columns, args.bptt)
        print(f"epoch {epoch:3d}/{args.epochs}  train loss {train_loss:.4f}  validation loss {val_loss:.4f}"
              f"  (perplexity {math.exp(val_loss):.2f})", flush=True)

    model.eval()
    ids = model.sample(data.stoi["\n"], args.sample_length, args.temperature,
                       generator=am.Generator().manual_seed(args.seed))
    print("sample:")
    print(data.decode(ids))


if __name__ == "__main__":
    main()
