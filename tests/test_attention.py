"""Layer norm, RMS norm, scaled dot-product attention, MultiheadAttention and the transformer
layers: gradients against finite differences (first and second order), the fused ops against
their unfused equivalents, masks, shapes, and the errors for bad input."""

import copy
import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from autograd_mini.ops.attention import attention_unfused
from autograd_mini.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def leaf(*shape, scale=1.0):
    return am.tensor(scale * rng.standard_normal(shape), requires_grad=True)


def grads(output, *inputs):
    return [g.detach().numpy() for g in am.autograd.grad((output * output).sum(), inputs)]


# ---- layer norm and RMS norm --------------------------------------------------------------------


def unfused_layer_norm(x, dims, weight, bias, eps):
    axes = tuple(range(-dims, 0))
    centred = x - x.mean(axes, keepdim=True)
    y = centred / ((centred * centred).mean(axes, keepdim=True) + eps).sqrt()
    y = y if weight is None else y * weight
    return y if bias is None else y + bias


@pytest.mark.parametrize("affine", ["both", "weight", "none"])
@pytest.mark.parametrize("shape, normalized", [((2, 3, 4), 4), ((2, 3, 4), (3, 4)), ((4,), 4)])
def test_layer_norm_gradients_first_and_second_order(shape, normalized, affine):
    x = leaf(*shape)
    trailing = tuple(np.atleast_1d(normalized))
    weight = leaf(*trailing) if affine != "none" else None
    bias = leaf(*trailing) if affine == "both" else None
    inputs = [t for t in (x, weight, bias) if t is not None]

    def fn(x, *affine_parameters):
        w, b = (list(affine_parameters) + [None, None])[:2]
        return F.layer_norm(x, normalized, w, b, eps=1e-5)

    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_layer_norm_fused_agrees_with_its_unfused_form():
    x, weight, bias = leaf(3, 2, 5), leaf(2, 5), leaf(2, 5)
    fused = F.layer_norm(x, (2, 5), weight, bias, eps=1e-3)
    unfused = unfused_layer_norm(x, 2, weight, bias, 1e-3)
    np.testing.assert_allclose(fused.detach().numpy(), unfused.detach().numpy(), atol=1e-12)
    for a, b in zip(grads(fused, x, weight, bias), grads(unfused, x, weight, bias)):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("with_weight", [True, False])
def test_rms_norm_gradients_first_and_second_order(with_weight):
    x, weight = leaf(2, 3, 4), leaf(3, 4)
    inputs = [x, weight] if with_weight else [x]

    def fn(x, w=None):
        return F.rms_norm(x, (3, 4), w, eps=1e-6)

    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_rms_norm_by_hand_and_eps_none_is_the_dtypes_epsilon():
    x = am.tensor(np.array([[3.0, 4.0], [0.0, 0.0]]))
    expected = np.array([[3, 4], [0, 0]]) / np.sqrt(np.array([[12.5], [0]]) + np.finfo(np.float64).eps)
    np.testing.assert_allclose(F.rms_norm(x, 2).detach().numpy(), expected)
    np.testing.assert_allclose(nn.RMSNorm(2)(x).detach().numpy(), expected)
    assert F.rms_norm(x.float(), 2).dtype == np.float32


def test_layer_norm_module_parameters_and_options():
    norm = nn.LayerNorm((2, 3))
    assert list(norm.state_dict()) == ["weight", "bias"] and norm.weight.shape == (2, 3)
    assert norm.weight.detach().numpy().tolist() == [[1.0] * 3] * 2 and not norm.bias.detach().numpy().any()
    assert norm.weight.dtype == np.float32
    assert norm.bias is not None and nn.LayerNorm(3, bias=False).bias is None
    assert list(nn.LayerNorm(3, elementwise_affine=False).state_dict()) == []
    assert list(nn.RMSNorm(3).state_dict()) == ["weight"]
    assert nn.LayerNorm(3, dtype=am.float64).weight.dtype == np.float64
    y = norm(am.randn(4, 2, 3))
    np.testing.assert_allclose(y.detach().numpy().reshape(4, -1).mean(1), 0, atol=1e-6)
    np.testing.assert_allclose(y.detach().numpy().reshape(4, -1).std(1), 1, atol=1e-3)


def test_layer_norm_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"layer_norm: given normalized_shape=\[4\], expected input with "
                       r"shape \[\*, 4\], but got input of size \[2, 3\]"):
        F.layer_norm(am.randn(2, 3), 4)
    with pytest.raises(RuntimeError, match=r"weight .* weight of shape \[3\] and normalized_shape = \[4\]"):
        F.layer_norm(am.randn(2, 4), 4, am.ones(3))
    with pytest.raises(RuntimeError, match=r"rms_norm: given normalized_shape=\[2, 4\]"):
        nn.RMSNorm((2, 4))(am.randn(4))
    with pytest.raises(RuntimeError, match="floating input, not dtype int64"):
        F.layer_norm(am.tensor([[1, 2]]), 2)


# ---- scaled dot-product attention ----------------------------------------------------------------


def qkv(batch=(2,), length=3, source=4, embed=3, value_embed=2):
    return leaf(*batch, length, embed), leaf(*batch, source, embed), leaf(*batch, source, value_embed)


MASKS = {
    "none": lambda: {},
    "float": lambda: {"attn_mask": am.tensor(rng.standard_normal((3, 4)))},
    "bool": lambda: {"attn_mask": am.tensor(np.array([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 1, 1]], bool))},
    "causal": lambda: {"is_causal": True},
}


@pytest.mark.parametrize("mask", list(MASKS))
def test_sdpa_gradients_first_and_second_order(mask):
    q, k, v = qkv()
    options = MASKS[mask]()

    def fn(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, **options)

    assert gradcheck(fn, [q, k, v])
    assert gradgradcheck(fn, [q, k, v])


def test_sdpa_float_mask_gets_its_gradient_and_scale_is_used():
    q, k, v = qkv(batch=(2, 2))
    mask = leaf(1, 3, 4)

    def fn(q, k, v, mask):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.7)

    assert gradcheck(fn, [q, k, v, mask])
    assert gradgradcheck(fn, [q, k, v, mask])


@pytest.mark.parametrize("mask", ["none", "float", "bool", "causal"])
def test_sdpa_fused_agrees_with_unfused_with_dropout(mask):
    q, k, v = qkv(batch=(2, 2))
    options = MASKS[mask]()
    am.manual_seed(3)
    fused = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3, **options)
    am.manual_seed(3)
    dropped = (am.random.numpy_generator().random((2, 2, 3, 4)) >= 0.3) / 0.7
    if mask == "causal":
        additive = np.triu(np.full((3, 4), -np.inf), 1)
    elif mask == "bool":
        additive = np.where(options["attn_mask"].detach().numpy(), 0, -np.inf)
    else:
        additive = options.get("attn_mask")
    unfused, _ = attention_unfused(q, k, v, additive, dropped, 1 / math.sqrt(3))
    np.testing.assert_allclose(fused.detach().numpy(), unfused.detach().numpy(), atol=1e-12)
    for a, b in zip(grads(fused, q, k, v), grads(unfused, q, k, v)):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_sdpa_gradient_with_dropout_matches_finite_differences():
    def fn(q, k, v):
        am.manual_seed(1)  # the same dropout mask on every call
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)

    assert gradcheck(fn, qkv())


def test_sdpa_query_with_every_key_masked_gets_zeros_and_zero_gradients():
    q, k, v = qkv(batch=())
    mask = am.tensor(np.array([[True] * 4, [False] * 4, [True, False, False, False]]))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert np.all(out.detach().numpy()[1] == 0)
    np.testing.assert_allclose(out.detach().numpy()[2], v.detach().numpy()[0])
    out.sum().backward()
    assert np.isfinite(q.grad.detach().numpy()).all() and np.all(q.grad.detach().numpy()[1] == 0)


def test_sdpa_grouped_query_attention_repeats_key_and_value_heads():
    q, k, v = leaf(2, 4, 3, 2), leaf(2, 2, 5, 2), leaf(2, 2, 5, 2)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    repeated = F.scaled_dot_product_attention(q, k.repeat_interleave(2, dim=1), v.repeat_interleave(2, dim=1))
    np.testing.assert_allclose(out.detach().numpy(), repeated.detach().numpy())
    with pytest.raises(RuntimeError, match="enable_gqa needs the query's heads"):
        F.scaled_dot_product_attention(leaf(2, 3, 3, 2), k, v, enable_gqa=True)


def test_sdpa_errors_name_the_shapes():
    q, k, v = qkv()
    with pytest.raises(RuntimeError, match=r"query and key must have the same embedding size"):
        F.scaled_dot_product_attention(q, v, v)
    with pytest.raises(RuntimeError, match=r"key and value must have the same sequence length"):
        F.scaled_dot_product_attention(q, k, leaf(2, 5, 2))
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(4, 3\) does not broadcast .* \(2, 3, 4\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=am.ones(4, 3, dtype=am.bool))
    with pytest.raises(RuntimeError, match="attn_mask or is_causal=True, not both"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=am.ones(3, 4, dtype=am.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="a mask must be bool or float64"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=am.ones(3, 4, dtype=am.int64))
    with pytest.raises(RuntimeError, match="one dtype"):
        F.scaled_dot_product_attention(q.float(), k, v)


# ---- MultiheadAttention ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["self", "key is value", "separate", "kdim"])
def test_multihead_attention_gradients(kind):
    am.manual_seed(0)
    kdim = 3 if kind == "kdim" else None
    mha = nn.MultiheadAttention(4, 2, kdim=kdim, vdim=kdim, dtype=am.float64)
    query, key, value = leaf(3, 2, 4), leaf(3, 2, kdim or 4), leaf(3, 2, kdim or 4)
    mask = am.tensor(np.array([[False, True, False], [False, False, False], [True, False, True]]))
    padding = am.tensor(np.array([[False, False, False], [False, True, False]]))
    weights = [p for p in mha.parameters()]

    def fn(query, key, value, *_):
        shared = {"self": (query, query, query), "key is value": (query, key, key)}
        arguments = shared.get(kind, (query, key, value))
        return mha(*arguments, attn_mask=mask, key_padding_mask=padding, need_weights=False)[0]

    assert gradcheck(fn, [query, key, value, *weights])


def test_multihead_attention_weights_and_unbatched_inputs():
    am.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, batch_first=True, dtype=am.float64)
    x = leaf(2, 3, 4)
    out, weights = mha(x, x, x)
    assert out.shape == (2, 3, 4) and weights.shape == (2, 3, 3)
    np.testing.assert_allclose(weights.detach().numpy().sum(-1), 1)
    _, per_head = mha(x, x, x, average_attn_weights=False)
    assert per_head.shape == (2, 2, 3, 3)
    np.testing.assert_allclose(per_head.detach().numpy().mean(1), weights.detach().numpy())
    fast, none = mha(x, x, x, need_weights=False)
    assert none is None
    np.testing.assert_allclose(fast.detach().numpy(), out.detach().numpy(), atol=1e-12)
    single, single_weights = mha(x[0], x[0], x[0])
    assert single.shape == (3, 4) and single_weights.shape == (3, 3)
    np.testing.assert_allclose(single.detach().numpy(), out.detach().numpy()[0], atol=1e-12)
    assert gradcheck(lambda x: mha(x, x, x)[1], [x])


def test_multihead_attention_parameters_are_pytorchs():
    am.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2)
    assert list(mha.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert mha.in_proj_weight.shape == (24, 8) and mha.head_dim == 4
    assert not mha.in_proj_bias.detach().numpy().any() and not mha.out_proj.bias.detach().numpy().any()
    assert np.abs(mha.in_proj_weight.detach().numpy()).max() <= math.sqrt(6 / (24 + 8))  # xavier_uniform_
    separate = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False)
    names = ["q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"]
    assert list(separate.state_dict()) == names
    assert separate.k_proj_weight.shape == (8, 3) and separate.in_proj_weight is None


def test_multihead_attention_dropout_only_in_training():
    am.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, dropout=0.5, dtype=am.float64)
    x = leaf(3, 2, 4)
    mha.eval()
    first, second = mha(x, x, x)[0], mha(x, x, x)[0]
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    mha.train()
    assert not np.allclose(mha(x, x, x)[0].detach().numpy(), first.detach().numpy())


def test_multihead_attention_errors_name_the_layer_and_shapes():
    with pytest.raises(AssertionError, match=r"divisible by num_heads, but embed_dim=6 and num_heads=4"):
        nn.MultiheadAttention(6, 4)
    mha = nn.MultiheadAttention(4, 2)
    x = am.randn(3, 2, 4)
    layer = r"MultiheadAttention\(embed_dim=4, num_heads=2, batch_first=False\)"
    with pytest.raises(AssertionError, match=layer + r": was expecting embedding dimension of 4, but got 5"):
        mha(am.randn(3, 2, 5), x, x)
    with pytest.raises(AssertionError, match=r"must all be 3-D, batched, or all 2-D"):
        mha(x, x[0], x[0])
    with pytest.raises(AssertionError, match=r"key and value must agree in sequence and batch size"):
        mha(x, x, am.randn(4, 2, 4))
    with pytest.raises(AssertionError, match=r"query and key must have the same batch size"):
        mha(x, am.randn(3, 5, 4), am.randn(3, 5, 4))
    with pytest.raises(RuntimeError, match=r"attn_mask has shape \(2, 2\), but should be .* \(3, 3\)"):
        mha(x, x, x, attn_mask=am.zeros(2, 2))
    # (batch, sequence, embedding) given to a batch_first=False layer: the padding mask tells
    with pytest.raises(AssertionError, match=r"key_padding_mask has shape \(3, 2\), but should be \(N, S\) = "
                       r"\(2, 3\) \(batch_first=False: inputs are read as \(sequence, batch"):
        mha(x, x, x, key_padding_mask=am.zeros(3, 2, dtype=am.bool))
    with pytest.raises(RuntimeError, match="need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="a mask must be bool or float32"):
        mha(x, x, x, attn_mask=am.zeros(3, 3, dtype=am.int64))


# ---- transformer layers ---------------------------------------------------------------------------


def small_transformer(**options):
    am.manual_seed(0)
    return nn.Transformer(
        d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=6, dropout=0.0,
        dtype=am.float64, **options,
    )


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_gradients(norm_first):
    model = small_transformer(norm_first=norm_first, activation="gelu")
    src, tgt = leaf(3, 1, 4), leaf(2, 1, 4)
    mask = nn.Transformer.generate_square_subsequent_mask(2, dtype=am.float64)
    assert gradcheck(lambda src, tgt: model(src, tgt, tgt_mask=mask), [src, tgt])


def test_transformer_state_dict_names_are_pytorchs():
    keys = list(small_transformer().state_dict())
    assert keys[:4] == [
        "encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.in_proj_bias",
        "encoder.layers.0.self_attn.out_proj.weight", "encoder.layers.0.self_attn.out_proj.bias",
    ]
    for name in ("linear1.weight", "linear2.bias", "norm1.weight", "norm2.bias"):
        assert f"encoder.layers.0.{name}" in keys
    for name in ("multihead_attn.in_proj_weight", "norm3.weight"):
        assert f"decoder.layers.0.{name}" in keys
    assert keys[-4:] == [
        "decoder.layers.0.norm3.weight", "decoder.layers.0.norm3.bias",
        "decoder.norm.weight", "decoder.norm.bias",
    ]
    assert "encoder.norm.weight" in keys


def test_stacked_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6)
    encoder = nn.TransformerEncoder(layer, num_layers=2)
    first, second = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    assert first is not second and first is not layer.linear1.weight
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    copied = copy.deepcopy(encoder)
    assert copied.layers[0].self_attn.in_proj_weight is not encoder.layers[0].self_attn.in_proj_weight


def test_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.dtype == np.float32 and not mask.requires_grad
    np.testing.assert_array_equal(mask.detach().numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])


def test_causal_mask_keeps_later_positions_out_of_earlier_outputs():
    am.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, batch_first=True)
    x = am.randn(1, 5, 4)
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    changed = x.clone()
    changed[0, 4] = 10.0
    np.testing.assert_allclose(
        layer(x, src_mask=mask, is_causal=True).detach().numpy()[0, :4],
        layer(changed, src_mask=mask, is_causal=True).detach().numpy()[0, :4], atol=1e-6,
    )


def test_transformer_subclass_as_word_language_model_writes_it():
    """The shape of pytorch/examples' word_language_model: nn.Transformer subclassed, its decoder
    replaced by a Linear, only the encoder run with a log(tril(ones)) mask."""

    class TransformerModel(nn.Transformer):
        def __init__(self, ntoken, ninp, nhead, nhid, nlayers):
            super().__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers)
            self.input_emb = nn.Linear(ntoken, ninp, bias=False)  # on one-hot tokens
            self.ninp = ninp
            self.decoder = nn.Linear(ninp, ntoken)

        def forward(self, src):
            with np.errstate(divide="ignore"):
                mask = am.log(am.tril(am.ones(len(src), len(src))))
            x = self.input_emb(src) * math.sqrt(self.ninp)
            return F.log_softmax(self.decoder(self.encoder(x, mask=mask)), dim=-1)

    am.manual_seed(0)
    model = TransformerModel(ntoken=5, ninp=8, nhead=2, nhid=16, nlayers=2)
    keys = list(model.state_dict())
    assert "decoder.weight" in keys and "decoder.layers.0.norm1.weight" not in keys
    tokens = am.tensor(rng.integers(0, 5, (6, 3)))
    optimizer = am.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        output = model(F.one_hot(tokens, 5).float())
        loss = F.nll_loss(output[:-1].reshape(-1, 5), tokens[1:].reshape(-1))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert output.shape == (6, 3, 5) and losses[-1] < losses[0]


def test_transformer_errors_name_the_shapes():
    model = small_transformer()
    with pytest.raises(RuntimeError, match=r"the batch number of src and tgt must be equal \(dim 1 with "
                       r"batch_first=False\), got src \(3, 2, 4\) and tgt \(2, 3, 4\)"):
        model(am.randn(3, 2, 4), am.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"feature number of src and tgt must be equal to d_model \(4\)"):
        model(am.randn(3, 2, 5), am.randn(2, 2, 4))
    with pytest.raises(RuntimeError, match=r"EncoderLayer\(d_model=4\): src must be .* got shape \(3, 5\)"):
        nn.TransformerEncoderLayer(4, 2)(am.randn(3, 5))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.TransformerDecoderLayer(6, 4)
