"""Embedding lookup: rows of a table picked by integer indices, and its gradient, which adds
each picked row's gradient back into a table of zeros.

The two are each other's backward, so embeddings can be differentiated twice. The argument
checks (index range, dtype, padding_idx) live in `autograd_mini.nn.functional_norm`.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function

# A round of scatter_rows (one fancy-indexed add) costs about as much as reducing this many
# runs of repeated indices with np.add.reduceat.
RUNS_PER_ROUND = 32


def scatter_rows(rows: np.ndarray, indices: np.ndarray, num_rows: int) -> np.ndarray:
    """A (num_rows, D) table of zeros with each of rows (n, D) added at its index (n,); an index
    that repeats adds up, as np.add.at(table, indices, rows) would.

    np.add.at is slow (about 3 ms for 2,048 rows of 64). Sorting the indices instead lines the
    repeats of each index up in one run. Few runs (a small table, many repeats) are summed by
    np.add.reduceat, at about 1 µs a run; many short runs (a large table, indices mostly
    distinct) go in rounds instead, the k-th repeat of every index in round k, each round a
    plain fancy-indexed add, which is right because no index repeats within it.
    """
    table = np.zeros((num_rows, rows.shape[1]), dtype=rows.dtype)
    n = indices.size
    if n == 0:
        return table
    order = np.argsort(indices, kind="stable")
    ordered, rows = indices[order], np.take(rows, order, axis=0)
    run_starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    run_lengths = np.diff(run_starts, append=n)
    rounds = int(run_lengths.max())
    if rounds * RUNS_PER_ROUND < run_starts.size:
        table[ordered[run_starts]] = rows[run_starts]  # round 0: each index's first row
        rank = np.arange(n) - np.repeat(run_starts, run_lengths)  # each row's place in its run
        for k in range(1, rounds):
            in_round = rank == k
            table[ordered[in_round]] += rows[in_round]
    else:
        table[ordered[run_starts]] = np.add.reduceat(rows, run_starts, axis=0)
    return table


def table_gradient(grad, indices: np.ndarray, num_rows: int, row_scale: np.ndarray | None):
    """The gradient of the table from that of the looked-up rows `(*indices.shape, D)`, for an
    array or (recorded) a Tensor."""
    if not isinstance(grad, np.ndarray):
        return EmbeddingTable.apply(grad, indices=indices, num_rows=num_rows, row_scale=row_scale)
    rows = grad.reshape(indices.size, grad.shape[-1])
    if row_scale is not None:
        rows = rows * row_scale
    return scatter_rows(rows, indices.reshape(-1), num_rows)


def looked_up(table, indices: np.ndarray, row_scale: np.ndarray | None):
    """The rows of table (num_rows, D) at indices, shape `(*indices.shape, D)`, scaled by row_scale."""
    rows = table[indices.reshape(-1)]
    if row_scale is not None:
        rows = rows * row_scale
    return rows.reshape(indices.shape + (table.shape[1],))


class Embedding(Function):
    """`weight[indices]`: rows of weight (num_embeddings, D) for integer indices of any shape,
    giving `(*indices.shape, D)`.

    row_scale (indices.size, 1), if given, scales the gradient each looked-up row passes back:
    0 where the index is padding_idx, 1/count with scale_grad_by_freq.
    """

    @staticmethod
    def forward(ctx, weight, *, indices, row_scale=None):
        ctx.indices, ctx.num_rows, ctx.row_scale = indices, weight.shape[0], row_scale
        return np.take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx, grad):
        return table_gradient(grad, ctx.indices, ctx.num_rows, ctx.row_scale)


class EmbeddingTable(Function):
    """Embedding's backward as an op: the rows' gradient `(*indices.shape, D)` added into a
    (num_rows, D) table at their indices. Its own gradient is a lookup again."""

    @staticmethod
    def forward(ctx, grad, *, indices, num_rows, row_scale):
        ctx.indices, ctx.row_scale = indices, row_scale
        return table_gradient(grad, indices, num_rows, row_scale)

    @staticmethod
    def backward(ctx, grad):
        return looked_up(grad, ctx.indices, ctx.row_scale)
