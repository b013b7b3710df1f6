"""autograd_mini.utils.data: datasets, samplers, default_collate and the DataLoader, with and
without worker threads; the tests marked torch compare with torch.utils.data."""

import collections
import threading
import time

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

Point = collections.namedtuple("Point", "x y")


def xy(n=10):
    return TensorDataset(am.arange(2.0 * n).reshape(n, 2), am.arange(n))


def as_lists(batches):
    """Batches (lists/tuples of tensors) as nested Python lists, to compare runs."""
    return [[t.tolist() for t in batch] for batch in batches]


class Squares(Dataset):
    def __init__(self, n=20, delay=0.0):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.delay:
            time.sleep(self.delay * ((i * 7) % 3))  # uneven, so workers finish out of order
        return am.tensor(float(i * i)), i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


# ---- datasets ----------------------------------------------------------------------------------------


def test_tensor_dataset_indexes_and_slices():
    ds = xy(6)
    assert len(ds) == 6
    x, y = ds[2]
    assert x.tolist() == [4.0, 5.0] and y.item() == 2
    xs, ys = ds[2:5]
    assert xs.shape == (3, 2) and ys.tolist() == [2, 3, 4]


def test_tensor_dataset_names_mismatched_sizes():
    with pytest.raises(ValueError, match=r"\[3, 2\]"):
        TensorDataset(am.zeros(3), am.zeros(2))


def test_subset_concat_and_add():
    ds = xy(5)
    sub = Subset(ds, [4, 0])
    assert len(sub) == 2 and sub[0][1].item() == 4
    both = ds + sub
    assert isinstance(both, ConcatDataset) and len(both) == 7
    assert [both[i][1].item() for i in range(7)] == [0, 1, 2, 3, 4, 4, 0]
    assert both[-1][1].item() == 0
    with pytest.raises(IndexError):
        both[7]


def test_random_split_counts_fractions_and_seed():
    ds = xy(10)
    parts = random_split(ds, [0.33, 0.33, 0.34])
    assert [len(p) for p in parts] == [4, 3, 3]  # floor gives 3, 3, 3; the one left goes round-robin
    assert sorted(i for p in parts for i in p.indices) == list(range(10))
    assert [len(p) for p in random_split(range(7), [3, 4])] == [3, 4]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 4])
    am.manual_seed(3)
    first = random_split(ds, [0.5, 0.5])[0].indices
    am.manual_seed(3)
    assert random_split(ds, [0.5, 0.5])[0].indices == first
    g = am.Generator().manual_seed(1)
    assert random_split(ds, [5, 5], generator=g)[0].indices == random_split(
        ds, [5, 5], generator=am.Generator().manual_seed(1))[0].indices


# ---- samplers ------------------------------------------------------------------------------------------


def test_sequential_and_batch_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(7), 0, False)


def test_random_samplers_are_seeded_and_cover_their_indices():
    g = am.Generator().manual_seed(0)
    first, second = list(RandomSampler(range(8), generator=g)), list(RandomSampler(range(8), generator=g))
    assert sorted(first) == list(range(8)) and first != second  # a new order on each pass
    assert first == list(RandomSampler(range(8), generator=am.Generator().manual_seed(0)))
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=g))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    assert sorted(RandomSampler(range(3), num_samples=7)) == [0, 0, 0, 1, 1, 2, 2]
    assert len(RandomSampler(range(3), num_samples=7)) == 7
    assert sorted(SubsetRandomSampler([5, 7, 9], generator=g)) == [5, 7, 9]
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)


def test_weighted_sampler_follows_its_weights():
    drawn = list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=am.Generator().manual_seed(0)))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0 and 2.6 < counts[2] / counts[1] < 3.4
    once = list(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(once) == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="5 samples from 4"):
        WeightedRandomSampler([1, 1, 1, 1], 5, replacement=False)


# ---- collate --------------------------------------------------------------------------------------------


def test_collate_numbers_arrays_and_tensors():
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([1.0, 2.5]).dtype == np.float64
    assert default_collate([True, False]).tolist() == [True, False]
    arrays = default_collate([np.ones(3, np.float32), np.zeros(3, np.float32)])
    assert isinstance(arrays, am.Tensor) and arrays.shape == (2, 3) and arrays.dtype == np.float32
    assert default_collate([am.ones(2, 3), am.zeros(2, 3)]).shape == (2, 2, 3)
    assert default_collate(["a", "b"]) == ["a", "b"]


def test_collate_structures_field_by_field():
    x, y = default_collate([(am.ones(2), 0), (am.zeros(2), 1)])
    assert x.shape == (2, 2) and y.tolist() == [0, 1]
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(p) is Point and p.x.tolist() == [1, 3] and p.y.dtype == np.float64
    d = default_collate([{"a": 1, "b": {"c": "x"}}, {"a": 2, "b": {"c": "y"}}])
    assert d["a"].tolist() == [1, 2] and d["b"] == {"c": ["x", "y"]}
    nested = default_collate([[am.ones(1), [1, 2]], [am.ones(1), [3, 4]]])
    assert nested[0].shape == (2, 1) and [t.tolist() for t in nested[1]] == [[1, 3], [2, 4]]


def test_collate_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"equal size, but got \[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([am.zeros(2), am.zeros(3)])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object()])


def test_default_convert_makes_arrays_tensors():
    out = default_convert({"a": np.ones(2), "b": (np.zeros(1), "s")})
    assert isinstance(out["a"], am.Tensor) and isinstance(out["b"][0], am.Tensor) and out["b"][1] == "s"


# ---- the loader ------------------------------------------------------------------------------------------


def test_loader_batches_and_attributes():
    ds = xy(10)
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3 and loader.dataset is ds and loader.batch_size == 4
    assert isinstance(loader.sampler, SequentialSampler) and isinstance(loader.batch_sampler, BatchSampler)
    batches = list(loader)
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 2)
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    assert [b[1].tolist() for b in DataLoader(ds, batch_size=4, drop_last=True)][-1] == [4, 5, 6, 7]


def test_loader_without_batching_and_with_a_batch_sampler():
    singles = list(DataLoader(xy(3), batch_size=None))
    assert len(singles) == 3 and singles[1][0].shape == (2,)
    loader = DataLoader(xy(6), batch_sampler=[[5, 0], [1]])
    assert [b[1].tolist() for b in loader] == [[5, 0], [1]] and loader.batch_size is None
    custom = DataLoader(range(5), batch_size=2, collate_fn=sum)
    assert list(custom) == [1, 5, 4]


def test_shuffling_is_new_each_epoch_and_reproducible():
    loader = DataLoader(range(12), batch_size=4, shuffle=True)
    am.manual_seed(0)
    first, second = [b.tolist() for b in loader], [b.tolist() for b in loader]
    assert first != second and sorted(sum(first, [])) == list(range(12))
    am.manual_seed(0)
    assert [b.tolist() for b in loader] == first
    seeded = [[b.tolist() for b in DataLoader(range(12), batch_size=4, shuffle=True,
                                               generator=am.Generator().manual_seed(5))] for _ in range(2)]
    assert seeded[0] == seeded[1]


def test_iterable_dataset_batches_in_chunks():
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert list(DataLoader(Stream(2), batch_size=None)) == [0, 1]
    assert [b.tolist() for b in DataLoader(Stream(5), batch_size=2, num_workers=2)] == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("kwargs, message", [
    ({"sampler": [0], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
])
def test_conflicting_options_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(xy(4), **kwargs)


@pytest.mark.parametrize("option", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_iterable_dataset_refuses_samplers(option):
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
        DataLoader(Stream(3), **option)


def test_pin_memory_is_accepted():
    assert [b.tolist() for b in DataLoader(range(3), batch_size=2, pin_memory=True)] == [[0, 1], [2]]


# ---- worker threads ---------------------------------------------------------------------------------------


def worker_threads():
    return [t for t in threading.enumerate() if t.name.startswith("DataLoader-worker")]


@pytest.mark.parametrize("num_workers, prefetch", [(1, None), (2, None), (3, 1), (4, 3)])
def test_workers_give_the_same_batches_in_the_same_order(num_workers, prefetch):
    ds = Squares(20, delay=0.002)
    expected = as_lists(DataLoader(ds, batch_size=3))
    got = as_lists(DataLoader(ds, batch_size=3, num_workers=num_workers, prefetch_factor=prefetch))
    assert got == expected
    am.manual_seed(1)
    shuffled = as_lists(DataLoader(ds, batch_size=3, shuffle=True))
    am.manual_seed(1)
    assert as_lists(DataLoader(ds, batch_size=3, shuffle=True, num_workers=num_workers)) == shuffled


def test_worker_info_and_init_fn():
    seen, started = [], []

    class Probe(Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            info = get_worker_info()
            seen.append((info.id, info.num_workers, info.seed - info.id, info.dataset is self))
            return i

    ds = Probe()
    assert [b.tolist() for b in DataLoader(ds, batch_size=2, num_workers=3, worker_init_fn=started.append,
                                           persistent_workers=True)] == [[0, 1], [2, 3], [4, 5], [6, 7],
                                                                         [8, 9], [10, 11]]
    assert sorted(started) == [0, 1, 2]  # once per worker
    assert {s[0] for s in seen} <= {0, 1, 2} and {s[1:] for s in seen} == {(3, seen[0][2], True)}
    assert get_worker_info() is None


def test_worker_error_carries_its_type_and_traceback():
    class Broken(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 5:
                raise KeyError(f"no sample {i}")
            return i

    with pytest.raises(KeyError) as caught:
        list(DataLoader(Broken(), batch_size=2, num_workers=2))
    message = str(caught.value)
    assert message.startswith("Caught KeyError in DataLoader worker process")
    assert "\n  File " in message and message.rstrip().endswith("KeyError: 'no sample 5'")
    assert "Original Traceback" in message and "no sample 5" in message and "__getitem__" in message
    time.sleep(0.05)
    assert worker_threads() == []


def test_leaving_the_loop_early_ends_the_workers():
    loader = DataLoader(Squares(200, delay=0.001), batch_size=2, num_workers=3)
    for i, _ in enumerate(loader):
        assert worker_threads()
        if i == 2:
            break
    time.sleep(0.05)
    assert worker_threads() == []
    it = iter(loader)
    next(it)
    it.close()
    assert worker_threads() == []


def test_timeout_raises():
    with pytest.raises(RuntimeError, match="timed out"):
        list(DataLoader(Squares(4, delay=0.2), batch_size=1, num_workers=1, timeout=0.05))


# ---- against torch.utils.data ----------------------------------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="needs torch: pip install torch")


@pytest.mark.torch
@pytest.mark.parametrize("samples", [
    [1, 2], [1.0, 2.0], [True, False], ["a", "b"],
    [(1, 2.0), (3, 4.0)], [Point(1, 2.5), Point(3, 4.5)],
    [{"a": 1, "b": [1.0, 2.0]}, {"a": 3, "b": [3.0, 4.0]}],
    [np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)], [np.int32(1), np.int32(2)],
])
def test_collate_matches_torch(torch, samples):
    from torch.utils.data import default_collate as torch_collate

    def describe(batch):
        if hasattr(batch, "shape"):
            return ("tensor", tuple(batch.shape), str(batch.dtype).removeprefix("torch."), batch.tolist())
        if isinstance(batch, dict):
            return {k: describe(v) for k, v in batch.items()}
        if isinstance(batch, (list, tuple)):
            return (type(batch).__name__, [describe(b) for b in batch])
        return batch

    assert describe(default_collate(samples)) == describe(torch_collate(samples))


@pytest.mark.torch
def test_tensor_collate_matches_torch(torch):
    from torch.utils.data import default_collate as torch_collate

    ours = default_collate([am.ones(2, 3), am.zeros(2, 3)])
    theirs = torch_collate([torch.ones(2, 3), torch.zeros(2, 3)])
    assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()
    with pytest.raises(RuntimeError) as ours_error:
        default_collate([am.zeros(2), am.zeros(3)])
    with pytest.raises(RuntimeError) as theirs_error:
        torch_collate([torch.zeros(2), torch.zeros(3)])
    assert str(ours_error.value) == str(theirs_error.value)


@pytest.mark.torch
@pytest.mark.parametrize(
    "n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (1, 4, True)]
)
def test_samplers_and_loader_lengths_match_torch(torch, n, batch_size, drop_last):
    from torch.utils import data as td

    assert list(SequentialSampler(range(n))) == list(td.SequentialSampler(range(n)))
    ours = BatchSampler(range(n), batch_size, drop_last)
    theirs = td.BatchSampler(range(n), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert len(DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)) == len(
        td.DataLoader(range(n), batch_size=batch_size, drop_last=drop_last))
    assert len(DataLoader(Stream(n), batch_size=batch_size, drop_last=drop_last)) == len(
        td.DataLoader(TorchStream(torch, n), batch_size=batch_size, drop_last=drop_last))
    ours = [b.tolist() for b in DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)]
    assert ours == [b.tolist() for b in td.DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)]


def TorchStream(torch, n):
    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

        def __len__(self):
            return n

    return TorchStream()


@pytest.mark.torch
@pytest.mark.parametrize("n, lengths", [
    (10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7]), (5, [2, 3]), (3, [0.1, 0.9]),
])
def test_random_split_lengths_match_torch(torch, n, lengths):
    from torch.utils.data import random_split as torch_split

    theirs = [len(p) for p in torch_split(range(n), lengths)]
    assert [len(p) for p in random_split(range(n), lengths)] == theirs


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", [
    {"sampler": [0], "shuffle": True}, {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True}, {"batch_size": None, "drop_last": True},
    {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2}, {"persistent_workers": True},
])
def test_conflicting_options_fail_as_in_torch(torch, kwargs):
    with pytest.raises(ValueError) as ours:
        DataLoader(range(4), **kwargs)
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(range(4), **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.torch
@pytest.mark.parametrize("option", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_iterable_dataset_errors_match_torch(torch, option):
    with pytest.raises(ValueError) as ours:
        DataLoader(Stream(3), **option)
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(TorchStream(torch, 3), **option)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.torch
def test_worker_error_type_matches_torch_message_start(torch):
    class Broken(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise ValueError("bad")

    start = r"^Caught ValueError in DataLoader worker process 0\.\nOriginal Traceback"
    with pytest.raises(ValueError, match=start):
        list(DataLoader(Broken(), num_workers=1))
