"""The sequence workloads, as autograd_mini and as PyTorch, from the same seeded weights.

- GPT: token and position embeddings, 2 pre-norm blocks (LayerNorm, causal self-attention with
  4 heads through F.scaled_dot_product_attention, LayerNorm, GELU MLP of width 256), a final
  LayerNorm and a linear head; width 64, context 64, batch 32, a vocabulary of 65 characters,
  one AdamW step of cross entropy per unit, float32.
- LSTM: embeddings of width 64, one LSTM layer of hidden size 128 over sequences of 35 in
  batches of 20, a linear head onto the same 65-character vocabulary, one SGD step of cross
  entropy per unit, float32.

These rows have no hand-written NumPy version: PyTorch is their reference (run.py's
`reference="PyTorch"`), and the same model code runs in both libraries.
"""

from __future__ import annotations

import numpy as np
from conv_workloads import built_once, repeated

import autograd_mini as am

VOCAB = 65
GPT_LAYERS, GPT_HEADS, GPT_WIDTH, GPT_CONTEXT, GPT_BATCH = 2, 4, 64, 64, 32
LSTM_EMBEDDING, LSTM_HIDDEN, LSTM_LENGTH, LSTM_BATCH = 64, 128, 35, 20


def token_batch(batch: int, length: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-token targets, both (batch, length) int64."""
    tokens = np.random.default_rng(seed).integers(0, VOCAB, (batch, length + 1))
    return tokens[:, :-1], tokens[:, 1:]


def seeded_weights(model, library, seed: int = 0) -> None:
    """Overwrite every parameter of `model` with N(0, 0.02) matrices and zero vectors drawn by
    NumPy in the order of named_parameters, so both libraries start from the same numbers;
    LayerNorm keeps its ones and zeros."""
    rng = np.random.default_rng(seed)
    with library.no_grad():
        for name, p in model.named_parameters():
            if "ln_" in name:
                continue
            shape = tuple(p.shape)
            values = 0.02 * rng.standard_normal(shape) if len(shape) == 2 else np.zeros(shape)
            p.copy_(library.from_numpy(values.astype(np.float32)))


def gpt_module(library):
    """The GPT of `library` (autograd_mini or torch): one class body for both."""
    nn, F = library.nn, library.nn.functional

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(GPT_WIDTH), nn.LayerNorm(GPT_WIDTH)
            self.c_attn = nn.Linear(GPT_WIDTH, 3 * GPT_WIDTH)  # q, k, v of all heads at once
            self.attn_proj = nn.Linear(GPT_WIDTH, GPT_WIDTH)
            self.c_fc = nn.Linear(GPT_WIDTH, 4 * GPT_WIDTH)
            self.mlp_proj = nn.Linear(4 * GPT_WIDTH, GPT_WIDTH)

        def forward(self, x):
            b, t, c = x.shape
            heads = (self.c_attn(self.ln_1(x)).view(b, t, 3, GPT_HEADS, c // GPT_HEADS)
                     .permute(2, 0, 3, 1, 4))  # (3, b, heads, t, c / heads)
            y = F.scaled_dot_product_attention(heads[0], heads[1], heads[2], is_causal=True)
            x = x + self.attn_proj(y.transpose(1, 2).reshape(b, t, c))
            return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte, self.wpe = nn.Embedding(VOCAB, GPT_WIDTH), nn.Embedding(GPT_CONTEXT, GPT_WIDTH)
            self.blocks = nn.ModuleList([Block() for _ in range(GPT_LAYERS)])
            self.ln_f = nn.LayerNorm(GPT_WIDTH)
            self.head = nn.Linear(GPT_WIDTH, VOCAB, bias=False)

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(library.arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

    return GPT()


def lstm_module(library):
    """Embedding, one LSTM layer (sequence first) and a linear head, in `library`."""
    nn = library.nn

    class LanguageModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, LSTM_EMBEDDING)
            self.lstm = nn.LSTM(LSTM_EMBEDDING, LSTM_HIDDEN)
            self.head = nn.Linear(LSTM_HIDDEN, VOCAB)

        def forward(self, idx):
            output, _ = self.lstm(self.embedding(idx))
            return self.head(output)

    return LanguageModel()


class Trainer:
    """One optimiser step of cross entropy on one fixed batch, in autograd_mini or torch."""

    def __init__(self, library, model, optimizer, inputs: np.ndarray, targets: np.ndarray) -> None:
        self.library, self.model, self.optimizer = library, model, optimizer
        self.inputs, self.targets = library.from_numpy(inputs), library.from_numpy(targets.reshape(-1))

    def step(self) -> float:
        logits = self.model(self.inputs)
        loss = self.library.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), self.targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()


def gpt_trainer(library) -> Trainer:
    model = gpt_module(library)
    seeded_weights(model, library)
    optimizer = library.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    return Trainer(library, model, optimizer, *token_batch(GPT_BATCH, GPT_CONTEXT))


def lstm_trainer(library) -> Trainer:
    model = lstm_module(library)
    seeded_weights(model, library)
    inputs, targets = token_batch(LSTM_BATCH, LSTM_LENGTH)  # (batch, sequence): LSTM wants (L, N)
    return Trainer(library, model, library.optim.SGD(model.parameters(), lr=0.5), inputs.T, targets.T)


def sequence_workloads(workload_type: type, quick: bool) -> list:
    """The two workloads as run.py's Workload rows, timed against PyTorch."""
    steps = 2 if quick else 10
    rows = []
    for name, make in (
        (f"GPT {GPT_LAYERS}×{GPT_HEADS} heads, d 64, ctx 64, b 32, AdamW", gpt_trainer),
        ("LSTM 64→128, seq 35, batch 20, SGD step", lstm_trainer),
    ):
        ours = make(am)
        rows.append(workload_type(
            name, "step", steps, 3 if quick else 5, numpy=None, ours=repeated(ours.step, steps),
            torch=built_once(make, steps), rtol=1e-3, reference="PyTorch",
        ))
    return rows
