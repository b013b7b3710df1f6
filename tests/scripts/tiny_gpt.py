"""A character-level GPT in the shape of minGPT and nanoGPT, trained for a few steps with AdamW.

Token and position embeddings are nn.Parameter tables indexed with the token ids; each block is
pre-norm: LayerNorm, causal self-attention (one c_attn Linear split into q, k, v, heads made
with view and transpose, F.scaled_dot_product_attention with is_causal=True), LayerNorm and a
GELU MLP. The logits go to F.cross_entropy; after training, the model completes a prompt
greedily under torch.no_grad().
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import math

import numpy as np

nn = torch.nn
F = torch.nn.functional

TEXT = "the quick brown fox jumps over the lazy dog. " * 12


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        assert n_embd % n_head == 0
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)  # key, query, value for all heads, in a batch
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd = n_head, n_embd

    def forward(self, x):
        B, T, C = x.size()  # batch size, sequence length, embedding dimensionality (n_embd)
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble all head outputs side by side
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_embd=32, n_head=4, n_layer=2):
        super().__init__()
        self.block_size = block_size
        self.wte = nn.Parameter(torch.zeros(vocab_size, n_embd))
        self.wpe = nn.Parameter(torch.zeros(block_size, n_embd))
        self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.block_size, f"Cannot forward sequence of length {t}, block size {self.block_size}"
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.wte[idx] + self.wpe[pos]  # (b, t, n_embd)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens):
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.block_size :])
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat((idx, next_id), dim=1)
        return idx


def init_from_numpy(model, seed):
    """nanoGPT's initialisation, N(0, 0.02) weights and zero biases, drawn by NumPy so that both
    libraries start from the same numbers; LayerNorm keeps its ones and zeros."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "ln_" in name:
                continue
            values = 0.02 * rng.standard_normal(tuple(p.shape)) if p.dim() == 2 else np.zeros(tuple(p.shape))
            p.copy_(torch.from_numpy(values.astype(np.float32)))


def main(torch) -> dict:
    chars = sorted(set(TEXT))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in TEXT], dtype=np.int64)
    block_size, batch_size = 16, 12

    model = GPT(len(chars), block_size)
    init_from_numpy(model, seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    rng = np.random.default_rng(1)
    losses = []
    for step in range(40):
        offsets = rng.integers(0, len(data) - block_size - 1, batch_size)
        x = torch.from_numpy(np.stack([data[i : i + block_size] for i in offsets]))
        y = torch.from_numpy(np.stack([data[i + 1 : i + block_size + 1] for i in offsets]))
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        if step % 10 == 0:
            print(f"step {step:2d}  loss {loss.item():.4f}")

    model.eval()
    prompt = torch.tensor([[stoi[c] for c in "the quick "]], dtype=torch.long)
    completion = "".join(chars[i] for i in model.generate(prompt, 20)[0].tolist())
    print(repr(completion))
    return {
        "losses": losses,
        "uniform_loss": math.log(len(chars)),
        "completion": completion,
        "n_parameters": sum(p.numel() for p in model.parameters()),
        "logits_shape": list(model(prompt)[0].shape),
    }


if __name__ == "__main__":
    print(main(torch))
