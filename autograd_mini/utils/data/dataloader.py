"""DataLoader: batches from a dataset, by a sampler, collated, optionally read by worker threads.

With num_workers > 0 the batches are fetched by a pool of threads (see docs/data.md for why
threads rather than processes): up to prefetch_factor * num_workers batches are in flight, and
they come out in the sampler's order, the same batches as with num_workers=0.
"""

from __future__ import annotations

import collections
import itertools
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from autograd_mini.random import Generator, numpy_generator
from autograd_mini.utils.data.collate import default_collate, default_convert
from autograd_mini.utils.data.dataset import Dataset, IterableDataset
from autograd_mini.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from autograd_mini.utils.data.workers import WorkerError, WorkerInfo, get_worker_info, set_worker_info


class DataLoader:
    """Iterates over dataset in batches: `for x, y in DataLoader(ds, batch_size=32, shuffle=True)`.

    batch_size=None yields single samples (converted by default_convert). shuffle=True draws a new
    order each epoch from generator (or the default generator, which am.manual_seed seeds).
    pin_memory is accepted and ignored: everything lives on the CPU.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 generator: Generator | None = None, prefetch_factor: int | None = None,
                 persistent_workers: bool = False) -> None:
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        self.dataset, self.num_workers, self.pin_memory = dataset, num_workers, pin_memory
        self.timeout, self.worker_init_fn, self.generator = timeout, worker_init_fn, generator
        self.persistent_workers = persistent_workers
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers > 0 else prefetch_factor
        self._iterable = isinstance(dataset, IterableDataset)
        _check_sampling_options(self._iterable, batch_size, shuffle, sampler, batch_sampler, drop_last)
        if batch_sampler is not None:
            batch_size, drop_last = None, False  # the batch sampler makes the batches
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        auto_batching = batch_sampler is not None or (self._iterable and batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if auto_batching else default_convert)
        self._auto_batching = auto_batching

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self._auto_batching else self.sampler)

    def _index_groups(self) -> Iterator:
        """What one fetch reads: a list of indices per batch, or one index when batching is off."""
        return iter(self.batch_sampler if self._auto_batching else self.sampler)

    def _fetch(self, group) -> Any:
        if self._auto_batching:
            return self.collate_fn([self.dataset[i] for i in group])
        return self.collate_fn(self.dataset[group])

    def _stream_groups(self) -> Iterator:
        """An IterableDataset's samples, in chunks of batch_size (single samples when batching is off)."""
        stream = iter(self.dataset)
        if not self._auto_batching:
            yield from ([sample] for sample in stream)
            return
        while chunk := list(itertools.islice(stream, self.batch_size)):
            if len(chunk) < self.batch_size and self.drop_last:
                return
            yield chunk

    def _collate_chunk(self, chunk: list) -> Any:
        return self.collate_fn(chunk) if self._auto_batching else self.collate_fn(chunk[0])

    def __iter__(self) -> Iterator:
        # Each pass draws the workers' base seed first, with or without workers, so that the
        # sampler's draws after it, and so the batches, do not depend on num_workers.
        base_seed = int(numpy_generator(self.generator).integers(0, 2**63 - 1))
        if self._iterable:
            groups, work = self._stream_groups(), self._collate_chunk
        else:
            groups, work = self._index_groups(), self._fetch
        if self.num_workers == 0:
            return map(work, groups)
        return _ThreadedIterator(self, groups, work, base_seed)


def _check_sampling_options(iterable, batch_size, shuffle, sampler, batch_sampler, drop_last) -> None:
    """PyTorch's errors for options that exclude each other."""
    if iterable:
        for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
            if value not in (None, False):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified {name} option, "
                    f"but got {name}={value}"
                )
    elif sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
        raise ValueError(
            "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
        )
    if batch_sampler is None and batch_size is None and drop_last:
        raise ValueError(
            "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
        )


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers) -> None:
    if num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
        )
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable "
            "multiprocessing, otherwise set prefetch_factor to None."
        )
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


class _ThreadedIterator:
    """Batches fetched by num_workers threads, at most prefetch_factor * num_workers ahead, in order."""

    def __init__(self, loader: DataLoader, groups: Iterator, work: Callable, base_seed: int) -> None:
        self._groups, self._work, self._timeout = groups, work, loader.timeout or None
        ids, lock = itertools.count(), threading.Lock()

        def start_worker() -> None:
            with lock:
                worker_id = next(ids)
            set_worker_info(WorkerInfo(worker_id, loader.num_workers, base_seed + worker_id, loader.dataset))
            if loader.worker_init_fn is not None:
                loader.worker_init_fn(worker_id)

        self._pool = ThreadPoolExecutor(loader.num_workers, "DataLoader-worker", initializer=start_worker)
        self._pending: collections.deque = collections.deque()
        for _ in range(max(1, loader.prefetch_factor * loader.num_workers)):
            self._submit_next()

    def _submit_next(self) -> None:
        group = next(self._groups, _DONE)
        if group is not _DONE:
            self._pending.append(self._pool.submit(_guarded, self._work, group))

    def __iter__(self) -> _ThreadedIterator:
        return self

    def __next__(self) -> Any:
        if not self._pending:
            self.close()
            raise StopIteration
        future = self._pending.popleft()
        try:
            result = future.result(timeout=self._timeout)
        except FutureTimeout:
            self.close()
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
        if isinstance(result, WorkerError):
            self.close()
            result.reraise()
        self._submit_next()
        return result

    def close(self) -> None:
        """Cancels what has not started, waits for what has, and ends the threads."""
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __del__(self) -> None:
        if hasattr(self, "_pool"):  # not when __init__ failed
            self.close()


_DONE = object()


def _guarded(work: Callable, group) -> Any:
    """work(group), or the exception it raised, wrapped with this worker's id and traceback."""
    try:
        return work(group)
    except Exception as exc:
        return WorkerError(exc, get_worker_info().id)
