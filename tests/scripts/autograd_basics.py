"""The first steps with autograd: inspecting the graph, vector-Jacobian products, hooks, stopping gradients.

One logistic layer z = x @ w + b with binary_cross_entropy_with_logits: its nodes are looked at
through grad_fn, a non-leaf keeps its gradient with retain_grad(), a hook rescales a leaf's
gradient, backward on a non-scalar output takes the vector v of v^T J, calls accumulate until
.grad.zero_(), and no_grad() and detach() stop the recording.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np


def main(torch) -> dict:
    rng = np.random.default_rng(8)
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)
    b = torch.tensor(rng.standard_normal(3), dtype=torch.float32, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")
    node_names = [z.grad_fn.name(), loss.grad_fn.name()]

    z.retain_grad()
    b.register_hook(lambda grad: grad * 10)
    loss.backward()
    facts = {
        "node_names": node_names,
        "loss": loss.item(),
        "w_grad": w.grad.tolist(),
        "b_grad": b.grad.tolist(),
        "z_grad": z.grad.tolist(),
        "leaves": [x.is_leaf, w.is_leaf, z.is_leaf, loss.is_leaf],
        "requires_grad": [x.requires_grad, w.requires_grad, z.requires_grad],
    }

    # Stopping the recording.
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    z_det = (torch.matmul(x, w) + b).detach()
    facts["stopped"] = [z.requires_grad, z_det.requires_grad, z.grad_fn is None]

    # Non-scalar outputs: backward(v) gives v^T J, and calls add up until .grad.zero_().
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first_call = inp.grad.clone()
    out.backward(torch.ones_like(out), retain_graph=True)
    second_call = inp.grad.clone()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    facts["accumulation"] = [first_call.tolist(), second_call.tolist(), inp.grad.tolist()]
    facts["out_shape"] = list(out.shape)
    return facts


if __name__ == "__main__":
    print(main(torch))
