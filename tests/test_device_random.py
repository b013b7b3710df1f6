"""Devices and random generators: CPU-only code written device-agnostically, and seeded draws.

The first part checks behaviour: equal seeds give equal draws, a Generator is independent of
the default one, every drawing function gives the shapes, dtypes and ranges it promises (and
the right distribution, on large samples with loose bounds), and bad arguments fail clearly.
The tests marked `torch` hold the answers that must agree with PyTorch against PyTorch itself
(`pytest -m torch`): dtypes and shapes of every creation function, torch.device, torch.cuda
and torch.accelerator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.accelerator as accelerator
import autograd_mini.cuda as cuda
from autograd_mini import creation as C
from autograd_mini import nn
from autograd_mini import random as R
from autograd_mini.device import check_device, device

NO_GPU = "CPU only"


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")


def values(t) -> np.ndarray:
    return t._array


# ---- devices ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", [None, "cpu", "cpu:0", device("cpu"), device("cpu", 0)])
def test_check_device_accepts_the_cpu(where):
    check_device(where)


@pytest.mark.parametrize("where", ["cuda", "cuda:1", device("cuda"), "mps", "meta"])
def test_check_device_refuses_other_devices_naming_them(where):
    with pytest.raises(RuntimeError, match=f"device '{device(where)}'.*{NO_GPU}.*cuda.is_available"):
        check_device(where, "zeros")


def test_device_parts_equality_and_hash():
    d = device("cuda", 1)
    assert (d.type, d.index) == ("cuda", 1) and d == device("cuda:1") and device(d) == d
    assert device("cuda") != device("cuda:0") and device("cpu") != "cpu"
    assert len({device("cpu"), device("cpu"), device("cpu:0")}) == 2
    assert str(device("cuda:1")) == "cuda:1" and repr(device("cpu")) == "device(type='cpu')"


@pytest.mark.parametrize(
    "args, error",
    [(("cuda:x",), RuntimeError), (("gpu",), RuntimeError), (("cpu:0", 0), RuntimeError),
     (("cuda", -1), RuntimeError), ((0,), RuntimeError), ((None,), TypeError), (("cuda", "1"), TypeError)],
)
def test_device_refuses_what_torch_refuses(args, error):
    with pytest.raises(error):
        device(*args)


def test_cuda_and_accelerator_say_there_is_no_gpu():
    assert cuda.is_available() is False and cuda.device_count() == 0 and not cuda.is_initialized()
    assert cuda.manual_seed(1) is None and cuda.manual_seed_all(1) is None and cuda.empty_cache() is None
    for call in (cuda.synchronize, cuda.current_device, cuda.get_device_name):
        with pytest.raises(RuntimeError, match=NO_GPU):
            call()
    assert accelerator.is_available() is False and accelerator.device_count() == 0
    assert accelerator.current_accelerator() is None
    with pytest.raises(RuntimeError, match="accelerator"):
        accelerator.synchronize()


def test_device_agnostic_code_runs_on_the_cpu():
    where = device("cuda" if cuda.is_available() else "cpu")
    model = nn.Linear(3, 2, device=where).to(where)
    out = model(C.randn(4, 3, device=where))
    assert out.shape == (4, 2)


# Every creation function, called with a device.
FACTORIES = {
    "tensor": lambda d: C.tensor([1.0], device=d),
    "zeros": lambda d: C.zeros(2, device=d),
    "ones": lambda d: C.ones(2, device=d),
    "empty": lambda d: C.empty(2, device=d),
    "full": lambda d: C.full((2,), 1.0, device=d),
    "zeros_like": lambda d: C.zeros_like(C.ones(2), device=d),
    "ones_like": lambda d: C.ones_like(C.ones(2), device=d),
    "empty_like": lambda d: C.empty_like(C.ones(2), device=d),
    "full_like": lambda d: C.full_like(C.ones(2), 3, device=d),
    "eye": lambda d: C.eye(2, device=d),
    "arange": lambda d: C.arange(3, device=d),
    "linspace": lambda d: C.linspace(0, 1, 3, device=d),
    "rand": lambda d: C.rand(2, device=d),
    "randn": lambda d: C.randn(2, device=d),
    "rand_like": lambda d: C.rand_like(C.ones(2), device=d),
    "randn_like": lambda d: C.randn_like(C.ones(2), device=d),
    "randint": lambda d: C.randint(3, (2,), device=d),
    "randint_like": lambda d: C.randint_like(C.ones(2), 3, device=d),
    "randperm": lambda d: C.randperm(3, device=d),
    "normal": lambda d: C.normal(0.0, 1.0, (2,), device=d),
    "Linear": lambda d: nn.Linear(2, 3, device=d),
    "Generator": lambda d: R.Generator(device=d),
}


@pytest.mark.parametrize("name", FACTORIES)
def test_every_factory_takes_the_cpu_and_refuses_cuda(name):
    FACTORIES[name]("cpu")
    FACTORIES[name](device("cpu"))
    with pytest.raises(RuntimeError, match=f"{name}: device 'cuda:0'.*{NO_GPU}"):
        FACTORIES[name]("cuda:0")


# ---- generators ------------------------------------------------------------------------------------

# Every drawing function, as a call taking a generator (None: the default one).
DRAWS = {
    "rand": lambda g: C.rand(50, generator=g),
    "randn": lambda g: C.randn(5, 10, generator=g),
    "rand_like": lambda g: C.rand_like(C.zeros(50), generator=g),
    "randn_like": lambda g: C.randn_like(C.zeros(50), generator=g),
    "randint": lambda g: C.randint(0, 1000, (50,), generator=g),
    "randint_like": lambda g: C.randint_like(C.zeros(50), 1000, generator=g),
    "randperm": lambda g: C.randperm(50, generator=g),
    "multinomial": lambda g: C.multinomial(C.ones(50), 20, generator=g),
    "multinomial_replacement": lambda g: C.multinomial(C.ones(50), 20, True, generator=g),
    "normal_numbers": lambda g: C.normal(0.0, 1.0, (50,), generator=g),
    "normal_tensors": lambda g: C.normal(C.zeros(50), C.ones(50), generator=g),
    "bernoulli": lambda g: C.bernoulli(C.full((50,), 0.5), generator=g),
    "uniform_": lambda g: nn.init.uniform_(C.empty(50), generator=g),
    "normal_": lambda g: nn.init.normal_(C.empty(50), generator=g),
    "xavier_uniform_": lambda g: nn.init.xavier_uniform_(C.empty(5, 10), generator=g),
    "xavier_normal_": lambda g: nn.init.xavier_normal_(C.empty(5, 10), generator=g),
    "kaiming_uniform_": lambda g: nn.init.kaiming_uniform_(C.empty(5, 10), generator=g),
    "kaiming_normal_": lambda g: nn.init.kaiming_normal_(C.empty(5, 10), generator=g),
}


@pytest.mark.parametrize("name", DRAWS)
def test_equal_seeds_give_equal_draws_and_other_seeds_other_draws(name):
    draw = DRAWS[name]
    first = values(draw(R.Generator().manual_seed(3)))
    np.testing.assert_array_equal(values(draw(R.Generator().manual_seed(3))), first)
    assert not np.array_equal(values(draw(R.Generator().manual_seed(4))), first)
    am.manual_seed(3)
    from_default = values(draw(None))
    am.manual_seed(3)
    np.testing.assert_array_equal(values(draw(None)), from_default)


@pytest.mark.parametrize("name", DRAWS)
def test_a_generator_is_independent_of_the_default_one(name):
    draw = DRAWS[name]
    am.manual_seed(0)
    expected = values(draw(None))
    am.manual_seed(0)
    draw(R.Generator().manual_seed(0))  # draws from its own stream only
    np.testing.assert_array_equal(values(draw(None)), expected)
    g = R.Generator().manual_seed(9)
    expected = values(draw(R.Generator().manual_seed(9)))
    draw(None)
    np.testing.assert_array_equal(values(draw(g)), expected)


def test_manual_seed_seeds_and_returns_the_default_generator():
    g = am.manual_seed(12)
    assert g is R.default_generator and R.initial_seed() == 12 and g.initial_seed() == 12
    first = C.randn(4)
    assert am.manual_seed(12.0) is g  # any number int() takes, as torch.manual_seed
    np.testing.assert_array_equal(values(C.randn(4)), values(first))


def test_seed_picks_a_fresh_seed_and_reports_it():
    seeds = {R.seed() for _ in range(3)}
    assert len(seeds) == 3 and R.initial_seed() in seeds
    g = R.Generator()
    chosen = g.seed()
    assert g.initial_seed() == chosen and 0 <= chosen < 2**64
    replay = values(C.rand(5, generator=R.Generator().manual_seed(chosen)))
    np.testing.assert_array_equal(values(C.rand(5, generator=g)), replay)


def test_generator_manual_seed_returns_self_and_checks_the_seed():
    g = R.Generator()
    assert g.manual_seed(5) is g and g.device == device("cpu")
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1
    with pytest.raises(TypeError, match="integer"):
        g.manual_seed(1.5)
    with pytest.raises(ValueError, match="2\\*\\*64"):
        g.manual_seed(2**64)


def test_reseeding_keeps_the_numpy_generator_that_others_hold():
    held = R.generator()
    am.manual_seed(1)
    a = held.random(3)
    am.manual_seed(1)
    np.testing.assert_array_equal(R.generator().random(3), a)
    assert R.generator() is held


def test_get_state_and_set_state_replay_the_stream():
    g = R.Generator().manual_seed(7)
    C.randn(3, generator=g)
    state = g.get_state()
    assert isinstance(state, am.Tensor) and state.dtype == np.uint8 and state.shape == (R.STATE_SIZE,)
    ahead = values(C.randn(5, generator=g))
    g.manual_seed(100)
    assert g.set_state(state) is g and g.initial_seed() == 7
    np.testing.assert_array_equal(values(C.randn(5, generator=g)), ahead)


def test_rng_state_of_the_default_generator_survives_a_checkpoint(tmp_path):
    am.manual_seed(2)
    C.rand(7)
    am.save({"rng": R.get_rng_state()}, tmp_path / "rng.npz")
    ahead = values(C.rand(4))
    am.manual_seed(50)
    R.set_rng_state(am.load(tmp_path / "rng.npz")["rng"])
    np.testing.assert_array_equal(values(C.rand(4)), ahead)
    assert R.initial_seed() == 2


def test_set_state_refuses_what_get_state_does_not_make():
    g = R.Generator()
    with pytest.raises(TypeError, match="uint8"):
        g.set_state([1, 2, 3])
    with pytest.raises(TypeError, match="uint8"):
        g.set_state(C.zeros(R.STATE_SIZE))
    with pytest.raises(RuntimeError, match=str(R.STATE_SIZE)):
        g.set_state(C.zeros(3, dtype=np.uint8))


def test_generator_must_be_a_generator():
    for draw in (lambda g: C.rand(2, generator=g), lambda g: C.normal(0.0, 1.0, (2,), generator=g)):
        with pytest.raises(TypeError, match="Generator"):
            draw(np.random.default_rng(0))
    with pytest.raises(RuntimeError, match=NO_GPU):
        R.Generator(device="cuda")


# ---- what each drawing function gives ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_rand_stays_in_the_half_open_unit_interval(dtype):
    x = values(C.rand(200_000, dtype=dtype, generator=R.Generator().manual_seed(0)))
    assert x.dtype == dtype and x.min() >= 0 and x.max() < 1
    assert abs(x.astype(np.float64).mean() - 0.5) < 0.01 and x.max() > 0.99


def test_randn_is_standard_normal():
    drawn = values(C.randn(400, 500, generator=R.Generator().manual_seed(1)))
    assert drawn.shape == (400, 500) and drawn.dtype == am.get_default_dtype()
    x = drawn.astype(np.float64)
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01
    assert abs((np.abs(x) < 1).mean() - 0.6827) < 0.01  # the normal's mass within one sigma


@pytest.mark.parametrize("call", [C.rand, C.randn])
def test_rand_and_randn_take_every_size_spelling_and_refuse_integer_dtypes(call):
    for t in (call(2, 3), call((2, 3)), call([2, 3]), call(size=(2, 3))):
        assert t.shape == (2, 3) and t.dtype == am.get_default_dtype() and not t.requires_grad
    assert call(()).shape == () and call(0, 4).shape == (0, 4)
    leaf = call(3, dtype=np.float64, requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf and leaf.dtype == np.float64
    with pytest.raises(TypeError, match="floating"):
        call(3, dtype=np.int64)
    with pytest.raises(RuntimeError, match="negative"):
        call(-1)
    with pytest.raises(TypeError, match="integers"):
        call(2.5)


def test_randint_overloads_dtypes_and_range():
    g = R.Generator().manual_seed(0)
    x = values(C.randint(3, 9, (20_000,), generator=g))
    assert x.dtype == np.int64 and set(np.unique(x)) == set(range(3, 9))
    assert C.randint(4, (2, 3)).shape == (2, 3) and values(C.randint(4, (500,))).max() <= 3
    assert values(C.randint(5, size=(100,))).min() >= 0
    assert set(np.unique(values(C.randint(low=-2, high=0, size=(100,))))) == {-2, -1}
    assert values(C.randint(2, high=4, size=(100,))).min() >= 2
    assert C.randint(4, (3,), dtype=np.float32).dtype == np.float32
    assert C.randint(2, (3,), dtype=np.bool_).dtype == np.bool_
    assert C.randint(4, ()).shape == ()
    assert C.randint(4, (3,), dtype=np.float64, requires_grad=True).requires_grad


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [((5,), {}, TypeError, "randint\\(high, size\\)"),
     ((2, 5), {}, TypeError, "size must be a tuple"),
     ((5.5, (3,)), {}, TypeError, "high must be an integer"),
     ((5, 5, (3,)), {}, RuntimeError, "low < high"),
     ((0, (3,)), {}, RuntimeError, "low < high"),
     ((300, (3,)), {"dtype": np.uint8}, RuntimeError, "does not fit in uint8"),
     ((-1, 2, (3,)), {"dtype": np.uint8}, RuntimeError, "does not fit in uint8"),
     ((5, (3,)), {"dtype": np.bool_}, RuntimeError, "does not fit in bool"),
     ((5, (3,)), {"requires_grad": True}, TypeError, "floating")],
)
def test_randint_refuses_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        C.randint(*args, **kwargs)


def test_randint_like_takes_input_shape_and_dtype():
    x = C.zeros(4, 5, dtype=np.float64)
    drawn = C.randint_like(x, 3)
    assert drawn.shape == (4, 5) and drawn.dtype == np.float64
    assert set(np.unique(values(C.randint_like(x, 1, 3)))) <= {1.0, 2.0}
    assert C.randint_like(x, high=3, dtype=np.int32).dtype == np.int32
    with pytest.raises(RuntimeError, match="low < high"):
        C.randint_like(x, 3, 1)


def test_randperm_is_a_permutation():
    for n in (0, 1, 7, 1000):
        p = values(C.randperm(n))
        assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(n))
    assert C.randperm(5, dtype=np.float32).dtype == np.float32
    starts = [int(values(C.randperm(4, generator=R.Generator().manual_seed(s)))[0]) for s in range(200)]
    assert set(starts) == {0, 1, 2, 3}  # not the identity


@pytest.mark.parametrize(
    "n, kwargs, error", [(-1, {}, RuntimeError), (True, {}, TypeError), (2.0, {}, TypeError),
                         (300, {"dtype": np.uint8}, RuntimeError)],
)
def test_randperm_refuses_bad_arguments(n, kwargs, error):
    with pytest.raises(error):
        C.randperm(n, **kwargs)


def test_multinomial_without_replacement_gives_distinct_indices():
    g = R.Generator().manual_seed(0)
    weights = C.rand(6, 10, generator=g)
    for _ in range(50):
        rows = values(C.multinomial(weights, 10, generator=g))
        assert rows.shape == (6, 10) and rows.dtype == np.int64
        assert all(sorted(row) == list(range(10)) for row in rows.tolist())
    picks = values(C.multinomial(C.tensor([0.0, 3.0, 0.0, 1.0, 2.0]), 3, generator=g))
    assert sorted(picks.tolist()) == [1, 3, 4]  # the positive weights are all used before any zero


def test_multinomial_frequencies_follow_the_weights():
    g = R.Generator().manual_seed(1)
    w = np.array([0.1, 0.0, 0.3, 0.6])
    draws = values(C.multinomial(C.tensor(w), 100_000, replacement=True, generator=g))
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / draws.size, w, atol=0.01)
    # Without replacement, the first pick follows the weights too, and the second the weights
    # left: P(second = 3 | first = 2) = 0.6 / (0.1 + 0.6).
    pairs = values(C.multinomial(C.tensor(np.tile(w, (40_000, 1))), 2, generator=g))
    np.testing.assert_allclose(np.bincount(pairs[:, 0], minlength=4) / len(pairs), w, atol=0.01)
    seconds = pairs[pairs[:, 0] == 2, 1]
    assert abs((seconds == 3).mean() - 0.6 / 0.7) < 0.02 and not (pairs == 1).any()


def test_multinomial_shapes_and_weights_of_any_float_dtype():
    assert C.multinomial(C.ones(3, dtype=np.float16), 2).shape == (2,)
    assert C.multinomial(C.ones(0, 3), 2).shape == (0, 2)
    assert values(C.multinomial(C.tensor([0.0, 1.0]), 5, replacement=True)).tolist() == [1] * 5
    assert not C.multinomial(C.ones(3, requires_grad=True), 2).requires_grad


@pytest.mark.parametrize(
    "weights, n, replacement, error, match",
    [([1.0, 2.0, 3.0], 4, False, RuntimeError, "without replacement"),
     ([1.0, 2.0], 0, False, RuntimeError, "positive"),
     ([1.0, 2.0], 2.0, False, TypeError, "integer"),
     ([0.0, 0.0], 1, True, RuntimeError, "positive total"),
     ([[1.0, 2.0], [0.0, 0.0]], 1, False, RuntimeError, "positive total"),
     ([-1.0, 2.0], 1, False, RuntimeError, ">= 0"),
     ([math.nan, 2.0], 1, False, RuntimeError, "nan"),
     ([math.inf, 2.0], 1, False, RuntimeError, "inf"),
     ([1, 2], 1, False, TypeError, "floating"),
     (1.0, 1, False, RuntimeError, "shape"),
     ([[[1.0]]], 1, False, RuntimeError, "shape")],
)
def test_multinomial_refuses_bad_input(weights, n, replacement, error, match):
    with pytest.raises(error, match=match):
        C.multinomial(C.tensor(weights), n, replacement)


def test_multinomial_needs_a_tensor():
    with pytest.raises(TypeError, match="Tensor"):
        C.multinomial([1.0, 2.0], 1)


def test_normal_forms_shapes_and_dtypes():
    assert C.normal(C.zeros(3), C.ones(3)).shape == (3,)
    assert C.normal(C.zeros(2, 1), C.ones(3)).shape == (2, 3)
    assert C.normal(C.zeros(3, dtype=np.float64)).dtype == np.float64
    assert C.normal(0.0, C.ones(3, dtype=np.float64)).dtype == np.float64
    assert C.normal(C.zeros(3), C.ones(3, dtype=np.float64)).dtype == np.float32  # mean's dtype
    assert C.normal(2, 3, (4, 5)).shape == (4, 5) and C.normal(2, 3, [4]).dtype == am.get_default_dtype()
    assert C.normal(0.0, 1.0, (2,), dtype=np.float64, requires_grad=True).requires_grad
    assert not C.normal(C.zeros(3, requires_grad=True), 1.0).requires_grad  # a draw carries no gradient
    np.testing.assert_array_equal(values(C.normal(C.arange(4.0), 0.0)), np.arange(4.0))


def test_normal_has_the_asked_mean_and_std():
    g = R.Generator().manual_seed(2)
    x = values(C.normal(3.0, 2.0, (200_000,), generator=g)).astype(np.float64)
    assert abs(x.mean() - 3) < 0.02 and abs(x.std() - 2) < 0.02
    mean = C.tensor(np.array([-5.0, 5.0]).reshape(2, 1, 1))
    std = C.tensor(np.repeat(np.array([0.5, 1.0, 2.0]).reshape(1, 3, 1), 50_000, axis=2))
    y = values(C.normal(mean, std, generator=g))  # broadcast to (2, 3, 50_000)
    assert y.shape == (2, 3, 50_000)
    np.testing.assert_allclose(y.mean(axis=2), [[-5] * 3, [5] * 3], atol=0.05)
    np.testing.assert_allclose(y.std(axis=2), [[0.5, 1, 2]] * 2, rtol=0.02)


@pytest.mark.parametrize(
    "args, error, match",
    [((0.0, 1.0), TypeError, "give a size"),
     ((C.zeros(3), 1.0, (3,)), TypeError, "size"),
     ((C.zeros(3), C.ones(2)), RuntimeError, "broadcast"),
     ((0.0, -1.0, (3,)), RuntimeError, "std >= 0"),
     ((C.zeros(3), -1.0), RuntimeError, "std must be >= 0"),
     ((0.0, C.tensor([1.0, -1.0])), RuntimeError, "std must be >= 0"),
     ((C.zeros(3, dtype=np.int64), 1.0), TypeError, "mean must be a floating")],
)
def test_normal_refuses_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        C.normal(*args)


def test_bernoulli_draws_zeros_and_ones_with_the_given_probabilities():
    g = R.Generator().manual_seed(3)
    p = np.linspace(0, 1, 11)
    draws = values(C.bernoulli(C.tensor(np.tile(p, (20_000, 1))), generator=g))
    assert draws.dtype == np.float64 and set(np.unique(draws)) == {0.0, 1.0}
    np.testing.assert_allclose(draws.mean(axis=0), p, atol=0.015)
    assert draws[:, 0].max() == 0 and draws[:, -1].min() == 1
    fixed = values(C.bernoulli(C.zeros(100_000, dtype=np.int64), 0.25, generator=g))
    assert fixed.dtype == np.int64 and abs(fixed.mean() - 0.25) < 0.01


@pytest.mark.parametrize(
    "probabilities, error", [([0.0, 1.5], RuntimeError), ([-0.1], RuntimeError), ([math.nan], RuntimeError),
                             ([0, 1], TypeError)],
)
def test_bernoulli_refuses_what_are_not_probabilities(probabilities, error):
    with pytest.raises(error):
        C.bernoulli(C.tensor(probabilities))


# ---- the fill functions behind Tensor's in-place draws --------------------------------------------------


def test_fill_functions_write_in_place_and_keep_the_dtype():
    g = R.Generator().manual_seed(4)
    a = np.zeros(100_000, np.float32)
    assert R.fill_normal(a, 1.0, 3.0, g) is a and a.dtype == np.float32
    assert abs(a.mean() - 1) < 0.05 and abs(a.std() - 3) < 0.05
    assert R.fill_uniform(a, -2.0, 5.0, g) is a and a.min() >= -2 and a.max() < 5 and a.max() > 4.99
    ints = np.zeros(100_000, np.int16)
    assert R.fill_integers(ints, -3, 3, g) is ints and set(np.unique(ints)) == set(range(-3, 3))
    assert R.fill_bernoulli(ints, 0.75, g) is ints and abs(ints.mean() - 0.75) < 0.01
    drawn = R.draw_bernoulli(np.full((4, 50_000), 0.5, np.float16), g)
    assert drawn.shape == (4, 50_000) and drawn.dtype == np.float16 and abs(drawn.mean() - 0.5) < 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8, np.uint8, np.int64, np.bool_])
def test_fill_integers_without_high_stays_within_what_the_dtype_holds_exactly(dtype):
    a = np.zeros(10_000, dtype)
    R.fill_integers(a, generator=R.Generator().manual_seed(5))
    kind = np.dtype(dtype).kind
    if kind == "f":
        top = 2 ** (np.finfo(dtype).nmant + 1)
    else:
        top = 1 if kind == "b" else np.iinfo(dtype).max
    assert a.min() >= 0 and a.max() <= top and len(np.unique(a)) > 1
    if kind == "f":
        assert np.array_equal(a, np.round(a)) and a.max() > top / 2


def test_fill_functions_refuse_bad_parameters():
    a = np.zeros(3)
    with pytest.raises(RuntimeError, match="std >= 0"):
        R.fill_normal(a, 0.0, -1.0)
    with pytest.raises(RuntimeError, match="from=1"):
        R.fill_uniform(a, 1.0, 0.0)
    with pytest.raises(RuntimeError, match="low < high"):
        R.fill_integers(a, 2, 2)
    with pytest.raises(RuntimeError, match="does not fit"):
        R.fill_integers(np.zeros(3, np.uint8), 0, 257)
    with pytest.raises(RuntimeError, match="p to be in"):
        R.fill_bernoulli(a, 1.5)
    with pytest.raises(RuntimeError, match="p to be in"):
        R.draw_bernoulli(np.array([0.5, -0.5]))


def test_init_functions_check_their_parameters_as_torch_does():
    with pytest.raises(RuntimeError, match="from=1"):
        nn.init.uniform_(C.empty(3), 1.0, 0.0)
    with pytest.raises(RuntimeError, match="std >= 0"):
        nn.init.normal_(C.empty(3), 0.0, -1.0)


# ---- filled tensors and ranges: PyTorch's dtype rules -------------------------------------------------


@pytest.mark.parametrize(
    "fill, dtype",
    [(7, np.int64), (np.int32(7), np.int64), (True, np.bool_), (7.0, None), (np.float64(7), None),
     (np.bool_(True), None)],  # None: the default float dtype; np.bool_ counts as a float, as in PyTorch
)
@pytest.mark.parametrize("default", [np.float32, np.float64])
def test_full_infers_its_dtype_from_the_fill_value(fill, dtype, default):
    am.set_default_dtype(default)
    t = C.full((2, 3), fill)
    assert t.dtype == (default if dtype is None else dtype) and t.shape == (2, 3)
    assert (values(t) == fill).all()
    assert C.full((2,), 7, dtype=np.float64).dtype == np.float64


def test_full_like_keeps_the_dtype_and_casts_the_value():
    assert values(C.full_like(C.zeros(2, dtype=np.int64), 2.7)).tolist() == [2, 2]
    assert C.full_like(C.zeros(2), 3, dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError):
        C.full((2,), 1j)
    with pytest.raises(RuntimeError, match="0-d"):
        C.full((2,), C.ones(2))


@pytest.mark.parametrize(
    "args, dtype",
    [((5,), np.int64), ((1, 7, 2), np.int64), ((np.int32(4),), np.int64), ((True,), np.int64),
     ((5.0,), None), ((0, 1, 0.25), None), ((0, 1.0), None), ((np.float64(3),), None)],
)
@pytest.mark.parametrize("default", [np.float32, np.float64])
def test_arange_infers_its_dtype_from_the_bounds(args, dtype, default):
    am.set_default_dtype(default)
    t = C.arange(*args)
    assert t.dtype == (default if dtype is None else dtype)
    np.testing.assert_allclose(values(t), np.arange(*[float(a) for a in args]))


def test_arange_with_a_dtype_and_its_errors():
    assert C.arange(0, 5, dtype=np.float64).dtype == np.float64
    assert values(C.arange(0.5, 3, dtype=np.int64)).tolist() == [0, 1, 2]  # bounds truncated first
    assert values(C.arange(3, 0, -1)).tolist() == [3, 2, 1] and C.arange(2, 2).shape == (0,)
    assert values(C.arange(end=3)).tolist() == [0, 1, 2] and C.arange(C.tensor(3)).dtype == np.int64
    assert C.arange(3.0, requires_grad=True).requires_grad
    for args in [(0, 3, 0), (3, 0), (0, 3, -1), (0, math.inf), (0, 2.5, 0.5, np.int64)]:
        with pytest.raises(RuntimeError):
            C.arange(*args)


def test_eye_linspace_empty_and_likes():
    np.testing.assert_array_equal(values(C.eye(3, 2)), np.eye(3, 2))
    assert C.eye(2, dtype=np.int64).dtype == np.int64 and C.eye(0).shape == (0, 0)
    np.testing.assert_allclose(values(C.linspace(-1, 1, 5)), [-1, -0.5, 0, 0.5, 1])
    assert C.linspace(0, 10, 4, dtype=np.int64).tolist() == [0, 3, 6, 10]
    assert C.linspace(0, 1, 0).shape == (0,) and C.linspace(0, 1, 3).dtype == am.get_default_dtype()
    assert C.empty(2, 3).shape == (2, 3) and C.empty_like(C.zeros(4, dtype=np.int32)).dtype == np.int32
    x = C.zeros(2, 3, dtype=np.float64)
    for like in (C.zeros_like, C.ones_like, C.empty_like, C.rand_like, C.randn_like):
        assert like(x).shape == (2, 3) and like(x).dtype == np.float64
        assert like(x, dtype=np.float32).dtype == np.float32 and like(x, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="floating"):
        C.rand_like(C.zeros(2, dtype=np.int64))
    for bad in (lambda: C.eye(-1), lambda: C.linspace(0, 1, -1)):
        with pytest.raises(RuntimeError):
            bad()


# ---- nn: device and dtype keywords, Module.to ----------------------------------------------------------


def test_linear_takes_device_and_dtype():
    layer = nn.Linear(3, 2, device="cpu", dtype=np.float64)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
    assert nn.Linear(3, 2, True, device("cpu"), np.float64).weight.dtype == np.float64  # torch's order
    assert nn.Linear(3, 2).weight.dtype == am.get_default_dtype()


def test_module_to_returns_the_model_and_keeps_it_training():
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    weight = model[0].weight
    assert model.to("cpu") is model and model.to(device("cpu")) is model and model.cpu() is model
    assert model.to(np.float64) is model and model[0].weight is weight
    assert all(p.dtype == np.float64 for p in model.parameters())
    loss = model(C.randn(5, 3, dtype=np.float64)).sum()
    loss.backward()
    assert weight.grad.dtype == np.float64 and loss.dtype == np.float64
    assert model.to("cpu", np.float32) is model and weight.grad.dtype == np.float32
    model.to(C.zeros(1, dtype=np.float64))
    assert weight.dtype == np.float64
    model.to(device="cpu", dtype="float32", non_blocking=True)
    assert weight.dtype == np.float32 and model(C.randn(2, 3)).dtype == np.float32


def test_module_to_refuses_gpus_and_integer_dtypes():
    model = nn.Linear(2, 2)
    for where in ("cuda", device("cuda", 0), "mps"):
        with pytest.raises(RuntimeError, match=f"Module.to: .*{NO_GPU}"):
            model.to(where)
    with pytest.raises(RuntimeError, match=f"Module.cuda: device 'cuda:1'.*{NO_GPU}"):
        model.cuda(1)
    with pytest.raises(RuntimeError, match=NO_GPU):
        model.cuda()
    with pytest.raises(TypeError, match="floating"):
        model.to(np.int64)
    with pytest.raises(RuntimeError, match="unknown device type"):
        model.to("gpu")
    assert model.weight.dtype == am.get_default_dtype()


def test_module_to_leaves_integer_parameters_alone():
    model = nn.Linear(2, 2)
    model.steps = nn.Parameter(np.array([3]), requires_grad=False)
    model.to(np.float64)
    assert model.steps.dtype == np.int64 and model.weight.dtype == np.float64


# ---- against PyTorch ----------------------------------------------------------------------------------


def dtype_name(dtype) -> str:
    """'float32' for np.float32 and for torch.float32."""
    return str(dtype).removeprefix("torch.")


# (autograd_mini call, torch call): each pair must give one dtype and shape. lib is C or torch.
CREATED = {
    "tensor_floats": lambda lib: lib.tensor([1.0, 2.0]),
    "tensor_ints": lambda lib: lib.tensor([1, 2]),
    "zeros": lambda lib: lib.zeros(2, 3),
    "zeros_tuple": lambda lib: lib.zeros((2, 3)),
    "zeros_size": lambda lib: lib.zeros(size=(2, 3)),
    "ones_int": lambda lib: lib.ones(4, dtype=lib.int64),
    "empty": lambda lib: lib.empty(3, 1),
    "full_int": lambda lib: lib.full((2,), 7),
    "full_bool": lambda lib: lib.full((2,), True),
    "full_float": lambda lib: lib.full((2, 2), 7.0),
    "full_numpy_int": lambda lib: lib.full((2,), np.int32(7)),
    "full_numpy_float": lambda lib: lib.full((2,), np.float64(7)),
    "full_numpy_bool": lambda lib: lib.full((2,), np.bool_(True)),
    "full_dtype": lambda lib: lib.full((2,), 7, dtype=lib.float64),
    "full_0d_int": lambda lib: lib.full((2,), lib.tensor(3)),
    "full_0d_float64": lambda lib: lib.full((2,), lib.tensor(3.0, dtype=lib.float64)),
    "zeros_like": lambda lib: lib.zeros_like(lib.ones(2, dtype=lib.float64)),
    "ones_like_dtype": lambda lib: lib.ones_like(lib.ones(2), dtype=lib.int32),
    "empty_like": lambda lib: lib.empty_like(lib.ones(2, 1, dtype=lib.int64)),
    "full_like": lambda lib: lib.full_like(lib.ones(3, dtype=lib.int64), 2.7),
    "full_like_bool": lambda lib: lib.full_like(lib.ones(3, dtype=lib.float64), True),
    "eye": lambda lib: lib.eye(3),
    "eye_rect": lambda lib: lib.eye(3, 2, dtype=lib.int64),
    "arange_int": lambda lib: lib.arange(5),
    "arange_ints": lambda lib: lib.arange(1, 9, 3),
    "arange_float_end": lambda lib: lib.arange(5.0),
    "arange_float_step": lambda lib: lib.arange(0, 1, 0.25),
    "arange_tenth": lambda lib: lib.arange(0, 1, 0.1),
    "arange_down": lambda lib: lib.arange(3, 0, -1),
    "arange_dtype": lambda lib: lib.arange(0, 5, dtype=lib.float64),
    "arange_int_dtype": lambda lib: lib.arange(0.5, 3, dtype=lib.int64),
    "arange_int_dtype_step": lambda lib: lib.arange(0, 5, 1.5, dtype=lib.int64),
    "arange_numpy_int": lambda lib: lib.arange(np.int32(3)),
    "arange_numpy_float": lambda lib: lib.arange(np.float64(3)),
    "arange_0d": lambda lib: lib.arange(lib.tensor(3)),
    "arange_end": lambda lib: lib.arange(end=3),
    "linspace": lambda lib: lib.linspace(0, 10, 5),
    "linspace_int": lambda lib: lib.linspace(0, 10, 4, dtype=lib.int64),
    "linspace_empty": lambda lib: lib.linspace(0, 1, 0),
    "rand": lambda lib: lib.rand(2, 3),
    "rand_f64": lambda lib: lib.rand((2,), dtype=lib.float64),
    "randn": lambda lib: lib.randn([2, 3]),
    "randn_f16": lambda lib: lib.randn(2, dtype=lib.float16),
    "rand_like": lambda lib: lib.rand_like(lib.ones(2, dtype=lib.float64)),
    "randn_like": lambda lib: lib.randn_like(lib.ones(2, 2)),
    "randint": lambda lib: lib.randint(5, (3,)),
    "randint_low": lambda lib: lib.randint(2, 5, (3, 2)),
    "randint_keywords": lambda lib: lib.randint(high=5, size=(3,)),
    "randint_float": lambda lib: lib.randint(5, (3,), dtype=lib.float32),
    "randint_scalar": lambda lib: lib.randint(5, ()),
    "randint_like": lambda lib: lib.randint_like(lib.ones(2, dtype=lib.float64), 5),
    "randint_like_low": lambda lib: lib.randint_like(lib.ones(2, dtype=lib.int32), 2, 5),
    "randperm": lambda lib: lib.randperm(5),
    "randperm_dtype": lambda lib: lib.randperm(5, dtype=lib.float32),
    "multinomial": lambda lib: lib.multinomial(lib.tensor([1.0, 2.0, 3.0]), 2),
    "multinomial_rows": lambda lib: lib.multinomial(lib.ones(4, 3), 5, True),
    "multinomial_f64": lambda lib: lib.multinomial(lib.ones(3, dtype=lib.float64), 3),
    "normal_tensors": lambda lib: lib.normal(lib.zeros(2, 1), lib.ones(3)),
    "normal_mean": lambda lib: lib.normal(lib.zeros(3, dtype=lib.float64)),
    "normal_std": lambda lib: lib.normal(0.0, lib.ones(3, dtype=lib.float64)),
    "normal_mixed": lambda lib: lib.normal(lib.zeros(3), lib.ones(3, dtype=lib.float64)),
    "normal_size": lambda lib: lib.normal(2.0, 3.0, (4, 5)),
    "normal_size_dtype": lambda lib: lib.normal(2, 3, (4,), dtype=lib.float64),
    "bernoulli": lambda lib: lib.bernoulli(lib.full((3,), 0.5, dtype=lib.float64)),
    "bernoulli_p": lambda lib: lib.bernoulli(lib.zeros(3), 0.5),
}


class _Lib:
    """autograd_mini's creation functions with the dtype names that PyTorch's tests spell."""

    def __getattr__(self, name):
        return getattr(C, name) if hasattr(C, name) else getattr(am, name)


@pytest.mark.torch
@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("name", CREATED)
def test_creation_dtypes_and_shapes_match_torch(torch, name, default):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    am.set_default_dtype(getattr(np, default))
    try:
        theirs = CREATED[name](torch)
        ours = CREATED[name](_Lib())
    finally:
        torch.set_default_dtype(previous)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype) and ours.shape == tuple(theirs.shape)
    assert ours.requires_grad == theirs.requires_grad


# The creation functions whose values are fixed: they must agree with PyTorch's too.
EXACT = [name for name in CREATED if name.split("_")[0] in ("tensor", "zeros", "ones", "full", "eye",
                                                             "arange", "linspace")]


@pytest.mark.torch
@pytest.mark.parametrize("name", EXACT)
def test_creation_values_match_torch(torch, name):
    theirs = CREATED[name](torch).numpy().astype(np.float64)
    np.testing.assert_allclose(values(CREATED[name](_Lib())).astype(np.float64), theirs, rtol=1e-6)


# Calls PyTorch refuses: autograd_mini must refuse them too.
REFUSED = {
    "zeros_negative": lambda lib: lib.zeros(-1),
    "zeros_float_size": lambda lib: lib.zeros(2.5),
    "full_int_size_grad": lambda lib: lib.full((2,), 7, requires_grad=True),
    "arange_zero_step": lambda lib: lib.arange(0, 3, 0),
    "arange_wrong_way": lambda lib: lib.arange(3, 0),
    "arange_infinite": lambda lib: lib.arange(0, math.inf),
    "arange_int_dtype_zero_step": lambda lib: lib.arange(0, 2.5, 0.5, dtype=lib.int64),
    "eye_negative": lambda lib: lib.eye(-1),
    "linspace_negative": lambda lib: lib.linspace(0, 1, -1),
    "rand_int": lambda lib: lib.rand(2, dtype=lib.int64),
    "randn_int": lambda lib: lib.randn(2, dtype=lib.int64),
    "rand_like_int": lambda lib: lib.rand_like(lib.ones(2, dtype=lib.int64)),
    "randint_empty_range": lambda lib: lib.randint(5, 5, (3,)),
    "randint_int_size": lambda lib: lib.randint(5, 3),
    "randint_no_size": lambda lib: lib.randint(5),
    "randint_float_high": lambda lib: lib.randint(5.5, (3,)),
    "randint_uint8": lambda lib: lib.randint(300, (3,), dtype=lib.uint8),
    "randint_bool": lambda lib: lib.randint(5, (3,), dtype=lib.bool),
    "randint_grad": lambda lib: lib.randint(5, (3,), requires_grad=True),
    "randint_like_empty_range": lambda lib: lib.randint_like(lib.ones(2, dtype=lib.int64), 5, 2),
    "randperm_negative": lambda lib: lib.randperm(-1),
    "randperm_float": lambda lib: lib.randperm(5.0),
    "randperm_bool": lambda lib: lib.randperm(True),
    "randperm_uint8": lambda lib: lib.randperm(300, dtype=lib.uint8),
    "multinomial_too_many": lambda lib: lib.multinomial(lib.tensor([1.0, 2.0]), 3),
    "multinomial_zero_samples": lambda lib: lib.multinomial(lib.tensor([1.0, 2.0]), 0),
    "multinomial_zero_sum": lambda lib: lib.multinomial(lib.zeros(3), 1),
    "multinomial_zero_row": lambda lib: lib.multinomial(lib.tensor([[1.0, 2.0], [0.0, 0.0]]), 1),
    "multinomial_negative": lambda lib: lib.multinomial(lib.tensor([-1.0, 2.0]), 1),
    "multinomial_nan": lambda lib: lib.multinomial(lib.tensor([math.nan, 2.0]), 1),
    "multinomial_ints": lambda lib: lib.multinomial(lib.tensor([1, 2]), 1),
    "multinomial_0d": lambda lib: lib.multinomial(lib.tensor(1.0), 1),
    "multinomial_3d": lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1),
    "normal_numbers": lambda lib: lib.normal(0.0, 1.0),
    "normal_tensor_and_size": lambda lib: lib.normal(lib.zeros(3), 1.0, (3,)),
    "normal_negative_std": lambda lib: lib.normal(0.0, -1.0, (3,)),
    "normal_negative_std_tensor": lambda lib: lib.normal(lib.zeros(3), lib.tensor([1.0, -1.0, 1.0])),
    "normal_no_broadcast": lambda lib: lib.normal(lib.zeros(3), lib.ones(2)),
    "normal_int_mean": lambda lib: lib.normal(lib.zeros(3, dtype=lib.int64), 1.0),
    "bernoulli_above_one": lambda lib: lib.bernoulli(lib.tensor([0.0, 1.5])),
    "bernoulli_ints": lambda lib: lib.bernoulli(lib.tensor([0, 1])),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", REFUSED)
def test_what_torch_refuses_is_refused(torch, name):
    with pytest.raises((RuntimeError, TypeError, ValueError, NotImplementedError)):
        REFUSED[name](torch)
    with pytest.raises((RuntimeError, TypeError)):
        REFUSED[name](_Lib())


DEVICE_STRINGS = ["cpu", "cpu:0", "cpu:3", "cuda", "cuda:0", "cuda:1", "mps", "meta", "xla:2"]


@pytest.mark.torch
def test_device_matches_torch_device(torch):
    for text in DEVICE_STRINGS:
        ours, theirs = device(text), torch.device(text)
        assert (repr(ours), str(ours), ours.type, ours.index) == (
            repr(theirs), str(theirs), theirs.type, theirs.index)
        assert repr(device(ours)) == repr(torch.device(theirs))
        for other in DEVICE_STRINGS:
            assert (ours == device(other)) == (theirs == torch.device(other))
        assert (ours == text) == (theirs == text)
    assert repr(device("cuda", 2)) == repr(torch.device("cuda", 2))
    assert repr(device("cpu", 0)) == repr(torch.device("cpu", 0))
    for args in [("cuda:x",), ("gpu",), ("cpu:-1",), ("cpu:0", 0), ("cuda", -1), (0,), ("cuda: 0",),
                 ("cuda:01",), ("CPU",)]:
        with pytest.raises(RuntimeError):
            torch.device(*args)
        with pytest.raises(RuntimeError):
            device(*args)


@pytest.mark.torch
def test_cuda_and_accelerator_answer_as_torch_does_without_a_gpu(torch):
    if torch.cuda.is_available():
        pytest.skip("this PyTorch sees a GPU")
    assert cuda.is_available() == torch.cuda.is_available()
    assert cuda.device_count() == torch.cuda.device_count()
    assert cuda.is_initialized() == torch.cuda.is_initialized()
    assert cuda.manual_seed(3) == torch.cuda.manual_seed(3)
    assert cuda.manual_seed_all(3) == torch.cuda.manual_seed_all(3)
    assert cuda.seed() == torch.cuda.seed() and cuda.seed_all() == torch.cuda.seed_all()
    assert cuda.empty_cache() == torch.cuda.empty_cache()
    for name in ("synchronize", "current_device", "get_device_name"):
        with pytest.raises(Exception):  # noqa: B017 (PyTorch raises AssertionError or RuntimeError)
            getattr(torch.cuda, name)()
        with pytest.raises(RuntimeError):
            getattr(cuda, name)()
    assert accelerator.is_available() == torch.accelerator.is_available()
    assert accelerator.device_count() == torch.accelerator.device_count()
    assert accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    assert accelerator.current_accelerator(True) == torch.accelerator.current_accelerator(True)
    for name in ("synchronize", "current_device_index"):
        with pytest.raises(RuntimeError):
            getattr(torch.accelerator, name)()
        with pytest.raises(RuntimeError):
            getattr(accelerator, name)()


@pytest.mark.torch
def test_generator_seeds_match_torch(torch):
    assert R.Generator().initial_seed() == torch.Generator().initial_seed()
    for seed in (0, 5, -1, -(2**63), 2**64 - 1):
        ours, theirs = R.Generator(), torch.Generator()
        assert ours.manual_seed(seed) is ours and theirs.manual_seed(seed) is theirs
        assert ours.initial_seed() == theirs.initial_seed()
    for seed in (2**64, -(2**63) - 1):
        with pytest.raises((RuntimeError, ValueError)):
            torch.Generator().manual_seed(seed)
        with pytest.raises(ValueError):
            R.Generator().manual_seed(seed)
    assert repr(R.Generator().device) == repr(torch.Generator().device)
    assert am.manual_seed(3.0).initial_seed() == torch.manual_seed(3.0).initial_seed()
    assert torch.manual_seed(4) is torch.default_generator and am.manual_seed(4) is R.default_generator


@pytest.mark.torch
def test_module_to_and_layer_keywords_match_torch(torch):
    ours, theirs = nn.Linear(2, 3, dtype=np.float64), torch.nn.Linear(2, 3, dtype=torch.float64)
    assert dtype_name(ours.weight.dtype) == dtype_name(theirs.weight.dtype)
    calls = [
        (("cpu",), {}), ((device("cpu"), np.float32), {}), ((C.zeros(1, dtype=np.float64),), {}),
        ((), {"dtype": np.float16}), ((), {"device": "cpu", "dtype": np.float32, "non_blocking": True}),
    ]
    to_torch = {np.float32: torch.float32, np.float16: torch.float16}
    for args, kwargs in calls:
        torch_args = [torch.device(str(a)) if isinstance(a, device) else
                      torch.zeros(1, dtype=torch.float64) if isinstance(a, am.Tensor) else
                      to_torch.get(a, a) for a in args]
        torch_kwargs = {k: to_torch.get(v, v) for k, v in kwargs.items()}
        assert ours.to(*args, **kwargs) is ours and theirs.to(*torch_args, **torch_kwargs) is theirs
        assert dtype_name(ours.weight.dtype) == dtype_name(theirs.weight.dtype)
    assert ours.cpu() is ours and theirs.cpu() is theirs
