"""Derivatives of the Rosenbrock function with torch.autograd, and Newton's method built on them.

torch.autograd.grad gives the gradient, and with create_graph=True the Hessian row by row;
torch.autograd.functional gives the Jacobian of the residuals, the Hessian and Hessian-vector
products. Each Newton step solves H d = g by conjugate gradients, from products H v alone.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch



def rosenbrock(z):
    x, y = z[0], z[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def residuals(z):
    """rosenbrock(z) is the sum of squares of these two."""
    return torch.stack([1 - z[0], 10 * (z[1] - z[0] ** 2)])


def conjugate_gradient(matvec, b, iterations):
    """Solve A x = b for a symmetric positive definite A, given only the products A v."""
    x = torch.zeros_like(b)
    r = b.clone()
    p = r.clone()
    rs = (r * r).sum()
    for _ in range(iterations):
        Ap = matvec(p)
        alpha = rs / (p * Ap).sum()
        x = x + alpha * p
        r = r - alpha * Ap
        rs_new = (r * r).sum()
        if rs_new.item() < 1e-30:
            break
        p = r + (rs_new / rs) * p
        rs = rs_new
    return x


def main(torch) -> dict:
    functional = torch.autograd.functional

    z = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    f = rosenbrock(z)
    (g,) = torch.autograd.grad(f, z, create_graph=True)
    rows = [torch.autograd.grad(g[i], z, retain_graph=True)[0] for i in range(2)]
    H_by_rows = torch.stack(rows)

    start = z.detach()
    J = functional.jacobian(residuals, start)
    H = functional.hessian(rosenbrock, start)
    v = torch.tensor([1.0, -2.0], dtype=torch.float64)
    value, Hv = functional.hvp(rosenbrock, start, v)
    _, vH = functional.vhp(rosenbrock, start, v)
    _, vJ = functional.vjp(residuals, start, v)
    _, Jv = functional.jvp(residuals, start, v)

    # Newton's method from the start point: z <- z - H(z)^-1 grad f(z).
    point = start.clone()
    path = [point.tolist()]
    for step in range(20):
        point.requires_grad_(True)
        (grad,) = torch.autograd.grad(rosenbrock(point), point)
        if grad.abs().max().item() < 1e-10:
            break
        here = point.detach()

        def hessian_times(u, at=here):
            return functional.hvp(rosenbrock, at, u)[1]

        direction = conjugate_gradient(hessian_times, grad, 2)
        point = (here - direction).detach()
        path.append(point.tolist())
        print(f"step {step}: f = {rosenbrock(point).item():.3e} at {point.tolist()}")

    H_end = functional.hessian(rosenbrock, point)
    return {
        "value": f.item(),
        "grad": g.tolist(),
        "hessian_by_rows": H_by_rows.tolist(),
        "hessian": H.tolist(),
        "jacobian": J.tolist(),
        "gauss_newton": (2 * J.T @ J).tolist(),
        "hvp": Hv.tolist(),
        "vhp": vH.tolist(),
        "H_times_v": (H @ v).tolist(),
        "vjp": vJ.tolist(),
        "jvp": Jv.tolist(),
        "grad_has_graph": g.requires_grad,
        "newton_path": path,
        "newton_steps": len(path) - 1,
        "final_point": point.tolist(),
        "final_value": rosenbrock(point).item(),
        "hessian_at_minimum": H_end.tolist(),
    }


if __name__ == "__main__":
    print(main(torch))
