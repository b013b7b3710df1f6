"""examples/char_gpt.py and examples/lstm_text.py: they train, print falling losses and a sample,
and the GPT's checkpoint loads back into the same model."""

import os
import re
import sys

import numpy as np
import pytest

import autograd_mini as am

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import char_gpt  # noqa: E402
import lstm_text  # noqa: E402

TINY_GPT = ["--steps", "25", "--batch-size", "8", "--block-size", "16", "--n-layer", "1", "--n-head", "2",
            "--n-embd", "16", "--lr", "1e-2", "--sample-length", "40"]


def printed_sample(out: str) -> str:
    return out.split("sample:\n", 1)[1].rstrip("\n")


def test_the_text_is_shipped_and_split():
    with open(char_gpt.TEXT_PATH, encoding="utf-8") as f:
        text = f.read()
    assert 20_000 <= len(text.encode()) <= 60_000 and "Down the Rabbit-Hole" in text
    data = char_gpt.CharData(text)
    assert len(data.train) + len(data.val) == len(text) and data.decode(data.train[:5].tolist()) == text[:5]
    assert 2.5 < data.unigram_entropy() < np.log(data.vocab_size)
    x, y = data.batch("val", 3, 8, np.random.default_rng(0))
    assert tuple(x.shape) == tuple(y.shape) == (3, 8) and x.dtype == am.int64
    np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])


def test_char_gpt_loss_falls_and_the_checkpoint_loads_back(tmp_path, capsys):
    path = tmp_path / "gpt.npz"
    char_gpt.main([*TINY_GPT, "--out", str(path)])
    out = capsys.readouterr().out
    first, last = map(float, re.search(r"first loss ([\d.]+), last loss ([\d.]+)", out).groups())
    assert last < first - 0.5
    assert re.search(r"unigram entropy [\d.]+ nats/char; train loss [\d.]+, validation loss [\d.]+", out)
    assert len(printed_sample(out)) >= 30 and f"saved the checkpoint to {path}" in out

    checkpoint = am.load(str(path))
    assert checkpoint["step"] == 25 and checkpoint["config"]["n_embd"] == 16
    assert len(checkpoint["optimizer"]["param_groups"]) == 2
    model, _ = char_gpt.load_checkpoint(str(path))
    assert isinstance(model, char_gpt.GPT)
    assert set(model.state_dict()) == set(checkpoint["model"])
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), checkpoint["model"][name].numpy())


def test_a_tied_model_round_trips_with_the_same_logits(tmp_path):
    args = char_gpt.build_parser().parse_args([*TINY_GPT, "--steps", "3", "--tie"])
    data = char_gpt.CharData("the cat sat on the mat, and the rat ran. " * 20)
    model, optimizer, _ = char_gpt.train(args, data)
    assert model.lm_head.weight is model.wte.weight
    char_gpt.save_checkpoint(str(tmp_path / "tied.npz"), model, optimizer, 3, args)
    loaded, checkpoint = char_gpt.load_checkpoint(str(tmp_path / "tied.npz"))
    assert loaded.lm_head.weight is loaded.wte.weight
    optimizer_again = char_gpt.configure_optimizer(loaded, args.lr, args.weight_decay)
    optimizer_again.load_state_dict(checkpoint["optimizer"])
    x, _ = data.batch("train", 2, 16, np.random.default_rng(0))
    model.eval(), loaded.eval()
    with am.no_grad():
        np.testing.assert_allclose(loaded(x)[0].numpy(), model(x)[0].numpy(), rtol=0, atol=0)


def test_weight_decay_goes_to_the_matrices_only():
    model = char_gpt.GPT(vocab_size=10, block_size=8, n_layer=1, n_head=2, n_embd=8)
    decay, no_decay = char_gpt.configure_optimizer(model, 1e-3, 0.1).param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in decay["params"]) and all(p.dim() == 1 for p in no_decay["params"])
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


def test_the_schedule_warms_up_then_follows_a_cosine():
    factor = char_gpt.warmup_cosine(warmup=10, total=110, floor=0.1)
    assert factor(0) == pytest.approx(0.1) and factor(9) == pytest.approx(1.0)
    assert factor(10) == pytest.approx(1.0) and factor(60) == pytest.approx(0.55)
    assert factor(110) == pytest.approx(0.1) and factor(500) == pytest.approx(0.1)


def test_top_k_of_one_samples_the_most_likely_character():
    am.manual_seed(0)
    model = char_gpt.GPT(vocab_size=12, block_size=6, n_layer=1, n_head=2, n_embd=8).eval()
    prompt = am.tensor([[1, 2], [3, 4]])
    sampled = model.generate(prompt, 8, temperature=0.5, top_k=1)
    assert tuple(sampled.shape) == (2, 10)
    with am.no_grad():  # each new id is the argmax of the logits after what came before it
        for t in range(2, 10):
            window = sampled[:, max(0, t - 6):t]
            most_likely = model(window)[0][:, -1].argmax(dim=-1)
            np.testing.assert_array_equal(most_likely.numpy(), sampled[:, t].numpy())


def test_without_tqdm_progress_is_a_plain_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` fail
    char_gpt.main([*TINY_GPT, "--steps", "10", "--out", str(tmp_path / "g.npz")])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step ")]
    assert len(lines) == 10 and re.fullmatch(r"step +9/10  loss [\d.]+  [\d,]+ tokens/s", lines[-1])


def test_only_the_cpu_device_is_accepted():
    with pytest.raises(SystemExit, match="CPU only"):
        char_gpt.main(["--device", "cuda"])


def test_lstm_losses_fall_per_epoch_and_it_prints_a_sample(capsys):
    lstm_text.main(["--epochs", "3", "--batch-size", "32", "--bptt", "16", "--hidden-size", "32",
                    "--embedding-dim", "16", "--lr", "1e-2", "--sample-length", "40"])
    out = capsys.readouterr().out
    epochs = re.findall(r"epoch +\d+/3  train loss ([\d.]+)  validation loss ([\d.]+)", out)
    train_losses, val_losses = zip(*((float(t), float(v)) for t, v in epochs))
    assert len(epochs) == 3 and train_losses[2] < train_losses[0] and val_losses[2] < val_losses[0]
    assert len(printed_sample(out)) >= 30


def test_lstm_batches_are_columns_and_the_state_is_carried():
    columns = lstm_text.batchify(np.arange(10), 3)
    np.testing.assert_array_equal(columns.numpy(), [[0, 3, 6], [1, 4, 7], [2, 5, 8]])
    model = lstm_text.CharLSTM(vocab_size=5, embedding_dim=4, hidden_size=6, num_layers=2)
    logits, (h, c) = model(am.tensor([[0, 1], [2, 3], [4, 0]]))
    assert tuple(logits.shape) == (3, 2, 5) and tuple(h.shape) == tuple(c.shape) == (2, 2, 6)
    ids = am.from_numpy(np.random.default_rng(0).integers(0, 5, (20, 2)))
    # a detached state only cuts the graph: the losses are those of reading the columns in one go
    chunked = lstm_text.run_epoch(model, ids, bptt=4)
    whole = lstm_text.run_epoch(model, ids, bptt=19)
    assert chunked == pytest.approx(whole, rel=1e-5)
