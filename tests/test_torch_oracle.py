"""PyTorch as an oracle: the same inputs and weights through autograd_mini and PyTorch agree.

To run these tests, install PyTorch and select them by their marker:

    pip install torch
    pytest -m torch

Without torch the whole module is skipped. Everything runs in float64, so agreement is to
float64 rounding: every op of the op table (values, gradients and second derivatives), Linear
stacks with every activation and loss, every optimizer for 20 steps, every learning-rate
scheduler, and state dicts passed between the two libraries.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_ops import OPS, arg_extreme_inputs, draw_case, weighted

import autograd_mini as am
from autograd_mini import nn, optim
from autograd_mini.optim import lr_scheduler

torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")

pytestmark = pytest.mark.torch

RTOL, ATOL = 1e-10, 1e-12


def close(ours, theirs, rtol=RTOL, atol=ATOL) -> None:
    """ours (a Tensor or array) equals theirs (a torch tensor), in shape and value."""
    ours = ours._array if isinstance(ours, am.Tensor) else np.asarray(ours)
    theirs = theirs.detach().numpy(force=True)  # force: PyTorch may hand back a lazy zero tensor
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


# ---- every op of the table ------------------------------------------------------------------------


def dims(x, axis):
    """NumPy's axis as PyTorch's dim: None means every dim."""
    return tuple(range(x.ndim)) if axis is None else axis


def spread_dims(x, axis):
    """dims(), with dim=() written out as every dim."""
    return dims(x, None if axis == () else axis)


def torch_index(index):
    """A NumPy index with its arrays as torch tensors."""
    if isinstance(index, tuple):
        return tuple(torch_index(part) for part in index)
    return torch.from_numpy(index) if isinstance(index, np.ndarray) else index


def pytorch_differs(op, xs, options) -> bool:
    """Cases where PyTorch does not compute what the math says, so it cannot be the oracle:

    - slices with a negative step, which PyTorch does not take;
    - a ** b where b == 0: PyTorch zeroes d(a**b)/da there with a mask, which also zeroes the
      mixed second derivative d²(a**b)/da db, though it is a**(b-1) (gradgradcheck agrees);
    - scatter and scatter_add with a src larger than the index: PyTorch's backward hands src a
      gradient of the index's shape and fails ("invalid gradient"), instead of zeros beyond it.
    """
    index = options.get("index")
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, slice) and p.step is not None and p.step < 0 for p in parts):
        return True
    if op.name in ("scatter", "scatter_add") and xs[1].shape != index.shape:
        return True
    return op.name in ("pow", "pow_function") and bool((xs[1]._array == 0).any())


# The ops whose table entry runs unchanged on torch tensors: operators and shared method names.
SAME_CALL = {
    "add", "sub", "mul", "div", "pow", "neg", "add_number", "radd_number", "sub_number", "rsub_number",
    "mul_number", "rmul_number", "div_number", "rdiv_number", "pow_int", "pow_float", "pow_negative",
    "rpow_number", "matmul", "clamp", "clamp_min", "clip_max", "reshape", "flatten", "transpose",
    "unsqueeze", "flip", "roll", "repeat", "narrow", "tril", "triu", "diagonal", "mm", "norm",
    "sort", "topk", "cumsum", "cumprod",
    "round_decimals", "lerp", "clamp_min_method", "clamp_min_tensor",
    "sub_alpha", "mul_method", "div_floor", "fmod_number",
    "view", "expand", "repeat_interleave", "tile", "movedim", "swapaxes", "unflatten", "contiguous",
    "clone", "t", "mT", "bmm", "mv", "dot", "outer", "diag", "trace",
}

# The others, in PyTorch's words.
TORCH = {
    "add_alpha": lambda a, b: torch.add(a, b, alpha=2),
    "div_function": torch.div,
    "true_divide": torch.true_divide,
    "div_trunc": lambda x: torch.div(x, 1.0, rounding_mode="trunc"),
    "remainder": torch.remainder,
    "fmod": torch.fmod,
    "addmm": lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2),
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "expm1": torch.expm1,
    "log2": torch.log2,
    "log10": torch.log10,
    "log1p": torch.log1p,
    "square": torch.square,
    "rsqrt": torch.rsqrt,
    "reciprocal": torch.reciprocal,
    "tan": torch.tan,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "atan2": torch.atan2,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "erf": torch.erf,
    "erfc": torch.erfc,
    "floor": torch.floor,
    "ceil": torch.ceil,
    "trunc": torch.trunc,
    "round": torch.round,
    "frac": torch.frac,
    "sign": torch.sign,
    "nan_to_num": torch.nan_to_num,
    "lerp_weight": torch.lerp,
    "pow_function": torch.pow,
    "pow_function_number": lambda x: torch.pow(x, 3),
    "pow_function_base": lambda x: torch.pow(2.0, x),
    "clamp_max_function": lambda x: torch.clamp_max(x, 0.5),
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leaky_relu": lambda x: torch.nn.functional.leaky_relu(x, 0.2),
    "gelu": torch.nn.functional.gelu,
    "gelu_tanh": lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
    "silu": torch.nn.functional.silu,
    "mish": torch.nn.functional.mish,
    "elu": lambda x: torch.nn.functional.elu(x, 0.7),
    "celu": lambda x: torch.where(x > 0, x, 2 * torch.expm1(x / 2)),
    "selu": torch.nn.functional.selu,
    "softplus": lambda x: torch.nn.functional.softplus(x, beta=2.0, threshold=1.0),
    "softsign": torch.nn.functional.softsign,
    "logsigmoid": torch.nn.functional.logsigmoid,
    "hardtanh": lambda x: torch.nn.functional.hardtanh(x, -0.5, 0.5),
    "relu6": lambda x: torch.nn.functional.relu6(4 * x),
    # PyTorch's hardsigmoid and celu use a float32 1/6 and 1/alpha in their gradients
    "hardsigmoid": lambda x: (2 * x / 6 + 0.5).clamp(0, 1),
    "hardswish": lambda x: torch.nn.functional.hardswish(2 * x),
    "prelu": lambda x, w: torch.nn.functional.prelu(x, w.reshape(1)),
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "where": lambda a, b, condition: torch.where(torch.from_numpy(condition), a, b),
    "where_method": lambda a, b, condition: a.where(torch.from_numpy(condition), b),
    "sum": lambda x, axis, keepdims: x.sum(dim=dims(x, axis), keepdim=keepdims),
    "mean": lambda x, axis, keepdims: x.mean(dim=dims(x, axis), keepdim=keepdims),
    "max": lambda x, axis, keepdims: x.amax(dim=dims(x, axis), keepdim=keepdims),
    "min": lambda x, axis, keepdims: x.amin(dim=dims(x, axis), keepdim=keepdims),
    # PyTorch's var and std over dim=() reduce every dim but give the gradient of a reduction
    # over none (infinite): the documented difference, so they are compared over every dim named.
    "var": lambda x, axis, keepdims: x.var(dim=spread_dims(x, axis), keepdim=keepdims),
    "var_ddof0": lambda x, axis, keepdims: x.var(dim=spread_dims(x, axis), keepdim=keepdims, correction=0),
    "std": lambda x, axis, keepdims: x.std(dim=spread_dims(x, axis), keepdim=keepdims),
    # PyTorch's logsumexp over dim=() fails ("output with shape [] doesn't match"): written out.
    "logsumexp": lambda x, axis, keepdims: x.logsumexp(dim=spread_dims(x, axis), keepdim=keepdims),
    "softmax": lambda x, dim: x.softmax(dim),
    "log_softmax": lambda x, dim: x.log_softmax(dim),
    "prod": lambda x, dim, keepdim: x.prod() if dim is None else x.prod(dim, keepdim=keepdim),
    "permute": lambda x, dims: x.permute(tuple(dims)),  # PyTorch's permute() takes no dims at all
    "T": lambda x: x.permute(tuple(reversed(range(x.ndim)))),
    "squeeze": lambda x, dim: x.squeeze() if dim is None else x.squeeze(dim),
    "broadcast_to": lambda x, shape: x.broadcast_to(shape),
    "basic_index": lambda x, index: x[torch_index(index)],
    "advanced_index": lambda x, index: x[torch_index(index)],
    "cat": lambda *xs, dim: torch.cat(xs, dim=dim),
    "stack": lambda *xs, dim: torch.stack(xs, dim=dim),
    "einsum": lambda *xs, equation: torch.einsum(equation, *xs),
    "gather": lambda x, dim, index: x.gather(dim, torch.from_numpy(index)),
    "index_select": lambda x, dim, index: x.index_select(dim, torch.from_numpy(index)),
    "view_as": lambda x, shape: x.view_as(torch.zeros(shape)),
    "reshape_as": lambda x, shape: x.reshape_as(torch.zeros(shape)),
    "expand_as": lambda x, shape: x.expand_as(torch.zeros(shape)),
    "split": lambda x, dim, sizes: torch.cat(weighted(x.split(sizes, dim)), dim=dim),
    "chunk": lambda x, dim, chunks: torch.cat(weighted(x.chunk(chunks, dim)), dim=dim),
    "unbind": lambda x, dim: torch.stack(weighted(x.unbind(dim)), dim=dim),
    "vector_norm": lambda x, ord, dim, keepdim: torch.linalg.vector_norm(x, ord, dim, keepdim),
    "linalg_norm": lambda x, ord, dim, keepdim: torch.linalg.norm(x, ord, dim, keepdim),
    "scatter": lambda x, src, dim, index: x.scatter(dim, torch.from_numpy(index), src),
    "scatter_value": lambda x, dim, index: x.scatter(dim, torch.from_numpy(index), value=1.5),
    "scatter_add": lambda x, src, dim, index: x.scatter_add(dim, torch.from_numpy(index), src),
    "index_add": lambda x, source, dim, index: x.index_add(dim, torch.from_numpy(index), source, alpha=-1.5),
    "masked_fill": lambda x, mask: x.masked_fill(torch.from_numpy(mask), -0.5),
    "masked_fill_tensor": lambda x, value, mask: x.masked_fill(torch.from_numpy(mask), value),
    "masked_select": lambda x, mask: x.masked_select(torch.from_numpy(mask)),
    "take": lambda x, index: x.take(torch.from_numpy(index)),
    "take_along_dim": lambda x, indices, dim: x.take_along_dim(torch.from_numpy(indices), dim),
}


def test_every_op_has_a_pytorch_twin():
    missing = {op.name for op in OPS} - SAME_CALL - TORCH.keys()
    assert not missing, f"say how PyTorch computes {sorted(missing)}"


def second_derivatives(grads, inputs, directions, grad_fn):
    """d(sum of grads · directions)/d(inputs), zeros where nothing depends on an input."""
    live = [(g * d).sum() for g, d in zip(grads, directions) if g is not None and g.requires_grad]
    if not live:
        return [np.zeros(x.shape) for x in inputs]
    return grad_fn(sum(live), inputs)


def am_grads(total, inputs):
    found = am.grad(total, inputs, allow_unused=True)
    return [np.zeros(x.shape) if g is None else g._array for g, x in zip(found, inputs)]


def torch_grads(total, inputs):
    found = torch.autograd.grad(total, inputs, allow_unused=True)
    return [np.zeros(tuple(x.shape)) if g is None else g.numpy(force=True) for g, x in zip(found, inputs)]


@pytest.mark.parametrize("op", OPS, ids=repr)
@settings(max_examples=max(10, settings().max_examples // 3))  # 10 in the default profile: PyTorch is slow
@given(data=st.data())
def test_op_matches_pytorch(op, data):
    """Values, the gradient for a random upstream gradient, and second derivatives along a random
    direction (a Hessian-vector product)."""
    xs, options = draw_case(data, op)
    assume(not pytorch_differs(op, xs, options))
    ts = [torch.tensor(x._array, requires_grad=True) for x in xs]
    torch_fn = op.fn if op.name in SAME_CALL else TORCH[op.name]
    out, expected = op.fn(*xs, **options), torch_fn(*ts, **options)
    close(out, expected)

    rng = np.random.default_rng(0)
    upstream = rng.standard_normal(out.shape)
    directions = [rng.standard_normal(x.shape) for x in xs]
    grads = am.grad(out, xs, upstream, create_graph=True, allow_unused=True)
    torch_grad = torch.autograd.grad(
        expected, ts, torch.from_numpy(upstream), create_graph=True, allow_unused=True
    )
    for g, tg, t in zip(grads, torch_grad, ts):
        close(np.zeros(t.shape) if g is None else g, torch.zeros_like(t) if tg is None else tg)

    ours = second_derivatives(grads, xs, [am.tensor(d) for d in directions], am_grads)
    theirs = second_derivatives(torch_grad, ts, [torch.from_numpy(d) for d in directions], torch_grads)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(case=arg_extreme_inputs())
def test_argmax_and_argmin_match_pytorch(name, case):
    x, options = case
    out = getattr(x, name)(**options)
    expected = getattr(torch.tensor(x._array, requires_grad=True), name)(**options)
    assert out.requires_grad == expected.requires_grad
    assert expected.dtype == torch.int64 and out.dtype == np.int64
    close(out, expected)


# ---- models: every activation and loss ---------------------------------------------------------------

# Layer specs that mean the same in both libraries: (class name, arguments).
ACTIVATIONS = [
    ("ReLU", ()), ("LeakyReLU", (0.1,)), ("Sigmoid", ()), ("Tanh", ()), ("Softmax", (1,)),
    ("LogSoftmax", (1,)), ("Identity", ()), ("Flatten", ()), ("Dropout", (0.5,)),
    ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("Mish", ()), ("ELU", (0.5,)), ("CELU", (1.5,)),
    ("SELU", ()), ("Softplus", (2.0, 1.0)), ("Softsign", ()), ("LogSigmoid", ()), ("Hardtanh", (-0.5, 0.8)),
    ("ReLU6", ()), ("Hardsigmoid", ()), ("Hardswish", ()), ("PReLU", ()), ("Softmin", (1,)),
    ("GLU", (1,)), ("Unflatten", (1, (-1,))),
]


def twin_models(*specs):
    """The same Sequential in both libraries, in float64, with autograd_mini's weights copied over
    through its state dict (which PyTorch takes as it is: same keys, same shapes)."""
    am.manual_seed(0)
    ours = nn.Sequential(*(getattr(nn, name)(*args) for name, args in specs)).double().eval()
    theirs = torch.nn.Sequential(*(getattr(torch.nn, name)(*args) for name, args in specs)).double().eval()
    theirs.load_state_dict({k: torch.from_numpy(v._array.copy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def mlp_specs(activation):
    widen = 2 if activation[0] == "GLU" else 1  # GLU halves its input
    return [("Linear", (3, 5 * widen)), activation, ("Linear", (5, 4 * widen)), activation]


INPUT = np.linspace(-2, 2, 18).reshape(6, 3)
# PyTorch's float64 hardsigmoid gradient is float32's 1/6: agreement to float32 rounding there
FLOAT32_GRADIENT = {"Hardsigmoid"}
LOSSES = {
    "MSELoss": np.linspace(-1, 1, 24).reshape(6, 4),
    "BCEWithLogitsLoss": np.tile([0.0, 1.0, 0.25, 1.0], (6, 1)),  # soft targets too
    "BCELoss": np.tile([1.0, 0.0, 0.5, 1.0], (6, 1)),
    "CrossEntropyLoss": np.array([0, 3, 1, 1, 2, 0]),
    "NLLLoss": np.array([2, 0, 3, 3, 1, 0]),
    "L1Loss": np.linspace(1, -1, 24).reshape(6, 4),
    "SmoothL1Loss": np.linspace(-2, 2, 24).reshape(6, 4),
    "HuberLoss": np.linspace(2, -2, 24).reshape(6, 4),
    "KLDivLoss": np.tile([0.1, 0.2, 0.3, 0.4], (6, 1)),  # target probabilities
}


@pytest.mark.filterwarnings("ignore:.*'batchmean' divides only by the batch size:UserWarning")  # KLDivLoss
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda spec: spec[0])
def test_linear_stack_with_each_activation_and_loss_matches_pytorch(activation, loss_name, reduction):
    specs = mlp_specs(activation)
    if loss_name == "BCELoss":  # probabilities in (0, 1)
        specs.append(("Sigmoid", ()))
    ours, theirs = twin_models(*specs)
    target = LOSSES[loss_name]
    x, tx = am.tensor(INPUT, requires_grad=True), torch.tensor(INPUT, requires_grad=True)
    loss = getattr(nn, loss_name)(reduction=reduction)(ours(x), am.tensor(target))
    expected = getattr(torch.nn, loss_name)(reduction=reduction)(theirs(tx), torch.from_numpy(target))
    close(loss, expected)
    upstream = np.linspace(0.5, 1.5, loss.numel()).reshape(loss.shape)
    loss.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    rtol = 1e-7 if activation[0] in FLOAT32_GRADIENT else RTOL
    close(x.grad, tx.grad, rtol=rtol)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        close(p.grad, tp.grad, rtol=rtol)


# ---- optimizers and schedulers ------------------------------------------------------------------------

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "eps": 1e-4, "maximize": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1}),
    ("Adadelta", {"rho": 0.8, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.01, "maximize": True}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.8), "weight_decay": 0.1}),
    ("LBFGS", {"lr": 0.5, "max_iter": 2, "line_search_fn": "strong_wolfe"}),
]


def twin_training(ours, theirs, opt, torch_opt, steps=20, schedulers=()):
    """Train both models side by side on one regression batch, checking they stay together."""
    x, tx = am.tensor(INPUT), torch.from_numpy(INPUT)
    y = LOSSES["MSELoss"]
    for _ in range(steps):
        for model, optimizer, data, target, mse in (
            (ours, opt, x, am.tensor(y), nn.MSELoss()),
            (theirs, torch_opt, tx, torch.from_numpy(y), torch.nn.MSELoss()),
        ):

            def closure(model=model, optimizer=optimizer, data=data, target=target, mse=mse):
                optimizer.zero_grad()
                loss = mse(model(data), target)
                loss.backward()
                return loss

            loss = float(optimizer.step(closure).detach())  # as LBFGS needs; others call it once
        for scheduler, torch_scheduler in schedulers:
            metric = (loss,) if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau) else ()
            scheduler.step(*metric)
            torch_scheduler.step(*metric)
            np.testing.assert_allclose(scheduler.get_last_lr(), torch_scheduler.get_last_lr(), rtol=1e-12)
        for p, tp in zip(ours.parameters(), theirs.parameters()):
            close(p, tp)


@pytest.fixture
def float64_state_scalars():
    """PyTorch keeps scalar state (NAdam's mu_product, step counts) in the default dtype: float64 here."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.mark.usefixtures("float64_state_scalars")
@pytest.mark.parametrize("name, options", OPTIMIZERS, ids=lambda v: v if isinstance(v, str) else str(v))
def test_twenty_optimizer_steps_match_pytorch(name, options):
    ours, theirs = twin_models(*mlp_specs(("Tanh", ())))
    twin_training(
        ours, theirs, getattr(optim, name)(ours.parameters(), **options),
        getattr(torch.optim, name)(theirs.parameters(), **options),
    )


def test_parameter_groups_with_their_own_options_match_pytorch():
    ours, theirs = twin_models(*mlp_specs(("ReLU", ())))

    def groups(model):
        first, second = model[0], model[2]
        return [{"params": list(first.parameters())}, {"params": list(second.parameters()), "lr": 0.001}]

    options = {"lr": 0.01, "betas": (0.85, 0.95), "weight_decay": 0.05}
    opt, torch_opt = optim.AdamW(groups(ours), **options), torch.optim.AdamW(groups(theirs), **options)
    twin_training(ours, theirs, opt, torch_opt)


# Options are keywords, or, for schedulers made of schedulers, a function (module, optimizer) -> keywords.
SCHEDULERS = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),  # 20 epochs: down, up and down again
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.9 ** (epoch // 2)}),
    ("MultiplicativeLR", {"lr_lambda": lambda epoch: 0.95}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 11], "gamma": 0.5}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
    ("LinearLR", {"start_factor": 0.2, "total_iters": 8}),
    ("PolynomialLR", {"total_iters": 10, "power": 2.0}),
    ("OneCycleLR", {"max_lr": 0.2, "total_steps": 20}),  # cycles the momentum too
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 3, "mode": "triangular2"}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2}),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.5, "threshold": 0.05}),  # stepped with the loss
    ("SequentialLR", lambda s, opt: {
        "schedulers": [s.LinearLR(opt, total_iters=4), s.CosineAnnealingLR(opt, T_max=12)], "milestones": [5],
    }),
    ("ChainedScheduler", lambda s, opt: {
        "schedulers": [s.ConstantLR(opt, factor=0.5, total_iters=4), s.ExponentialLR(opt, gamma=0.9)],
    }),
]


@pytest.mark.parametrize("name, options", SCHEDULERS, ids=lambda v: v if isinstance(v, str) else "")
def test_schedulers_set_the_same_learning_rates_as_pytorch(name, options):
    ours, theirs = twin_models(*mlp_specs(("Sigmoid", ())))
    opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    torch_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    make = options if callable(options) else lambda module, optimizer: options
    scheduler = getattr(lr_scheduler, name)(optimizer=opt, **make(lr_scheduler, opt))
    torch_scheduler = getattr(torch.optim.lr_scheduler, name)(
        optimizer=torch_opt, **make(torch.optim.lr_scheduler, torch_opt)
    )
    twin_training(ours, theirs, opt, torch_opt, schedulers=[(scheduler, torch_scheduler)])


# ---- state dicts between the libraries --------------------------------------------------------------


def test_a_saved_state_dict_loads_into_the_pytorch_model_and_gives_the_same_outputs(tmp_path):
    """Saved by autograd_mini, read back with am.load, converted with torch.from_numpy: PyTorch
    takes it with strict=True (same keys, same shapes), in the default float32."""
    am.manual_seed(1)
    specs = [("Linear", (3, 8)), ("ReLU", ()), ("Linear", (8, 8)), ("Tanh", ()), ("Linear", (8, 2))]
    model = nn.Sequential(*(getattr(nn, name)(*args) for name, args in specs))
    am.save(model.state_dict(), tmp_path / "model.npz")
    theirs = torch.nn.Sequential(*(getattr(torch.nn, name)(*args) for name, args in specs))
    loaded = am.load(tmp_path / "model.npz")
    assert list(loaded) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v._array) for k, v in loaded.items()}, strict=True)
    x = INPUT.astype(np.float32)
    with torch.no_grad():
        close(model(am.tensor(x)), theirs(torch.from_numpy(x)), rtol=1e-6, atol=1e-6)


def test_a_pytorch_state_dict_loads_into_the_autograd_mini_model():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LeakyReLU(0.2), torch.nn.Linear(4, 1))
    ours = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = INPUT.astype(np.float32)
    with torch.no_grad():
        close(ours(am.tensor(x)), theirs(torch.from_numpy(x)), rtol=1e-6, atol=1e-6)


# ---- the tables leave nothing out ----------------------------------------------------------------------


def classes(module, base) -> set[str]:
    """The names of the public subclasses of base that module holds."""
    return {
        name for name, obj in vars(module).items()
        if isinstance(obj, type) and issubclass(obj, base) and not name.startswith("_")
    }


def test_the_model_tables_cover_every_layer_loss_optimizer_and_scheduler():
    # The containers are checked against PyTorch in tests/test_nn_torch.py, and each family of
    # layers that takes (N, C, ...) input in its own file (test_normalization_torch.py,
    # test_pool_torch.py, ...): the tables here cover the activations, Dropout and the losses.
    layers = (classes(nn.activation, nn.Module) | classes(nn.loss, nn.Module) | {"Dropout"}) - {"Module"}
    assert layers - LOSSES.keys() == {name for name, _ in ACTIVATIONS}
    assert {name for name in layers if name.endswith("Loss")} == LOSSES.keys()
    assert classes(optim, optim.Optimizer) - {"Optimizer"} == {name for name, _ in OPTIMIZERS}
    schedulers = classes(lr_scheduler, lr_scheduler.LRScheduler) - {"LRScheduler"}
    assert schedulers == {name for name, _ in SCHEDULERS}
