"""Reproducible randomness: torch.Generator objects, seeded draws, and minibatches shuffled with randperm.

The numbers a seed gives differ from library to library, so the facts returned here are the ones
that hold in any library: equal seeds give equal draws, a permutation holds every index once, and a
shuffled minibatch fit reaches the same result when it is run again from the same seed.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np


def same(a, b):
    return a.shape == b.shape and a.tolist() == b.tolist()


def fit(torch, x, y, seed, epochs=20, batch_size=16):
    """Least squares by minibatch SGD; the batches are drawn with a generator seeded with seed."""
    g = torch.Generator().manual_seed(seed)
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.05)
    n = x.shape[0]
    seen = []
    for _ in range(epochs):
        permutation = torch.randperm(n, generator=g)
        seen.append(sorted(permutation.tolist()) == list(range(n)))
        for i in range(0, n, batch_size):
            idx = permutation[i:i + batch_size]
            xb, yb = x[idx], y[idx]
            loss = ((xb @ w + b - yb) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        full_loss = ((x @ w + b - y) ** 2).mean().item()
    return w.detach(), b.detach(), full_loss, all(seen)


def main(torch) -> dict:
    facts = {}

    g = torch.Generator().manual_seed(0)
    first = torch.randn(4, 3, generator=g)
    second = torch.randn(4, 3, generator=g)
    g.manual_seed(0)
    again = torch.randn(4, 3, generator=g)
    facts["reseeding_repeats_draws"] = same(first, again)
    facts["stream_moves_on"] = not same(first, second)

    g1, g2 = torch.Generator().manual_seed(42), torch.Generator().manual_seed(42)
    facts["equal_seeds_equal_draws"] = (
        same(torch.rand(5, generator=g1), torch.rand(5, generator=g2))
        and same(torch.randint(0, 10, (20,), generator=g1), torch.randint(0, 10, (20,), generator=g2))
        and same(torch.randperm(10, generator=g1), torch.randperm(10, generator=g2))
    )
    other = torch.Generator().manual_seed(43)
    facts["other_seed_other_draws"] = not same(torch.rand(5, generator=g1), torch.rand(5, generator=other))
    facts["initial_seed"] = g1.initial_seed()

    u = torch.rand(1000, generator=g)
    k = torch.randint(3, 7, (1000,), generator=g)
    z = torch.randn(10000, generator=g)
    facts["rand_in_unit_interval"] = 0.0 <= u.min().item() and u.max().item() < 1.0
    facts["randint_range"] = [k.min().item(), k.max().item()]
    facts["randint_dtype"] = str(k.dtype).removeprefix("torch.")
    facts["randn_moments_plausible"] = abs(z.mean().item()) < 0.05 and abs(z.std().item() - 1) < 0.05
    facts["randn_shape"] = list(torch.randn(2, 5, generator=g).shape)

    state = g.get_state()
    before = torch.randn(6, generator=g)
    g.set_state(state)
    facts["set_state_rewinds"] = same(before, torch.randn(6, generator=g))

    # The global generator: equal seeds give equal draws and equal initial weights.
    torch.manual_seed(7)
    draw_a = torch.randn(3)
    torch.manual_seed(7)
    facts["manual_seed_repeats_draws"] = same(draw_a, torch.randn(3))
    torch.manual_seed(7)
    layer_a = torch.nn.Linear(3, 2)
    torch.manual_seed(7)
    layer_b = torch.nn.Linear(3, 2)
    facts["manual_seed_repeats_init"] = same(layer_a.weight.detach(), layer_b.weight.detach())

    rng = np.random.default_rng(5)
    features = rng.standard_normal((96, 3)).astype(np.float32)
    target = (features @ np.array([2.0, -1.0, 0.5]) - 1.0).astype(np.float32)
    x, y = torch.from_numpy(features), torch.from_numpy(target)

    w1, b1, loss1, every_index_once = fit(torch, x, y, seed=123)
    w2, b2, loss2, _ = fit(torch, x, y, seed=123)
    w3, _, loss3, _ = fit(torch, x, y, seed=321)
    print(f"full-batch loss after shuffled SGD: {loss1:.2e} (seed 123), {loss3:.2e} (seed 321)")
    facts["every_index_once_per_epoch"] = every_index_once
    facts["same_seed_same_fit"] = same(w1, w2) and same(b1, b2) and loss1 == loss2
    facts["other_seed_other_path"] = not same(w1, w3)
    facts["fit_converged"] = max(loss1, loss3) < 1e-4
    facts["weights_recovered"] = np.allclose(w1.numpy(), [2.0, -1.0, 0.5], atol=1e-2)
    return facts


if __name__ == "__main__":
    print(main(torch))
