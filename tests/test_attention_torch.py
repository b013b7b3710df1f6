"""Layer norm, RMS norm, attention and the transformer layers against PyTorch: the same weights
(copied through state_dict, whose keys must be identical), the same inputs and masks, the same
outputs and gradients, in float64."""

import numpy as np
import pytest

import autograd_mini as am

# PyTorch warns that masks of two kinds (bool and float) are deprecated, and that its nested
# tensors, a speed-up, are off: neither changes the results compared here.
pytestmark = [
    pytest.mark.torch,
    pytest.mark.filterwarnings("ignore:Support for mismatched"),
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
]
torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)


def copy_weights(ours, theirs):
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict({name: value.detach().numpy().copy() for name, value in state.items()})


def pair(array):
    """(ours, theirs) leaves of the same float64 values."""
    return am.tensor(array.copy(), requires_grad=True), torch.tensor(array.copy(), requires_grad=True)


def assert_close(ours, theirs, atol=1e-10):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=atol, rtol=1e-8)


def backward_both(ours, theirs):
    """Backpropagate the same weighted sum through both outputs."""
    weights = rng.standard_normal(tuple(theirs.shape))
    (ours * am.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()


def assert_same_gradients(ours_module, theirs_module, inputs):
    for a, b in inputs:
        assert_close(a.grad, b.grad)
    for name, parameter in ours_module.named_parameters():
        assert_close(parameter.grad, theirs_module.get_parameter(name).grad)


# ---- norms -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 0.1}])
@pytest.mark.parametrize("shape", [4, (3, 4)])
def test_layer_norm_matches_pytorch(shape, options):
    ours = am.nn.LayerNorm(shape, dtype=am.float64, **options)
    theirs = torch.nn.LayerNorm(shape, dtype=torch.float64, **options)
    if ours.weight is not None:
        with torch.no_grad():
            theirs.weight.normal_()
            if theirs.bias is not None:
                theirs.bias.normal_()
    copy_weights(ours, theirs)
    assert repr(ours) == repr(theirs)
    x, tx = pair(rng.standard_normal((2, 3, 4)))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_same_gradients(ours, theirs, [(x, tx)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_pytorch(eps, dtype):
    ours = am.nn.RMSNorm((3, 4), eps=eps, dtype=getattr(am, dtype))
    theirs = torch.nn.RMSNorm((3, 4), eps=eps, dtype=getattr(torch, dtype))
    with torch.no_grad():
        theirs.weight.normal_()
    copy_weights(ours, theirs)
    assert repr(ours) == repr(theirs)
    data = (1e-3 * rng.standard_normal((2, 3, 4))).astype(dtype)  # small, so eps matters
    x, tx = am.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    assert y.dtype == np.dtype(dtype)
    atol = 1e-10 if dtype == "float64" else 1e-4
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=atol, rtol=1e-5)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-4)


# ---- scaled dot-product attention ------------------------------------------------------------------


def sdpa_masks():
    causal = {"is_causal": True}
    boolean = rng.random((3, 5)) > 0.4
    boolean[:, 0] = True
    float_mask = rng.standard_normal((2, 1, 3, 5))
    fully_masked = boolean.copy()
    fully_masked[1] = False  # the second query may attend to no key: PyTorch gives it zeros
    return {
        "none": ({}, {}),
        "causal": (causal, causal),
        "scale": ({"scale": 0.3}, {"scale": 0.3}),
        "bool": ({"attn_mask": am.tensor(boolean)}, {"attn_mask": torch.tensor(boolean)}),
        "float": ({"attn_mask": am.tensor(float_mask)}, {"attn_mask": torch.tensor(float_mask)}),
        "fully masked row": (
            {"attn_mask": am.tensor(fully_masked)},
            {"attn_mask": torch.tensor(fully_masked)},
        ),
    }


@pytest.mark.parametrize("mask", list(sdpa_masks()))
def test_sdpa_matches_pytorch(mask):
    ours_options, theirs_options = sdpa_masks()[mask]
    (q, tq), (k, tk), (v, tv) = (
        pair(rng.standard_normal(s)) for s in ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6))
    )
    y = am.nn.functional.scaled_dot_product_attention(q, k, v, **ours_options)
    ty = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **theirs_options)
    assert_close(y, ty)
    backward_both(y, ty)
    for a, b in ((q, tq), (k, tk), (v, tv)):
        assert_close(a.grad, b.grad)


def test_sdpa_grouped_query_attention_matches_pytorch():
    (q, tq), (k, tk), (v, tv) = (
        pair(rng.standard_normal(s)) for s in ((1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 2))
    )
    y = am.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    ty = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True, enable_gqa=True)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_close(k.grad, tk.grad)


# ---- MultiheadAttention -----------------------------------------------------------------------------


def mha_inputs(kind, batch_first, kdim):
    """(ours, theirs) query, key, value; self-attention passes one tensor three times."""
    query = rng.standard_normal((5, 3, 8))
    key, value = rng.standard_normal((7, 3, kdim)), rng.standard_normal((7, 3, kdim))
    if batch_first:
        query, key, value = (np.ascontiguousarray(a.swapaxes(0, 1)) for a in (query, key, value))
    if kind == "self":
        return [pair(query)] * 3
    if kind == "key is value":
        shared = pair(key)
        return [pair(query), shared, shared]
    return [pair(query), pair(key), pair(value)]


@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("kind, kdim", [("self", 8), ("key is value", 8), ("separate", 8), ("separate", 6)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_matches_pytorch(batch_first, kind, kdim, need_weights, average):
    ours = am.nn.MultiheadAttention(8, 2, batch_first=batch_first, kdim=kdim, vdim=kdim, dtype=am.float64)
    theirs = torch.nn.MultiheadAttention(
        8, 2, batch_first=batch_first, kdim=kdim, vdim=kdim, dtype=torch.float64
    )
    with torch.no_grad():
        for parameter in theirs.parameters():
            parameter.normal_(0, 0.5)  # biases too, which start at zero
    copy_weights(ours, theirs)
    inputs = mha_inputs(kind, batch_first, kdim)
    source = 5 if kind == "self" else 7
    padding = rng.random((3, source)) > 0.7
    padding[:, 0] = False
    attn_mask = rng.standard_normal((5, source))
    y, weights = ours(
        *[a for a, _ in inputs],
        key_padding_mask=am.tensor(padding),
        attn_mask=am.tensor(attn_mask),
        need_weights=need_weights,
        average_attn_weights=average,
    )
    ty, tweights = theirs(
        *[b for _, b in inputs],
        key_padding_mask=torch.tensor(padding),
        attn_mask=torch.tensor(attn_mask),
        need_weights=need_weights,
        average_attn_weights=average,
    )
    assert_close(y, ty)
    assert (weights is None) == (tweights is None)
    if weights is not None:
        assert_close(weights, tweights)
        y = y.sum() + (weights * weights).sum()
        ty = ty.sum() + (tweights * tweights).sum()
    backward_both(y, ty)
    assert_same_gradients(ours, theirs, list({id(a): (a, b) for a, b in inputs}.values()))


def test_multihead_attention_masks_of_every_kind_match_pytorch():
    ours = am.nn.MultiheadAttention(4, 2, dtype=am.float64)
    theirs = torch.nn.MultiheadAttention(4, 2, dtype=torch.float64)
    copy_weights(ours, theirs)
    x, tx = pair(rng.standard_normal((3, 2, 4)))
    boolean = np.triu(np.ones((3, 3), bool), 1)
    per_head = rng.standard_normal((4, 3, 3))
    padding = np.array([[0.0, 0.0, -np.inf], [0.0, 0.0, 0.0]])
    for ours_kw, theirs_kw in [
        (
            {"attn_mask": am.tensor(boolean), "is_causal": True},
            {"attn_mask": torch.tensor(boolean), "is_causal": True},
        ),
        ({"attn_mask": am.tensor(per_head)}, {"attn_mask": torch.tensor(per_head)}),
        ({"key_padding_mask": am.tensor(padding)}, {"key_padding_mask": torch.tensor(padding)}),
    ]:
        for need_weights in (True, False):
            y, _ = ours(x, x, x, need_weights=need_weights, **ours_kw)
            ty, _ = theirs(tx, tx, tx, need_weights=need_weights, **theirs_kw)
            assert_close(y, ty)
    single, tsingle = pair(rng.standard_normal((3, 4)))
    y, weights = ours(single, single, single, attn_mask=am.tensor(per_head[:2]), average_attn_weights=False)
    ty, tweights = theirs(
        tsingle, tsingle, tsingle, attn_mask=torch.tensor(per_head[:2]), average_attn_weights=False
    )
    assert_close(y, ty)
    assert_close(weights, tweights)


# ---- transformer layers -------------------------------------------------------------------------------


def transformer_pair(cls_name, batch_first, norm_first, activation="relu", **options):
    kw = dict(
        dim_feedforward=16, batch_first=batch_first, norm_first=norm_first, activation=activation, **options
    )
    ours = getattr(am.nn, cls_name)(d_model=8, nhead=2, dtype=am.float64, **kw)
    theirs = getattr(torch.nn, cls_name)(d_model=8, nhead=2, dtype=torch.float64, **kw)
    copy_weights(ours, theirs)
    return ours.eval(), theirs.eval()


def sequence(length, batch_first):
    return pair(rng.standard_normal((3, length, 8) if batch_first else (length, 3, 8)))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_pytorch(norm_first, batch_first):
    ours, theirs = transformer_pair("TransformerEncoderLayer", batch_first, norm_first, activation="gelu")
    (x, tx) = sequence(5, batch_first)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    padding = np.zeros((3, 5), bool)
    padding[1, 3:] = True
    y = ours(x, src_mask=am.tensor(mask.numpy()), src_key_padding_mask=am.tensor(padding))
    ty = theirs(tx, src_mask=mask, src_key_padding_mask=torch.tensor(padding))
    assert_close(y, ty)
    backward_both(y, ty)
    assert_same_gradients(ours, theirs, [(x, tx)])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_pytorch(norm_first, batch_first):
    ours, theirs = transformer_pair("TransformerDecoderLayer", batch_first, norm_first)
    (tgt, ttgt), (memory, tmemory) = sequence(4, batch_first), sequence(6, batch_first)
    mask = am.nn.Transformer.generate_square_subsequent_mask(4, dtype=am.float64)
    padding = np.zeros((3, 6), bool)
    padding[0, 4:] = True
    y = ours(tgt, memory, tgt_mask=mask, memory_key_padding_mask=am.tensor(padding), tgt_is_causal=True)
    ty = theirs(
        ttgt,
        tmemory,
        tgt_mask=torch.tensor(mask.numpy()),
        memory_key_padding_mask=torch.tensor(padding),
        tgt_is_causal=True,
    )
    assert_close(y, ty)
    backward_both(y, ty)
    assert_same_gradients(ours, theirs, [(tgt, ttgt), (memory, tmemory)])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_pytorch(norm_first, batch_first):
    ours, theirs = transformer_pair(
        "Transformer", batch_first, norm_first, num_encoder_layers=2, num_decoder_layers=2
    )
    (src, tsrc), (tgt, ttgt) = sequence(5, batch_first), sequence(4, batch_first)
    mask = am.nn.Transformer.generate_square_subsequent_mask(4, dtype=am.float64)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(mask.numpy(), tmask.numpy())
    y = ours(src, tgt, tgt_mask=mask)
    ty = theirs(tsrc, ttgt, tgt_mask=tmask)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_same_gradients(ours, theirs, [(src, tsrc), (tgt, ttgt)])


def test_module_names_match_pytorch():
    def names(nn):
        model = nn.Transformer(
            d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=6
        )
        return [name for name, _ in model.named_modules()], list(model.state_dict())

    assert names(am.nn) == names(torch.nn)
