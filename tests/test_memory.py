"""Memory: backward frees what forward saved, graphs need no cycle collector, training stays flat.

Every check that memory is freed runs with the cycle collector off, so it proves that reference
counting alone frees it: nothing the engine builds forms a reference cycle.
"""

import gc
import tracemalloc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given

import autograd_mini as am
import autograd_mini.nn.functional as F
from autograd_mini import engine, nn, optim
from autograd_mini.testing.graphs import graphs


@contextmanager
def no_cycle_collector() -> Iterator[None]:
    """Keep the cycle collector off inside the block."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def arrays_in(value) -> Iterator[np.ndarray]:
    """The arrays in a value, a Tensor's data, or a tuple or list of them."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, am.Tensor):
        yield value._array
    elif isinstance(value, (tuple, list)):
        for v in value:  # (None stands for an input that got no gradient)
            yield from arrays_in(v)


class Watcher:
    """Weak references to each node backward visits, what the node kept from forward, and the
    gradients that flowed through it: everything a backward pass touches and should let go."""

    def __init__(self) -> None:
        self.nodes: list[weakref.ref] = []
        self.arrays: list[weakref.ref] = []
        self._ids: set[int] = set()

    def __call__(self, node, grad, input_grads) -> None:
        self.nodes.append(weakref.ref(node))
        for array in arrays_in([grad, input_grads, list(vars(node).values())]):
            if id(array) not in self._ids:  # an array may be met twice, e.g. Add passes one on
                self._ids.add(id(array))
                self.arrays.append(weakref.ref(array))

    def alive(self, held: list) -> list:
        """What is still alive, apart from the arrays in `held` (data the caller keeps) and the
        arrays they are views of."""
        held_ids = set()
        for array in arrays_in(held):
            while array is not None:
                held_ids.add(id(array))
                array = array.base
        return [r() for r in self.nodes + self.arrays if r() is not None and id(r()) not in held_ids]


def emptied_nodes(alive: list) -> bool:
    """Whether everything alive is a node of the graph that holds no array."""
    return all(
        isinstance(obj, am.Function) and not list(arrays_in([obj.saved_tensors, list(vars(obj).values())]))
        for obj in alive
    )


def watched_grad(outputs: list, inputs: list, retain_graph: bool = False) -> tuple[Watcher, tuple]:
    """The gradients of outputs (seeded with ones) with respect to inputs, watching every step."""
    watcher = Watcher()
    with engine.observe(watcher):
        seeds = [np.ones(o.shape) for o in outputs]
        found = am.grad(outputs, inputs, seeds, retain_graph=retain_graph, allow_unused=True)
    return watcher, found


def small_network(x: am.Tensor, w: am.Tensor, intermediates: list) -> am.Tensor:
    """A loss through many kinds of op; weak references to its intermediate tensors and their
    nodes go in the list."""
    steps = []
    h = x @ w
    steps.append(h)
    steps.append(h.tanh())
    steps.append(am.where(h > 0, steps[-1], h.relu()))
    steps.append(am.cat([steps[-1], h[:, [0, 0]]], dim=1))
    steps.append(steps[-1].softmax(1) * steps[-1].logsumexp(1, keepdim=True))
    steps.append(steps[-1].amax(0) - steps[-1].var(0))
    intermediates.extend(weakref.ref(obj) for t in steps for obj in (t, t.grad_fn))
    return F.mse_loss(steps[-1], np.zeros(steps[-1].shape)) + F.cross_entropy(h, np.array([0, 1, 1]))


def leaves() -> tuple[am.Tensor, am.Tensor]:
    am.manual_seed(0)
    return tuple(am.randn(*shape, dtype=np.float64, requires_grad=True) for shape in [(3, 2), (2, 4)])


def test_backward_frees_what_forward_saved_and_each_gradient_along_the_way():
    x, w = leaves()
    intermediates: list = []
    with no_cycle_collector():
        loss = small_network(x, w, intermediates)
        watcher, found = watched_grad([loss], [x, w])
        assert [r() for r in intermediates if isinstance(r(), am.Tensor)] == []
        # The loss keeps its graph's links (as in PyTorch), but no node keeps an array.
        assert emptied_nodes(watcher.alive([x, w, found, loss]))
        del loss
        assert watcher.alive([x, w, found]) == []


def test_a_graph_never_backpropagated_is_freed_with_its_output():
    """A loss computed with grad mode on and then dropped, as when logging a validation loss."""
    x, w = leaves()
    intermediates: list = []
    with no_cycle_collector():
        loss = small_network(x, w, intermediates)
        node = weakref.ref(loss.grad_fn)
        del loss
        assert node() is None
        assert [r() for r in intermediates if r() is not None] == []


def test_retain_graph_keeps_the_saved_arrays_until_the_output_is_dropped():
    x, w = leaves()
    with no_cycle_collector():
        loss = small_network(x, w, [])
        watcher, found = watched_grad([loss], [x, w], retain_graph=True)
        assert len(watcher.alive([x, w, found, loss])) > 10
        loss.backward()  # the retained graph runs again
        del loss
        assert watcher.alive([x, w, found, x.grad, w.grad]) == []


@given(graphs())
def test_random_graphs_free_everything_after_backward(graph):
    inputs = graph.inputs()
    with no_cycle_collector():
        outputs = list(graph(*inputs))
        watcher, found = watched_grad(outputs, inputs)
        assert emptied_nodes(watcher.alive([inputs, found, outputs]))
        del outputs
        assert watcher.alive([inputs, found]) == []


def test_second_derivatives_by_grad_leave_nothing_behind():
    x, w = leaves()
    with no_cycle_collector():
        watcher = Watcher()
        with engine.observe(watcher):
            loss = small_network(x, w, [])
            gx, gw = am.grad(loss, [x, w], create_graph=True)
            (gx * gx).sum().backward()  # d/dw of |d loss/dx|²: backward through the backward pass
        del loss, gx, gw
        assert watcher.alive([x, w, w.grad, x.grad]) == []


def test_backward_with_create_graph_links_a_leaf_to_its_own_gradient_as_in_pytorch():
    """x.grad is recorded from x itself, so x and x.grad form a cycle that only the cycle
    collector frees: clear .grad when done (autograd_mini.grad makes no such link)."""
    gc.collect()
    with no_cycle_collector():
        x = am.tensor([1.0, 2.0], requires_grad=True)
        (x**3).sum().backward(create_graph=True)
        node = weakref.ref(x.grad.grad_fn)
        del x
        assert node() is not None
        assert gc.collect() > 0
        assert node() is None

        x = am.tensor([1.0, 2.0], requires_grad=True)
        (x**3).sum().backward(create_graph=True)
        node = weakref.ref(x.grad.grad_fn)
        x.grad = None
        assert node() is None


def xor_training(make_optimizer):
    """One training step of a 2-8-1 network on XOR, as a function to call repeatedly."""
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = make_optimizer(model.parameters())
    x = am.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = am.tensor([[0.0], [1.0], [1.0], [0.0]])

    def step() -> float:
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
        lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
    ],
    ids=["SGD", "Adam", "RMSprop"],
)
def test_a_training_step_leaves_no_garbage_for_the_cycle_collector(make_optimizer):
    step = xor_training(make_optimizer)
    step()  # the first step makes the optimizer's state
    gc.collect()
    with no_cycle_collector():
        step()
        assert gc.collect() == 0


def test_ten_thousand_training_steps_keep_memory_flat():
    """Between step 1,000 and step 10,000 the memory in use grows by less than 64 KiB: nothing
    accumulates per step (with the cycle collector off, not even cycles). The loss falls."""
    step = xor_training(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9))
    tracemalloc.start()
    try:
        with no_cycle_collector():
            for i in range(10_000):
                loss = step()
                if i == 0:
                    first_loss = loss
                if i == 999:
                    early = tracemalloc.get_traced_memory()[0]
            growth = tracemalloc.get_traced_memory()[0] - early
    finally:
        tracemalloc.stop()
    assert growth < 64 * 1024, f"memory grew by {growth} bytes over 9,000 steps"
    assert loss < first_loss / 10
