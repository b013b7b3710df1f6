"""In-place steps of a drawn graph (see `autograd_mini.testing.graphs`): each changes a fresh
clone of an earlier value, or (inplace="any") the earlier value itself."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st

from autograd_mini.testing.graph_steps import (
    GRID,
    Change,
    Pool,
    Value,
    broadcasts,
    draw_index,
    index_code,
)

IN_PLACE_FORMS = [
    "{t}.add_({a})", "{t}.add_({a}, alpha={c})", "{t}.sub_({a})", "{t}.sub_({a}, alpha={c})",
    "{t}.mul_({a})", "{t}.div_({a} * {a} + 1)", "{t} += {a}", "{t} -= {a}", "{t} *= {a}",
    "{t} /= {a} * {a} + 1", "{t}.copy_({a})",
]
IN_PLACE_NUMBER_FORMS = [
    "{t}.add_({c})", "{t}.sub_({c})", "{t}.mul_({c})", "{t}.div_({c})", "{t} += {c}", "{t} -= {c}",
    "{t} *= {c}", "{t} /= {c}", "{t}.pow_(2)", "{t} **= 3", "{t}.exp_()", "{t}.tanh_()",
    "{t}.sigmoid_()", "{t}.fill_({c})", "{t}.zero_()",
]
CHANGE_KINDS = ["operand", "number", "positive", "kinked", "fill", "masked_fill", "setitem"]


def change(draw: st.DrawFn, pool: Pool) -> Change | None:
    """An in-place change: arithmetic with a value or a number, pow_, exp_/tanh_/sigmoid_,
    relu_/clamp_ off their kinks, fill_/zero_/copy_, masked_fill_ and item assignment."""
    direct = pool.inplace == "any" and draw(st.booleans())
    if direct:  # an earlier value: not an input, not a view, nor viewed (PyTorch replays views)
        options = [v for v in pool.values if not v.name.startswith("x") and v.name not in pool.shared]
        if not options:
            return None
        t = draw(st.sampled_from(options))
    else:
        t = pool.pick()

    def fitting(shape: tuple[int, ...]) -> Callable[[Value], bool]:  # broadcasts to shape; not t itself
        return lambda v: v.name != t.name and _broadcasts_to(v.shape, shape)

    kind = draw(st.sampled_from(CHANGE_KINDS))
    c = pool.number()
    if kind == "operand":
        a = pool.pick(fitting(t.shape))
        if a is None:
            return None
        statement = draw(st.sampled_from(IN_PLACE_FORMS)).format(t="{t}", a=a.name, c=c)
    elif kind == "number":
        statement = draw(st.sampled_from(IN_PLACE_NUMBER_FORMS)).format(t="{t}", c=c)
    elif kind == "positive":  # real powers of values clear of 0
        if not pool.corners and not np.all(t.data > 0.5):
            return None
        a = pool.pick(fitting(t.shape)) if draw(st.booleans()) else None
        statement = "{t}.pow_(" + (f"{c}" if a is None else a.name) + ")"
    elif kind == "kinked":
        low, high = sorted([draw(GRID), draw(GRID)])
        kinds = {
            "{t}.relu_()": [0],
            f"{{t}}.clamp_({low}, {high})": [low, high],
            f"{{t}}.clamp_(min={low})": [low],
            f"{{t}}.clamp_(max={high})": [high],
        }
        statement = draw(st.sampled_from(list(kinds)))
        if not pool.clear_of(t.data, *kinds[statement]):
            return None
    elif kind == "fill":  # with a 0-d tensor, which gets the gradient of every element
        a = pool.pick(lambda v: v.name != t.name)
        if a is None:
            return None
        statement = f"{{t}}.fill_({a.name}.sum())"
    elif kind == "masked_fill":
        m = pool.pick(fitting(t.shape))
        if m is None:
            return None
        threshold = draw(GRID)
        if not pool.clear_of(m.data, threshold):
            return None
        a = pool.pick(lambda v: v.name != t.name) if draw(st.booleans()) else None
        value = f"{c}" if a is None else f"{a.name}.sum()"
        statement = f"{{t}}.masked_fill_({m.name} > {threshold}, {value})"
    else:
        statement = _setitem(draw, pool, t)
        if statement is None:
            return None
    return Change(t, statement, fresh=not direct)


def _setitem(draw: st.DrawFn, pool: Pool, t: Value) -> str | None:
    """{t}[index] = value: a number, a value broadcast to the selection, or a 0-d sum, with no
    element written twice (what then lands there is up to the library)."""
    index = draw_index(draw, pool, t.shape)
    if index is None:
        return None
    positions = np.arange(t.data.size).reshape(t.shape)[index]
    if positions.size == 0 or np.unique(positions).size != positions.size:
        return None
    kind = draw(st.sampled_from(["number", "value", "sum"]))
    if kind == "number":
        value = pool.number()
    else:
        fits = (lambda v: _broadcasts_to(v.shape, positions.shape)) if kind == "value" else (lambda v: True)
        a = pool.pick(lambda v: v.name != t.name and fits(v))
        if a is None:
            return None
        value = a.name if kind == "value" else f"{a.name}.sum()"
    return f"{{t}}[{index_code(index, pool.portable)}] = {value}"


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of shape broadcasts to target without growing it."""
    return broadcasts(shape, target) and np.broadcast_shapes(shape, target) == target

