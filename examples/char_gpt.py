"""Train a character-level GPT on the first two chapters of Alice in Wonderland, then sample from it.

    python examples/char_gpt.py                  # two minutes: validation loss near 2.0 nats/char
    python examples/char_gpt.py --steps 3000 --n-layer 4 --tie --out char_gpt.npz

The model is written the way minGPT and nanoGPT write one: token and position embeddings,
pre-norm blocks of causal self-attention (one qkv Linear split into heads,
F.scaled_dot_product_attention with is_causal=True, an output projection) and a GELU MLP, a
final LayerNorm and a linear head (its weight tied to the token embedding with --tie). Training
uses AdamW with weight decay on the matrices only, gradient clipping and a learning rate that
warms up linearly, then follows a cosine down to a tenth. At the end a checkpoint (model, optimizer
and step) is written with am.save, and text is sampled with temperature and top-k.

The matrices here are small, so threads gain nothing: on a busy machine a multithreaded BLAS
can run several times slower than one thread, and `OPENBLAS_NUM_THREADS=1` (or OMP_NUM_THREADS=1)
before the command brings the time back.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from collections.abc import Sequence

import numpy as np

import autograd_mini as am
from autograd_mini import nn, optim
from autograd_mini.nn import functional as F

TEXT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "alice_ch1_2.txt")


# ---------------------------------------------------------------- data

class CharData:
    """The text as int64 character ids, split 90/10 into training and validation ids."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        ids = np.array([self.stoi[c] for c in text], dtype=np.int64)
        cut = int(0.9 * len(ids))
        self.train, self.val = ids[:cut], ids[cut:]

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids)

    def unigram_entropy(self) -> float:
        """The entropy of the training text's character frequencies, in nats per character: the
        loss of the best model that ignores context."""
        p = np.bincount(self.train, minlength=self.vocab_size) / len(self.train)
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    def batch(self, split: str, batch_size: int, block_size: int, rng: np.random.Generator):
        """Random windows: inputs x (B, T) and targets y (B, T), y shifted one character on."""
        ids = self.train if split == "train" else self.val
        starts = rng.integers(0, len(ids) - block_size - 1, batch_size)
        x = np.stack([ids[s:s + block_size] for s in starts])
        y = np.stack([ids[s + 1:s + block_size + 1] for s in starts])
        return am.from_numpy(x), am.from_numpy(y)


# ---------------------------------------------------------------- model

class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)  # query, key and value for all heads at once
        self.c_proj = nn.Linear(n_embd, n_embd)

    def forward(self, x: am.Tensor) -> am.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        # (B, T, C) -> (B, n_head, T, head_size): each head attends on its own slice of channels
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # the heads side by side again
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, n_embd: int) -> None:
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x: am.Tensor) -> am.Tensor:
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    """Pre-norm: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(self, x: am.Tensor) -> am.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """ids (B, T) -> logits (B, T, vocab_size), and the mean cross-entropy when targets are given."""

    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 2, n_head: int = 4,
                 n_embd: int = 64, tie: bool = False) -> None:
        super().__init__()
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        if tie:
            self.lm_head.weight = self.wte.weight  # one (vocab_size, n_embd) matrix for both
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # GPT-2: scale the residual projections down
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: am.Tensor, targets: am.Tensor | None = None):
        B, T = idx.shape
        if T > self.block_size:
            raise ValueError(f"GPT: a sequence of {T} tokens is longer than the block size {self.block_size}")
        x = self.wte(idx) + self.wpe(am.arange(T))  # (B, T, n_embd)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss

    @am.no_grad()
    def generate(self, idx: am.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: am.Generator | None = None) -> am.Tensor:
        """Append max_new_tokens ids to idx (B, T), each drawn from the softmax of the last
        logits divided by temperature, among the top_k most likely when top_k is given."""
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.block_size:])
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                kth = logits.topk(min(top_k, logits.shape[-1]), dim=-1)[0][:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            next_id = am.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
            idx = am.cat([idx, next_id], dim=1)
        return idx


# ---------------------------------------------------------------- training

def configure_optimizer(model: nn.Module, lr: float, weight_decay: float) -> optim.AdamW:
    """AdamW with weight decay on the matrices (Linear and Embedding weights) and none on the
    biases and LayerNorm parameters, as nanoGPT does."""
    params = list(model.parameters())  # a tied weight comes once
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return optim.AdamW(groups, lr=lr, betas=(0.9, 0.99))


def warmup_cosine(warmup: int, total: int, floor: float = 0.1):
    """The learning-rate factor at each step: linear from 0 to 1 over warmup steps, then a cosine
    from 1 down to floor at step total."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
    return factor


@am.no_grad()
def estimate_loss(model: GPT, data: CharData, batch_size: int, block_size: int, batches: int = 8,
                  seed: int = 1234) -> dict[str, float]:
    """The mean loss over a few fixed random batches of each split, in eval mode."""
    model.eval()
    out = {}
    for split in ("train", "val"):
        rng = np.random.default_rng(seed)
        out[split] = float(np.mean([model(*data.batch(split, batch_size, block_size, rng))[1].item()
                                    for _ in range(batches)]))
    model.train()
    return out


class Progress:
    """A tqdm bar when tqdm is installed, otherwise a plain line every `every` steps."""

    def __init__(self, total: int, every: int) -> None:
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        self.bar = tqdm(total=total, unit="step", dynamic_ncols=True) if tqdm is not None else None
        self.every, self.total = every, total

    def update(self, step: int, loss: float, tokens_per_s: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}", tok_s=f"{tokens_per_s:,.0f}", refresh=False)
            self.bar.update(1)
        elif step % self.every == 0 or step == self.total - 1:
            print(f"step {step:5d}/{self.total}  loss {loss:.4f}  {tokens_per_s:,.0f} tokens/s", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def train(args: argparse.Namespace, data: CharData) -> tuple[GPT, optim.AdamW, list[float]]:
    """Train for args.steps steps; returns the model, the optimizer and the loss at each step."""
    model = GPT(data.vocab_size, args.block_size, args.n_layer, args.n_head, args.n_embd, args.tie)
    optimizer = configure_optimizer(model, args.lr, args.weight_decay)
    warmup = min(100, max(1, args.steps // 10))
    scheduler = optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(warmup, args.steps))
    rng = np.random.default_rng(args.seed)
    progress = Progress(args.steps, every=max(1, args.steps // 10))
    losses: list[float] = []
    for step in range(args.steps):
        start = time.perf_counter()
        x, y = data.batch("train", args.batch_size, args.block_size, rng)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        progress.update(step, losses[-1], x.numel() / (time.perf_counter() - start))
    progress.close()
    return model, optimizer, losses


def save_checkpoint(path: str, model: GPT, optimizer: optim.AdamW, step: int,
                    args: argparse.Namespace) -> None:
    """Write the weights, the optimizer's state, the step and the model's sizes to path."""
    config = {"vocab_size": model.wte.num_embeddings, "block_size": args.block_size, "n_layer": args.n_layer,
              "n_head": args.n_head, "n_embd": args.n_embd, "tie": args.tie}
    am.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
             "config": config}, path)


def load_checkpoint(path: str) -> tuple[GPT, dict]:
    """The model a checkpoint describes, with its weights loaded, and the checkpoint itself."""
    checkpoint = am.load(path)
    model = GPT(**checkpoint["config"])
    model.load_state_dict(checkpoint["model"])
    return model, checkpoint


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=700)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--block-size", type=int, default=64)
    parser.add_argument("--n-layer", type=int, default=2)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--n-embd", type=int, default=64)
    parser.add_argument("--lr", type=float, default=6e-3)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="only 'cpu' exists here")
    parser.add_argument("--tie", action="store_true", help="share the token embedding with the head")
    parser.add_argument("--out", metavar="PATH", help="checkpoint file (default: in a temporary directory)")
    parser.add_argument("--sample-length", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--text", default=TEXT_PATH, help="the training text (UTF-8)")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if am.device(args.device).type != "cpu":
        raise SystemExit(f"--device {args.device}: autograd_mini runs on the CPU only")
    am.manual_seed(args.seed)
    with open(args.text, encoding="utf-8") as f:
        data = CharData(f.read())
    print(f"{len(data.train):,} training and {len(data.val):,} validation characters, "
          f"{data.vocab_size} distinct")
    model, optimizer, losses = train(args, data)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters, {args.steps} steps")
    print(f"first loss {losses[0]:.4f}, last loss {losses[-1]:.4f}")
    final = estimate_loss(model, data, args.batch_size, args.block_size)
    print(f"unigram entropy {data.unigram_entropy():.4f} nats/char; train loss {final['train']:.4f}, "
          f"validation loss {final['val']:.4f} nats/char")

    out = args.out or os.path.join(tempfile.mkdtemp(prefix="char_gpt_"), "char_gpt.npz")
    save_checkpoint(out, model, optimizer, args.steps, args)
    print(f"saved the checkpoint to {out}")

    model.eval()
    prompt = am.tensor([[data.stoi["\n"]]])
    sample = model.generate(prompt, args.sample_length, args.temperature, args.top_k,
                            generator=am.Generator().manual_seed(args.seed))
    print("sample:")
    print(data.decode(sample[0, 1:].tolist()))


if __name__ == "__main__":
    main()
