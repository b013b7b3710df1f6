"""compile: a replayed step is bitwise the eager step, over random graphs, every optimizer and
real models; what a trace cannot replay is detected (graph breaks), not silently frozen."""

import importlib.util
import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_mini as am
import autograd_mini.nn.functional as F
from autograd_mini import nn, optim
from autograd_mini.compile import GraphBreak
from autograd_mini.function import Function
from autograd_mini.testing.graphs import graphs

EXAMPLES = settings().max_examples
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def assert_same(a, b):
    """Bitwise equal arrays (NaN equal to NaN), of the same dtype and shape."""
    a, b = (x._array if isinstance(x, am.Tensor) else np.asarray(x) for x in (a, b))
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b, strict=True)


def twin_runs(make, steps=4):
    """Build the same setup twice from one seed; take `steps` steps eagerly in one and compiled in
    the other, comparing losses, parameters and gradients after every step. Returns the compiled."""
    am.manual_seed(0)
    eager_model, eager_step = make()
    am.manual_seed(0)
    model, step = make()
    compiled = am.compile(step)
    for i in range(steps):
        am.manual_seed(100 + i)
        expected = eager_step()
        am.manual_seed(100 + i)
        got = compiled()
        assert_same(got, expected)
        for (name, p), q in zip(model.named_parameters(), eager_model.parameters()):
            assert_same(p, q)
            assert (p.grad is None) == (q.grad is None), name
            if p.grad is not None:
                assert_same(p.grad, q.grad)
    assert compiled.traces, "the compiled step was never recorded"
    assert compiled.last_trace is not None, "the last call did not replay"
    return compiled


# ---- random graphs ----------------------------------------------------------------------------


def _graph_step(graph, weights):
    def step(*inputs):
        outputs = graph(*inputs)
        total = sum((o * w).sum() for o, w in zip(outputs, weights))
        total.backward()
        return outputs

    return step


@settings(max_examples=4 * EXAMPLES)
@given(graphs())
def test_replays_of_random_graphs_equal_eager_bitwise(graph):
    """Outputs and input gradients of each replay (new inputs, new values) equal eager's."""
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        weights = [rng.standard_normal(np.shape(o._array)) for o in graph(*graph.inputs(False))]
        compiled = am.compile(_graph_step(graph, weights))
        for scale in (1.0, 0.5, -0.75):
            eager_inputs = [am.tensor(a * scale, requires_grad=True) for a in graph.arrays]
            inputs = [am.tensor(a * scale, requires_grad=True) for a in graph.arrays]
            expected = _graph_step(graph, weights)(*eager_inputs)
            got = compiled(*inputs)
            for o, e in zip(got, expected):
                assert_same(o, e)
            for x, e in zip(inputs, eager_inputs):
                assert (x.grad is None) == (e.grad is None)
                if x.grad is not None:
                    assert_same(x.grad, e.grad)
    # Recorded once, or (comparisons make tensors outside the ops) run eagerly after a graph break.
    assert len(compiled.traces) == 1 or compiled.breaks


@settings(max_examples=EXAMPLES)
@given(graphs(inplace="any"))
def test_replays_of_graphs_that_change_values_in_place_equal_eager(graph):
    weights = [1.0] * 8
    with np.errstate(all="ignore"):
        try:
            expected = _graph_step(graph, weights)(*graph.inputs())
        except RuntimeError as error:  # backward refused, as PyTorch would
            assert "modified by an inplace operation" in str(error)
            return
        compiled = am.compile(_graph_step(graph, weights))
        for _ in range(2):
            for o, e in zip(compiled(*graph.inputs()), expected):
                assert_same(o, e)


def test_gradients_accumulate_across_replays_as_across_eager_calls():
    x, y = am.tensor([1.0, 2.0], requires_grad=True), am.tensor([1.0, 2.0], requires_grad=True)

    def step(t):
        (t * t).sum().backward()

    compiled = am.compile(step)
    for _ in range(3):
        step(x)
        compiled(y)
        assert_same(y.grad, x.grad)
    assert len(compiled.traces) == 1


# ---- training steps: an MLP with every optimizer ------------------------------------------------

OPTIMIZERS = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1),
    "SGD momentum nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": lambda ps: optim.Adam(ps, lr=1e-2),
    "Adam amsgrad": lambda ps: optim.Adam(ps, lr=1e-2, amsgrad=True, weight_decay=1e-2),
    "AdamW": lambda ps: optim.AdamW(ps, lr=1e-2),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=1e-2, momentum=0.5, centered=True),
    "Adagrad": lambda ps: optim.Adagrad(ps, lr=0.1),
    "Adadelta": lambda ps: optim.Adadelta(ps),
    "Adamax": lambda ps: optim.Adamax(ps, lr=1e-2),
    "NAdam": lambda ps: optim.NAdam(ps, lr=1e-2),
    "RAdam": lambda ps: optim.RAdam(ps, lr=1e-2),
}


def _mlp(make_optimizer):
    def make():
        model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = make_optimizer(model.parameters())
        x, labels = am.randn(8, 6), am.randint(0, 3, (8,))

        def step():
            loss = F.cross_entropy(model(x), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return model, step

    return make


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_mlp_training_steps_replay_bitwise_with_every_optimizer(name):
    twin_runs(_mlp(OPTIMIZERS[name]), steps=5)


def test_every_optimizer_of_optim_is_covered():
    names = {n.split()[0] for n in OPTIMIZERS} | {"LBFGS", "Optimizer"}
    assert {n for n in optim.__all__ if isinstance(getattr(optim, n), type)
            and issubclass(getattr(optim, n), optim.Optimizer)} <= names


def test_lbfgs_closure_is_a_graph_break_and_runs_eagerly():
    def make():
        model = nn.Linear(3, 1)
        opt = optim.LBFGS(model.parameters(), max_iter=3)
        x, y = am.randn(4, 3), am.randn(4, 1)

        def step():
            def closure():
                opt.zero_grad()
                loss = F.mse_loss(model(x), y)
                loss.backward()
                return loss

            return opt.step(closure)

        return model, step

    with pytest.warns(UserWarning, match="graph break.*closure"):
        am.manual_seed(0)
        eager_model, eager_step = make()
        am.manual_seed(0)
        model, step = make()
        compiled = am.compile(step)
        for _ in range(2):
            assert_same(compiled(), eager_step())
            for p, q in zip(model.parameters(), eager_model.parameters()):
                assert_same(p, q)
    assert not compiled.traces


def test_learning_rate_and_parameters_are_read_when_the_replay_runs():
    """A scheduler stepping outside the step, p.data = ..., and load_state_dict are all seen."""
    def make():
        model = nn.Linear(4, 2)
        opt = optim.Adam(model.parameters(), lr=0.1)
        x, y = am.randn(5, 4), am.randn(5, 2)

        def step():
            loss = F.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    am.manual_seed(0)
    eager_model, eager_opt, eager_step = make()
    am.manual_seed(0)
    model, opt, step = make()
    compiled = am.compile(step)
    eager_schedule = optim.lr_scheduler.StepLR(eager_opt, step_size=1, gamma=0.5)
    schedule = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    saved = None
    for i in range(6):
        if i == 2:
            for m in (model, eager_model):
                m.weight.data = am.full((2, 4), 0.25)
        if i == 3:
            saved = opt.state_dict()
        if i == 5:
            opt.load_state_dict(saved)
            eager_opt.load_state_dict(saved)
        assert_same(compiled(), eager_step())
        schedule.step()
        eager_schedule.step()
        for p, q in zip(model.parameters(), eager_model.parameters()):
            assert_same(p, q)
    assert len(compiled.traces) == 1


def test_a_scheduler_and_gradient_clipping_inside_the_step_replay():
    def make():
        model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 1))
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        schedule = optim.lr_scheduler.LambdaLR(opt, lambda k: 1 / (1 + k))
        x, y = am.randn(6, 4), am.randn(6, 1)

        def step():
            loss = F.mse_loss(model(x), y)
            opt.zero_grad(set_to_none=False)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            opt.step()
            schedule.step()
            return loss

        return model, step

    twin_runs(make, steps=5)


# ---- real models: a small CNN, a GPT block --------------------------------------------------------


def test_small_cnn_with_dropout_and_batch_norm_replays_bitwise():
    def make():
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout(0.25), nn.Flatten(), nn.Linear(4 * 4 * 4, 10),
        )
        opt = optim.AdamW(model.parameters(), lr=1e-2)
        x, labels = am.randn(5, 1, 8, 8), am.randint(0, 10, (5,))

        def step():
            loss = F.cross_entropy(model(x), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return model, step

    compiled = twin_runs(make, steps=4)
    assert "draw" in compiled.listing()  # the dropout mask is drawn afresh in every replay


def _char_gpt():
    spec = importlib.util.spec_from_file_location("char_gpt", os.path.join(ROOT, "examples", "char_gpt.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gpt_of_the_example_trains_bitwise_under_compile():
    char_gpt = _char_gpt()
    rng = np.random.default_rng(0)
    idx, targets = am.tensor(rng.integers(0, 20, (2, 16))), am.tensor(rng.integers(0, 20, (2, 16)))

    def make():
        model = char_gpt.GPT(vocab_size=20, block_size=16, n_layer=2, n_head=2, n_embd=16)
        opt = char_gpt.configure_optimizer(model, lr=1e-2, weight_decay=0.1)
        schedule = optim.lr_scheduler.LambdaLR(opt, char_gpt.warmup_cosine(2, 10))

        def step():
            _, loss = model(idx, targets)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            schedule.step()
            return loss

        return model, step

    twin_runs(make, steps=3)


# ---- replay does no autograd work ----------------------------------------------------------------


def test_a_replay_runs_no_op_through_function_apply(monkeypatch):
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = am.randn(4, 3)

    @am.compile
    def step():
        loss = model(x).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    step()

    def refuse(*args, **kwargs):
        raise AssertionError("a replay made a graph node")

    monkeypatch.setattr(Function, "apply", classmethod(refuse))
    loss = step()
    assert loss.grad_fn is None and not loss.requires_grad


# ---- what a trace cannot replay ----------------------------------------------------------------------


@pytest.mark.parametrize("read", [
    lambda t: t.item(), lambda t: bool(t > 0), lambda t: t.tolist(), lambda t: t.detach().numpy(),
    lambda t: float(t), lambda t: int(t), lambda t: f"{t:.3f}",
])
def test_reading_a_value_into_python_is_a_graph_break_that_runs_eagerly(read):
    x = am.tensor([1.5], requires_grad=True)

    def step(t):
        y = (t * 2).sum()
        read(y)
        return y * 3

    compiled = am.compile(step)
    with pytest.warns(UserWarning, match=r"graph break in .*step.*test_compile\.py:\d+"):
        first = compiled(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only
        second = compiled(x)
    assert_same(first, second)
    assert second.requires_grad  # eager: still in the graph
    assert not compiled.traces


def test_data_dependent_control_flow_is_a_graph_break():
    def step(t):
        return t * 2 if t.sum() > 0 else t * 3

    compiled = am.compile(step)
    with pytest.warns(UserWarning, match="__bool__"):
        assert_same(compiled(am.tensor([1.0])), am.tensor([2.0]))
    assert_same(compiled(am.tensor([-1.0])), am.tensor([-3.0]))


def test_fullgraph_raises_where_the_graph_breaks():
    compiled = am.compile(lambda t: (t * 2).sum().item(), fullgraph=True)
    with pytest.raises(GraphBreak, match=r"\.item\(\).*test_compile\.py"):
        compiled(am.tensor([1.0]))
    assert Function.__dict__["apply"].__func__.__name__ == "apply"  # the stand-ins were removed


def test_a_tensor_computed_outside_the_ops_is_a_graph_break():
    compiled = am.compile(lambda t: t * (t > 0))  # comparisons make plain tensors outside the graph
    with pytest.warns(UserWarning, match="outside autograd_mini's ops"):
        compiled(am.tensor([1.0, -1.0]))


def test_hooks_force_eager_with_a_warning():
    model = nn.Linear(2, 2)
    seen = []
    model.register_forward_hook(lambda m, args, out: seen.append(out))
    compiled = am.compile(lambda x: model(x).sum())
    with am.no_grad(), pytest.warns(UserWarning, match="forward hooks"):
        compiled(am.ones(1, 2))
    with am.no_grad():
        compiled(am.ones(1, 2))
    assert len(seen) == 2

    x = am.ones(2, requires_grad=True)
    x.register_hook(lambda g: g * 2)
    compiled = am.compile(lambda t: (t * t).sum().backward())
    with pytest.warns(UserWarning, match="gradient hook"):
        compiled(x)
    compiled(x)
    assert_same(x.grad, am.tensor([8.0, 8.0]))


def test_anomaly_mode_runs_eagerly_with_a_warning():
    compiled = am.compile(lambda t: (t * 2).sum())
    with am.detect_anomaly(), pytest.warns(UserWarning, match="anomaly"):
        compiled(am.ones(2))
    assert not compiled.traces


def test_random_draws_inside_the_step_are_fresh_and_agree_with_eager():
    def step(t):
        return t + am.randn(3)

    compiled = am.compile(step)
    x = am.zeros(3)
    draws = []
    for seed in (1, 2, 1):
        am.manual_seed(seed)
        expected = step(x)
        am.manual_seed(seed)
        draws.append(compiled(x))
        assert_same(draws[-1], expected)
    assert not np.array_equal(draws[0]._array, draws[1]._array)
    assert len(compiled.traces) == 1


# ---- signatures -----------------------------------------------------------------------------------


def test_python_values_and_module_state_are_part_of_the_signature():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    compiled = am.compile(lambda x, scale: model(x) * scale)
    x = am.ones(2, 3)
    with am.no_grad():
        model.eval()
        assert_same(compiled(x, 2.0), model(x) * 2.0)
        assert_same(compiled(x, 3.0), model(x) * 3.0)  # a new value of a float: a new trace
        model[1].p = 0.0
        assert_same(compiled(x, 3.0), model(x) * 3.0)
        model.train()
        am.manual_seed(0)
        expected = model(x) * 3.0
        am.manual_seed(0)
        assert_same(compiled(x, 3.0), expected)
    assert len(compiled.traces) == 4


def test_module_changes_after_recording_are_seen():
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    compiled = am.compile(lambda x: model(x).sum())
    x = am.ones(1, 2)
    with am.no_grad():
        compiled(x)
        compiled(x)  # replayed
        seen = []
        model[0].register_forward_hook(lambda m, args, out: seen.append(out))
        with pytest.warns(UserWarning, match="forward hooks"):
            compiled(x)
        assert len(seen) == 1  # the hook ran: the call was not a replay of the hook-free trace
        model[1] = nn.ReLU()
        assert_same(compiled(x), model(x).sum())
        model.add_module("2", nn.Sigmoid())
        assert_same(compiled(x), model(x).sum())


def test_new_shapes_record_again_and_the_cache_is_bounded():
    compiled = am.compile(lambda t: t * 2)
    with pytest.warns(UserWarning, match="recorded 9 times"):
        for n in range(1, 11):
            assert_same(compiled(am.ones(n)), am.full((n,), 2.0))
    assert len(compiled.traces) == 8


def test_a_rebound_global_tensor_is_not_replayed_stale():
    global BATCH
    BATCH = am.ones(2)
    compiled = am.compile(lambda: BATCH * 2)
    compiled()
    BATCH = am.full((2,), 5.0)
    assert_same(compiled(), am.full((2,), 10.0))



def test_a_global_defined_after_compiling_is_watched():
    global SCALE_DEFINED_LATER
    compiled = am.compile(lambda x: x * SCALE_DEFINED_LATER)
    SCALE_DEFINED_LATER = 2.0
    assert_same(compiled(am.ones(2)), am.full((2,), 2.0))
    SCALE_DEFINED_LATER = 3.0
    assert_same(compiled(am.ones(2)), am.full((2,), 3.0))
    assert len(compiled.traces) == 2

# ---- the API ----------------------------------------------------------------------------------------


def test_decorator_forms_and_pytorch_keywords():
    @am.compile
    def double(t):
        return t * 2

    @am.compile(mode="reduce-overhead", fullgraph=True, dynamic=False, backend="inductor")
    def triple(t):
        return t * 3

    for _ in range(2):
        assert_same(double(am.ones(2)), am.full((2,), 2.0))
        assert_same(triple(am.ones(2)), am.full((2,), 3.0))
    assert double.__name__ == "double"
    assert am.compile(triple.fn, disable=True)(am.ones(1)).tolist() == [3.0]


def test_compiled_module_replays_inference_and_hands_on_attributes():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    compiled = am.compile(model)
    x = am.randn(2, 3)
    with am.no_grad():
        for _ in range(2):
            assert_same(compiled(x), model(x))
    assert compiled._orig_mod is model and compiled.training
    assert compiled.state_dict().keys() == model.state_dict().keys()
    assert len(list(compiled.parameters())) == 2
    with pytest.warns(UserWarning, match="needs a gradient"):
        out = compiled(x)  # grad mode: forward only cannot be replayed
    assert out.requires_grad


def test_listing_shows_the_flat_numpy_calls():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)

    @am.compile
    def step(x):
        loss = model(x).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    with pytest.raises(RuntimeError, match="no trace yet"):
        step.listing()
    step(am.ones(4, 3))
    text = am.viz.format_trace(step)
    assert text.splitlines()[0] == "def replay(a0, shared):"
    for line in ("v0 = a0._array", "Linear_forward(ctx0, v0, v1, v2)", "Linear_backward(ctx0",
                 "accumulate(t0", "zero_grad(obj0)", "step(obj0)"):
        assert line in text
    assert "(4, 2) float32" in text
