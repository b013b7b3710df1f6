"""autograd_mini.viz: the DOT source is well formed and matches the graph, the text tree writes
each node once, draw() renders or says what to install, and trace() records backward's steps."""

import re
import shutil
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import autograd_mini.viz as viz
from autograd_mini import nn

# ---- helpers: an independent view of the graph, and a DOT checker -----------------------------


def graph_of(tensor):
    """(ops, leaves, consumers) of the graph behind tensor, found by following the nodes' parents.

    ops: the op nodes; leaves: the leaf tensors that take a gradient; consumers: node -> the
    nodes that used its result.
    """
    ops, leaves, consumers = [], [], {}
    root = tensor.grad_fn
    seen, stack = {root}, [root]
    while stack:
        vertex = stack.pop()
        if isinstance(vertex, am.Tensor):
            leaves.append(vertex)
            continue
        ops.append(vertex)
        for parent in vertex.parents:
            if parent is None:
                continue
            consumers.setdefault(parent, set()).add(vertex)
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return ops, leaves, consumers


def edge_count(ops):
    return sum(p is not None for op in ops for p in op.parents)


_QUOTED = r'"(?:[^"\\]|\\.)*"'
_ATTRIBUTE = re.compile(rf"\s*(\w+)=({_QUOTED}|[\w.#]+)\s*(,|$)")
_NODE = re.compile(r"^(n\d+) \[(.*)\];$")
_EDGE = re.compile(r"^(n\d+) -> (n\d+);$")


def parse_attributes(text):
    attributes, position = {}, 0
    while position < len(text):
        match = _ATTRIBUTE.match(text, position)
        assert match, f"malformed attribute list at {text[position:]!r}"
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value[1:-1])
        attributes[match.group(1)] = value
        position = match.end()
    return attributes


def parse_dot(source):
    """Check DOT source statement by statement; return ({node id: attributes}, [(tail, head)])."""
    lines = source.strip().splitlines()
    assert re.fullmatch(r"digraph \w+ \{", lines[0]), lines[0]
    assert lines[-1] == "}"
    nodes, edges = {}, []
    for line in (line.strip() for line in lines[1:-1]):
        if line.startswith("node ["):
            parse_attributes(line[len("node [") : -len("];")])
        elif match := _NODE.match(line):
            assert match.group(1) not in nodes, f"node {match.group(1)} declared twice"
            nodes[match.group(1)] = parse_attributes(match.group(2))
        elif match := _EDGE.match(line):
            edges.append(match.groups())
        else:
            raise AssertionError(f"not a DOT statement: {line!r}")
    for tail, head in edges:
        assert tail in nodes and head in nodes, f"edge {tail} -> {head} joins undeclared nodes"
    return nodes, edges


def xor_loss():
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    x = am.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = am.tensor([[0.0], [1.0], [1.0], [0.0]])
    return model, ((model(x) - y) ** 2).mean()


def op_lines(text):
    """The op names on the lines of a print_graph tree (references and leaves excluded)."""
    names = (re.sub(r"^[│├└─ ]*", "", line).split(" ")[0] for line in text.splitlines())
    return Counter(name for name in names if name[:1].isupper())


# ---- to_dot ---------------------------------------------------------------------------------------


def test_dot_has_a_node_per_op_and_leaf_and_an_edge_per_tensor_input():
    model, loss = xor_loss()
    params = dict(model.named_parameters())
    nodes, edges = parse_dot(viz.to_dot(loss, params))
    ops, leaves, _ = graph_of(loss)
    assert len(nodes) == len(ops) + len(leaves) == 7 + 4  # the data x and y take no gradient
    labels = [attributes["label"].split("\n") for attributes in nodes.values()]
    assert Counter(name for name, _ in labels) == Counter(
        {"Linear": 2, "Sigmoid": 2, "Sub": 1, "Pow": 1, "Mean": 1} | {name: 1 for name in params}
    )
    shape_of = {name: shape for name, shape in labels}
    for name, p in params.items():
        assert shape_of[name] == str(p.shape)
    assert len(edges) == edge_count(ops) == 10


def test_dot_marks_the_output_and_leaves_out_constants():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse_dot(viz.to_dot((x * am.tensor([3.0, 4.0])).sum()))
    assert [attributes["label"] for attributes in nodes.values()] == ["Sum\n()", "Mul\n(2,)", "leaf\n(2,)"]
    assert nodes["n0"]["penwidth"] == "2" and "penwidth" not in nodes["n1"]
    assert nodes["n2"]["shape"] == "ellipse" and nodes["n1"]["shape"] == "box"
    assert sorted(edges) == [("n1", "n0"), ("n2", "n1")]


def test_a_tensor_used_twice_is_one_node_with_two_edges():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse_dot(viz.to_dot(x * x))
    assert len(nodes) == 2
    assert edges == [("n1", "n0"), ("n1", "n0")]


def test_a_leaf_alone_is_one_node():
    nodes, edges = parse_dot(viz.to_dot(am.tensor(1.0, requires_grad=True)))
    assert [attributes["label"] for attributes in nodes.values()] == ["leaf\n()"] and edges == []
    nodes, _ = parse_dot(viz.to_dot(am.tensor([1, 2])))
    assert nodes["n0"]["label"] == "constant\n(2,)" and nodes["n0"]["style"] == "dashed"


def test_labels_with_quotes_and_backslashes_are_escaped():
    w = am.tensor([1.0], requires_grad=True)
    name = 'odd "name" \\ here'
    nodes, _ = parse_dot(viz.to_dot(w.sum(), {name: w}))
    assert nodes["n1"]["label"] == f"{name}\n(1,)"


def test_deep_chains_need_no_recursion():
    x = t = am.tensor([1.0], requires_grad=True)
    for _ in range(3000):
        t = t * 1.0
    nodes, edges = parse_dot(viz.to_dot(t))
    assert len(nodes) == 3001 and len(edges) == 3000
    assert viz.format_graph(t).count("Mul") == 3000
    del x


def test_the_graph_freed_by_backward_gives_a_clear_error():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="freed by backward.*retain_graph=True"):
        viz.to_dot(y)
    with pytest.raises(RuntimeError, match="print_graph: the graph through Mul was freed"):
        viz.print_graph(y)


def test_the_graph_kept_by_retain_graph_can_be_drawn_after_backward():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward(retain_graph=True)
    assert len(parse_dot(viz.to_dot(y))[0]) == 3


def test_non_tensors_are_refused():
    with pytest.raises(TypeError, match="to_dot: expected a Tensor, got ndarray"):
        viz.to_dot(np.ones(2))


# ---- draw -----------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_draw_renders_svg(tmp_path):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    model, loss = xor_loss()
    path = viz.draw(loss, tmp_path / "graph.svg", dict(model.named_parameters()))
    text = open(path, encoding="utf-8").read()
    assert "<svg" in text and "0.weight" in text


def test_draw_without_the_graphviz_package_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    x = am.tensor([1.0], requires_grad=True)
    with pytest.raises(viz.MissingGraphvizError, match="pip install graphviz") as error:
        viz.draw(x.sum(), tmp_path / "graph.png")
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert not (tmp_path / "graph.png").exists()


def test_draw_without_the_dot_program_says_what_to_install(tmp_path, monkeypatch):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here
    x = am.tensor([1.0], requires_grad=True)
    with pytest.raises(viz.MissingGraphvizError, match="'dot' program.*graphviz.org"):
        viz.draw(x.sum(), tmp_path / "graph.svg")


def test_draw_needs_a_known_suffix(tmp_path):
    x = am.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"end the path in \.svg, \.png or \.pdf"):
        viz.draw(x.sum(), tmp_path / "graph.gif")


# ---- print_graph ----------------------------------------------------------------------------------


def test_print_graph_writes_the_tree_with_parameter_names(capsys):
    model, loss = xor_loss()
    viz.print_graph(loss, dict(model.named_parameters()))
    assert capsys.readouterr().out == (
        "Mean ()\n"
        "└── Pow (4, 1)\n"
        "    └── Sub (4, 1)\n"
        "        └── Sigmoid (4, 1)\n"
        "            └── Linear (4, 1)\n"
        "                ├── Sigmoid (4, 4)\n"
        "                │   └── Linear (4, 4)\n"
        "                │       ├── 0.weight (4, 2)\n"
        "                │       └── 0.bias (4,)\n"
        "                ├── 2.weight (1, 4)\n"
        "                └── 2.bias (1,)\n"
    )


def test_print_graph_writes_a_shared_subgraph_once_and_refers_to_it():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    square = x * x
    text = viz.format_graph((square + square * x).sum())
    assert text == (
        "Sum ()\n"
        "└── Add (3,)\n"
        "    ├── Mul (3,) [#1]\n"
        "    │   ├── leaf (3,) [#2]\n"
        "    │   └── #2 (see above)\n"
        "    └── Mul (3,)\n"
        "        ├── #1 (see above)\n"
        "        └── #2 (see above)"
    )


# ---- trace ----------------------------------------------------------------------------------------


def test_trace_records_shapes_before_the_engine_sums_broadcasts_back():
    x = am.tensor(np.ones((2, 3)))
    b = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with viz.trace(norms=True) as t:
        (x + b).sum().backward()
    assert [s.op for s in t.steps] == ["Sum", "Add"]
    add = t.steps[1]
    assert add.input_shapes == (None, (3,))  # x takes no gradient, so the graph keeps no trace of it
    assert add.grad_shape == (2, 3)
    assert add.input_grad_shapes == (None, (2, 3))  # x needs no gradient; b's is summed later
    assert b.grad.shape == (3,)
    assert add.grad_norm == pytest.approx(np.sqrt(6))
    assert add.input_grad_norms[0] is None and add.input_grad_norms[1] == pytest.approx(np.sqrt(6))
    assert str(t).splitlines() == [
        "step  op   input shapes  grad shape  input grad shapes  grad norm  input grad norms",
        "   1  Sum  (2, 3)        ()          (2, 3)             1          2.449",
        "   2  Add  -, (3,)       (2, 3)      -, (2, 3)          2.449      -, 2.449",
    ]


def test_trace_of_a_model_lists_each_op_once_with_its_shapes():
    model, loss = xor_loss()
    with viz.trace() as t:
        loss.backward()
    assert [s.op for s in t] == ["Mean", "Pow", "Sub", "Sigmoid", "Linear", "Sigmoid", "Linear"]
    first_linear = t.steps[-1]
    assert first_linear.input_shapes == (None, (4, 2), (4,))
    assert first_linear.grad_shape == (4, 4)
    assert first_linear.input_grad_shapes == (None, (4, 2), (4,))  # x is data: no gradient
    assert first_linear.grad_norm is None and first_linear.input_grad_norms is None
    assert len(t) == 7 and repr(t) == "<Trace of 7 backward steps>"


def test_trace_stops_recording_when_the_block_ends():
    x = am.tensor([1.0], requires_grad=True)
    with viz.trace() as t:
        pass
    (x * 2).sum().backward()
    assert t.steps == [] and str(t).endswith("(no backward steps)")


def test_trace_works_under_create_graph():
    x = am.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    with viz.trace(norms=True) as t:
        (g,) = am.grad((x**3).sum(), x, create_graph=True)
    assert [s.op for s in t] == ["Sum", "Pow"]
    assert t.steps[1].input_grad_norms[0] == pytest.approx(np.linalg.norm(3 * x._array**2))
    np.testing.assert_allclose(g._array, 3 * x._array**2)


# ---- random graphs: DOT, text and trace agree with the graph --------------------------------------

UNARY = {"tanh": lambda a: a.tanh(), "sigmoid": lambda a: a.sigmoid(), "neg": lambda a: -a,
         "half": lambda a: a * 0.5, "sum0": lambda a: a.sum(0, keepdim=True)}
BINARY = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b}


@st.composite
def programs(draw):
    """A list of (op name, operand positions) steps over a growing pool of tensors."""
    steps, pool = [], 2
    for _ in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(sorted(UNARY) + sorted(BINARY)))
        arity = 1 if name in UNARY else 2
        steps.append((name, [draw(st.integers(0, pool - 1)) for _ in range(arity)]))
        pool += 1
    return steps


@given(programs())
def test_random_graphs_agree_with_dot_text_and_trace(program):
    pool = [am.tensor(np.full((2, 3), 0.5), requires_grad=True)]
    pool.append(am.tensor([0.1, 0.2, 0.3], requires_grad=True))  # broadcasts against the first
    for name, operands in program:
        op = UNARY.get(name) or BINARY[name]
        pool.append(op(*(pool[i] for i in operands)))
    total = pool[0].sum()
    for t in pool[1:]:
        total = total + t.sum()
    expected_ops = len(program) + 2 * len(pool) - 1  # each step, a sum per tensor, the additions
    ops, leaves, consumers = graph_of(total)
    assert len(ops) == expected_ops and len(leaves) == 2

    nodes, edges = parse_dot(viz.to_dot(total))
    assert len(nodes) == expected_ops + 2
    assert len(edges) == edge_count(ops)
    assert op_lines(viz.format_graph(total)) == Counter(type(op).__name__ for op in ops)

    with viz.trace() as t:
        total.backward()
    assert Counter(s.node for s in t) == Counter(ops)  # every op, each once
    position = {s.node: i for i, s in enumerate(t)}
    for vertex, users in consumers.items():  # a node runs after every node that used its result
        if not isinstance(vertex, am.Tensor):  # leaves take no backward step
            assert all(position[user] < position[vertex] for user in users)
