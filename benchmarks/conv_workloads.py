"""The convolution workloads, each as hand-written NumPy (im2col and one matrix product per
layer, the straightforward way), as autograd_mini and as PyTorch, from the same seeded weights.

- LeNet-5 on (64, 1, 28, 28): conv 1→6 5×5, ReLU, max-pool 2, conv 6→16 5×5, ReLU, max-pool 2,
  256→120→84→10, one SGD step of cross entropy per unit, float32.
- A 3×3 convolution block on (32, 64, 32, 32): conv 64→64 with padding 1, batch norm (training
  mode), ReLU; forward and backward of the mean of the squared output per unit, float32.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import autograd_mini as am

LENET = [(6, 1, 5), (16, 6, 5)]  # (out channels, in channels, kernel side) of the two convs
LENET_LINEAR = [(256, 120), (120, 84), (84, 10)]


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    bound = 1 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def lenet_weights(seed: int = 0) -> list[np.ndarray]:
    """weight, bias of conv1, conv2, fc1, fc2, fc3, as PyTorch shapes them."""
    rng = np.random.default_rng(seed)
    arrays = []
    for out, inp, k in LENET:
        arrays += [_uniform(rng, (out, inp, k, k), inp * k * k), _uniform(rng, (out,), inp * k * k)]
    for fan_in, fan_out in LENET_LINEAR:
        arrays += [_uniform(rng, (fan_out, fan_in), fan_in), _uniform(rng, (fan_out,), fan_in)]
    return arrays


def lenet_data(batch: int = 64, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, batch)


# ---- hand-written NumPy ------------------------------------------------------------------------


def _columns(x: np.ndarray, k: int) -> np.ndarray:
    """(N, C, H, W) to the (N·OH·OW, C·k·k) matrix of its k×k windows."""
    windows = sliding_window_view(x, (k, k), axis=(2, 3))  # (N, C, OH, OW, k, k)
    n, c, oh, ow = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """A stride-1 convolution without padding, and the column matrix its backward needs."""
    n, _, h, width = x.shape
    out_channels, _, k, _ = w.shape
    oh, ow = h - k + 1, width - k + 1
    cols = _columns(x, k)
    out = cols @ w.reshape(out_channels, -1).T
    if b is not None:
        out += b
    return out.reshape(n, oh, ow, out_channels).transpose(0, 3, 1, 2), cols


def conv_backward(grad: np.ndarray, x_shape: tuple, w: np.ndarray, cols: np.ndarray, need_x: bool):
    """Gradients of the weight, the bias and (if needed) the input: the columns' gradient added
    back window offset by window offset."""
    out_channels, _, k, _ = w.shape
    g = grad.transpose(0, 2, 3, 1).reshape(-1, out_channels)
    grad_w, grad_b = (g.T @ cols).reshape(w.shape), g.sum(axis=0)
    if not need_x:
        return grad_w, grad_b, None
    n, c, h, width = x_shape
    oh, ow = h - k + 1, width - k + 1
    grad_cols = (g @ w.reshape(out_channels, -1)).reshape(n, oh, ow, c, k, k)
    grad_x = np.zeros(x_shape, grad.dtype)
    for i in range(k):
        for j in range(k):
            grad_x[:, :, i : i + oh, j : j + ow] += grad_cols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return grad_w, grad_b, grad_x


def pool_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2×2 max pooling with stride 2 (even sides), and where each maximum was."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    return out, blocks == out[:, :, :, None, :, None]


def pool_backward(grad: np.ndarray, is_max: np.ndarray) -> np.ndarray:
    n, c, h2, _, w2, _ = is_max.shape
    return (is_max * grad[:, :, :, None, :, None]).reshape(n, c, 2 * h2, 2 * w2)


class NumpyLeNet:
    def __init__(self, lr: float = 0.01) -> None:
        self.params = [a.copy() for a in lenet_weights()]
        self.x, self.labels = lenet_data()
        self.lr = np.float32(lr)

    def step(self) -> float:
        w1, b1, w2, b2, f1, c1, f2, c2, f3, c3 = self.params
        z1, cols1 = conv_forward(self.x, w1, b1)
        p1, max1 = pool_forward(np.maximum(z1, 0))
        z2, cols2 = conv_forward(p1, w2, b2)
        p2, max2 = pool_forward(np.maximum(z2, 0))
        h0 = p2.reshape(len(p2), -1)
        h1 = np.maximum(h0 @ f1.T + c1, 0)
        h2 = np.maximum(h1 @ f2.T + c2, 0)
        logits = h2 @ f3.T + c3
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(self.labels)
        loss = -log_probs[np.arange(n), self.labels].mean()
        g = np.exp(log_probs)
        g[np.arange(n), self.labels] -= 1
        g /= n
        grads = [g.T @ h2, g.sum(axis=0)]
        g = (g @ f3) * (h2 > 0)
        grads = [g.T @ h1, g.sum(axis=0), *grads]
        g = (g @ f2) * (h1 > 0)
        grads = [g.T @ h0, g.sum(axis=0), *grads]
        g = pool_backward((g @ f1).reshape(p2.shape), max2) * (z2 > 0)
        grad_w2, grad_b2, g = conv_backward(g, p1.shape, w2, cols2, need_x=True)
        g = pool_backward(g, max1) * (z1 > 0)
        grad_w1, grad_b1, _ = conv_backward(g, self.x.shape, w1, cols1, need_x=False)
        for p, grad in zip(self.params, [grad_w1, grad_b1, grad_w2, grad_b2, *grads]):
            p -= self.lr * grad
        return float(loss)


# ---- autograd_mini and PyTorch: the same net, as their users write it ---------------------------


def lenet_module(library) -> object:
    """The LeNet-5 Sequential of `library` (autograd_mini or torch) with the seeded weights."""
    nn_ = library.nn
    model = nn_.Sequential(
        nn_.Conv2d(1, 6, 5), nn_.ReLU(), nn_.MaxPool2d(2),
        nn_.Conv2d(6, 16, 5), nn_.ReLU(), nn_.MaxPool2d(2), nn_.Flatten(),
        nn_.Linear(256, 120), nn_.ReLU(), nn_.Linear(120, 84), nn_.ReLU(), nn_.Linear(84, 10),
    )
    with library.no_grad():
        for p, array in zip(model.parameters(), lenet_weights()):
            p.copy_(library.from_numpy(array))
    return model


class LibraryLeNet:
    """One SGD step of the LeNet module of autograd_mini or torch."""

    def __init__(self, library, lr: float = 0.01) -> None:
        self.library, self.model = library, lenet_module(library)
        x, labels = lenet_data()
        self.x, self.labels = library.from_numpy(x), library.from_numpy(labels)
        self.opt = library.optim.SGD(self.model.parameters(), lr=lr)

    def step(self) -> float:
        loss = self.library.nn.functional.cross_entropy(self.model(self.x), self.labels)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


# ---- the 3×3 convolution block -----------------------------------------------------------------

BLOCK_SHAPE, BLOCK_EPS = (32, 64, 32, 32), 1e-5


def block_arrays(seed: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The input, the conv weight (64, 64, 3, 3) and its bias."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(BLOCK_SHAPE).astype(np.float32)
    return x, _uniform(rng, (64, 64, 3, 3), 64 * 9), _uniform(rng, (64,), 64 * 9)


class NumpyBlock:
    def __init__(self) -> None:
        self.x, self.w, self.b = block_arrays()
        self.gamma, self.beta = np.ones(64, np.float32), np.zeros(64, np.float32)

    def step(self) -> float:
        padded = np.pad(self.x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        z, cols = conv_forward(padded, self.w, self.b)
        mean = z.mean(axis=(0, 2, 3), keepdims=True)
        centred = z - mean
        inv_std = 1 / np.sqrt((centred * centred).mean(axis=(0, 2, 3), keepdims=True) + BLOCK_EPS)
        normed = centred * inv_std
        y = normed * self.gamma[:, None, None] + self.beta[:, None, None]
        out = np.maximum(y, 0)
        loss = (out * out).mean()
        g = 2 * out / out.size  # through the ReLU: out is 0 where y <= 0
        grad_gamma, grad_beta = (g * normed).sum(axis=(0, 2, 3)), g.sum(axis=(0, 2, 3))
        g_normed = g * self.gamma[:, None, None]
        g = inv_std * (g_normed - g_normed.mean(axis=(0, 2, 3), keepdims=True)
                       - normed * (g_normed * normed).mean(axis=(0, 2, 3), keepdims=True))
        grad_w, grad_b, grad_padded = conv_backward(g, padded.shape, self.w, cols, need_x=True)
        self.grads = [grad_padded[:, :, 1:-1, 1:-1], grad_w, grad_b, grad_gamma, grad_beta]
        return float(loss)


class LibraryBlock:
    """Forward and backward of conv, BatchNorm2d and ReLU in autograd_mini or torch."""

    def __init__(self, library) -> None:
        self.library = library
        nn_ = library.nn
        self.block = nn_.Sequential(nn_.Conv2d(64, 64, 3, padding=1), nn_.BatchNorm2d(64), nn_.ReLU())
        x, w, b = block_arrays()
        with library.no_grad():
            self.block[0].weight.copy_(library.from_numpy(w))
            self.block[0].bias.copy_(library.from_numpy(b))
        self.x = library.from_numpy(x).requires_grad_()

    def step(self) -> float:
        self.block.zero_grad()
        self.x.grad = None
        loss = (self.block(self.x) ** 2).mean()
        loss.backward()
        return loss.item()


def repeated(step: Callable[[], float], units: int) -> Callable[[], float]:
    def run() -> float:
        for _ in range(units):
            loss = step()
        return loss

    return run


_STEP_MEMORY = """
import sys
sys.path[:0] = [{here!r}, {root!r}]
import {library} as library
import conv_workloads

def kib(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))

net = conv_workloads.LibraryLeNet(library)
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak resident size starts again from the current one
before = kib("VmRSS:")
net.step()
print(kib("VmHWM:") - before)
"""


def lenet_step_memory(library: str) -> int:
    """Bytes by which a first LeNet step raises the resident memory of a fresh process using
    library ("autograd_mini" or "torch"), after imports and the model: the same measure for both,
    as PyTorch's allocator is outside what tracemalloc sees. (A later step would show less for
    PyTorch, whose caching allocator keeps what the first step took.) Linux only, else 0."""
    if not os.path.exists("/proc/self/clear_refs"):
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    code = _STEP_MEMORY.format(here=here, root=os.path.dirname(here), library=library)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(result.stdout.split()[-1]) * 1024


def built_once(make: Callable, units: int) -> Callable[[object], float]:
    """PyTorch's side: its net is built on the first (untimed, warm-up) call, then kept."""
    nets = []

    def run(torch) -> float:
        if not nets:
            nets.append(make(torch))
        return repeated(nets[0].step, units)()

    return run


def conv_workloads(workload_type: type, quick: bool) -> list:
    """The two workloads as run.py's Workload rows."""
    steps, block_steps = (2, 1) if quick else (10, 3)
    numpy_net, our_net = NumpyLeNet(), LibraryLeNet(am)
    numpy_block, our_block = NumpyBlock(), LibraryBlock(am)
    return [
        workload_type(
            "LeNet-5, batch 64, 1×28×28, SGD step, f32", "SGD step", steps, 3 if quick else 5,
            repeated(numpy_net.step, steps), repeated(our_net.step, steps),
            built_once(LibraryLeNet, steps), rtol=1e-3,
            measure_memory=True, numpy_step=numpy_net.step, ours_step=our_net.step,
            step_memory=lenet_step_memory,
        ),
        workload_type(
            "conv 3×3 64→64 + BN + ReLU, 32×32, b 32", "fwd+bwd", block_steps, 3,
            repeated(numpy_block.step, block_steps), repeated(our_block.step, block_steps),
            built_once(LibraryBlock, block_steps), rtol=1e-4,
        ),
    ]

