"""A character-level language model: an LSTM reads a short text one character at a time and
learns to predict the next one.

Written as PyTorch users write one: the text cut into (sequence, batch) columns, truncated
backpropagation through time with the hidden state carried between batches and detached,
gradient clipping, and the perplexity reported. The characters go in as one-hot vectors
(F.one_hot(...).float()).
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import math

import numpy as np

TEXT = (
    "the quick brown fox jumps over the lazy dog. the dog sleeps and the fox runs. "
    "a fox is quick and a dog is lazy. the quick fox and the lazy dog are friends. "
)


def batchify(ids, batch_size):
    """Cut the id sequence into batch_size columns: (length, batch_size)."""
    length = len(ids) // batch_size
    return ids[: length * batch_size].reshape(batch_size, length).T.copy()


def main(torch) -> dict:
    nn, F = torch.nn, torch.nn.functional

    class CharLSTM(nn.Module):
        def __init__(self, vocab_size, hidden_size, num_layers):
            super().__init__()
            self.vocab_size = vocab_size
            self.lstm = nn.LSTM(vocab_size, hidden_size, num_layers, dropout=0.0)
            self.decoder = nn.Linear(hidden_size, vocab_size)

        def forward(self, ids, hidden=None):
            inputs = F.one_hot(ids, self.vocab_size).float()  # (L, N) -> (L, N, vocab)
            output, hidden = self.lstm(inputs, hidden)
            return self.decoder(output), hidden

    vocab = sorted(set(TEXT))
    ids = np.array([vocab.index(ch) for ch in TEXT], dtype=np.int64)
    data = torch.from_numpy(batchify(ids, batch_size=4))  # (L, 4)
    bptt = 12

    model = CharLSTM(len(vocab), hidden_size=32, num_layers=2)
    rng = np.random.default_rng(0)
    for p in model.parameters():  # the same starting weights in either library
        p.data.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, tuple(p.shape)).astype(np.float32)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    criterion = nn.CrossEntropyLoss()

    epoch_losses = []
    for epoch in range(12):
        model.train()
        hidden = None
        total, count = 0.0, 0
        for start in range(0, data.size(0) - 1, bptt):
            length = min(bptt, data.size(0) - 1 - start)
            inputs, targets = data[start : start + length], data[start + 1 : start + 1 + length]
            if hidden is not None:
                hidden = tuple(h.detach() for h in hidden)  # truncated backpropagation through time
            optimizer.zero_grad()
            logits, hidden = model(inputs, hidden)
            loss = criterion(logits.reshape(-1, len(vocab)), targets.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item() * length
            count += length
        epoch_losses.append(total / count)
        if epoch % 4 == 3:
            loss_now = epoch_losses[-1]
            print(f"epoch {epoch + 1}: loss {loss_now:.3f}, perplexity {math.exp(loss_now):.2f}")

    model.eval()
    with torch.no_grad():
        logits, (h_n, c_n) = model(data[:-1])
        eval_loss = criterion(logits.reshape(-1, len(vocab)), data[1:].reshape(-1)).item()
        accuracy = (logits.argmax(-1) == data[1:]).float().mean().item()
    return {
        "epoch_losses": epoch_losses,
        "uniform_loss": math.log(len(vocab)),
        "eval_loss": eval_loss,
        "accuracy": accuracy,
        "state_dict_keys": list(model.state_dict()),
        "hidden_shapes": [list(h_n.shape), list(c_n.shape)],
        "logits_shape": list(logits.shape),
    }


if __name__ == "__main__":
    print(main(torch))
