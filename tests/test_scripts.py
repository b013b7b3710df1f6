"""The scripts in tests/scripts: PyTorch code as its users write it, run under autograd_mini.

Each script starts with the one line that picks the library,

    import autograd_mini as torch  # the one line to change: import torch

and defines `main(torch) -> dict`, which returns the numbers the run produced. The tests here
load a script the way a user switches it: its source as it stands for autograd_mini, or with that
line changed to `import torch` for PyTorch. Under autograd_mini each run must show that it did
its job (the loss fell, the gradients match the formulas, the checkpoint restored the model);
with PyTorch installed (`pytest -m torch`), the same checks hold for PyTorch's run and the two
runs agree number for number: to float32 rounding for the float32 scripts, to float64 rounding
for the float64 ones.

A script that autograd_mini cannot run yet is marked xfail(strict=True), with the reason: once
it runs, the test fails and says so, and the mark should go.
"""

import ast
import functools
import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).parent / "scripts"
SWITCH = "import autograd_mini as torch  # the one line to change: import torch"

FLOAT32 = {"rtol": 1e-4, "atol": 1e-6}
FLOAT64 = {"rtol": 1e-9, "atol": 1e-12}


def load(name: str, library: str = "autograd_mini") -> types.ModuleType:
    """The script tests/scripts/{name}.py as a module, switched to library ("autograd_mini" or "torch")."""
    path = SCRIPTS / f"{name}.py"
    source = path.read_text()
    if library == "torch":
        source = source.replace(SWITCH, "import torch", 1)
    module = types.ModuleType(f"scripts_{name}_{library}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # as an import does: pickle finds the script's classes there
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def run(name: str, library: str = "autograd_mini") -> dict:
    module = load(name, library)
    return module.main(module.torch)


@functools.cache
def run_torch(name: str) -> dict:
    return run(name, "torch")


def close(value, expected, atol=1e-8, rtol=0.0) -> bool:
    value, expected = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    return value.shape == expected.shape and np.allclose(value, expected, rtol=rtol, atol=atol)


def dtype_name(name: str) -> str:
    return name.removeprefix("torch.")


# ---- what each script's run must show -------------------------------------------------------------


def check_polynomial_fit(r: dict) -> None:
    assert r["final_loss"] < 1e-3 * r["first_loss"]
    assert r["final_loss"] < 10.0
    # The chain rule by hand and autograd give the same gradients.
    assert close(r["autograd_grads"], r["manual_grads"], rtol=1e-10, atol=0)
    a, b, c, d = r["coefficients"]
    assert abs(a) < 0.01 and abs(c) < 0.01  # sin is odd
    assert close([b, d], [0.84, -0.091], atol=0.01)
    assert all(r["is_leaf"]) and r["grad_after_reset"]


def check_sequential_manual_update(r: dict) -> None:
    assert r["final_loss"] < 0.05 * r["first_loss"]
    assert r["output_shape"] == [256]  # nn.Flatten(0, 1) made (256, 1) into (256,)
    assert [dtype_name(d) for d in r["dtypes"]] == ["float32"]
    assert r["n_parameters"] == 1 * 32 + 32 + 32 * 1 + 1


def check_data_updates(r: dict) -> None:
    assert r["final_loss"] < 0.25 * r["first_loss"]
    assert r["final_accuracy"] > 0.9
    assert r["grads_zeroed"]  # p.grad.data.zero_() cleared p.grad itself
    assert r["data_is_detached"]
    assert dtype_name(r["predicted_dtype"]) == "int64"


def check_device_agnostic(r: dict) -> None:
    assert r["final_loss"] < 0.01
    assert close(r["weight"], [1.5, -2.0, 0.5], atol=0.05)
    assert close(r["bias"], 0.3, atol=0.05)
    assert r["log_matches_item"] and r["params_on_device"] and r["data_on_device"] and r["cpu_copy_on_cpu"]


def check_generators(r: dict) -> None:
    flags = {key: value for key, value in r.items() if isinstance(value, bool)}
    assert len(flags) == 14
    assert [key for key, value in flags.items() if not value] == []
    assert r["initial_seed"] == 42
    assert r["randint_range"] == [3, 6]  # high is excluded
    assert dtype_name(r["randint_dtype"]) == "int64"
    assert r["randn_shape"] == [2, 5]


def check_autograd_functional(r: dict) -> None:
    # f = (1 - x)^2 + 100 (y - x^2)^2 at (-1.5, 2), by hand.
    x, y = -1.5, 2.0
    grad = [-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)]
    hessian = [[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200.0]]
    jacobian = [[-1.0, 0.0], [-20 * x, 10.0]]
    v = np.array([1.0, -2.0])
    assert close(r["value"], (1 - x) ** 2 + 100 * (y - x**2) ** 2)
    assert close(r["grad"], grad) and r["grad_has_graph"]
    assert close(r["hessian_by_rows"], hessian) and close(r["hessian"], hessian)
    assert close(r["jacobian"], jacobian)
    assert close(r["gauss_newton"], 2 * np.array(jacobian).T @ np.array(jacobian))
    assert close(r["hvp"], np.array(hessian) @ v) and close(r["vhp"], v @ np.array(hessian))
    assert close(r["H_times_v"], r["hvp"])
    assert close(r["vjp"], v @ np.array(jacobian)) and close(r["jvp"], np.array(jacobian) @ v)
    # Newton's method reaches the minimum (1, 1), quadratically at the end.
    assert r["newton_steps"] <= 10
    assert close(r["final_point"], [1.0, 1.0], atol=1e-10)
    assert r["final_value"] < 1e-20
    assert close(r["hessian_at_minimum"], [[802.0, -400.0], [-400.0, 200.0]], atol=1e-6)


def check_classifier_checkpoint(r: dict) -> None:
    losses = r["train_losses"]
    assert len(losses) == 20 and losses[-1] < 0.1 * losses[0]
    assert r["accuracy"] >= 0.95 and r["argmax_agrees_with_max"]
    assert math.isclose(r["lr_after_schedule"], 0.1 * 0.5**2)  # StepLR halved it at epochs 10 and 20
    assert r["state_dict_keys"] == [f"fc{i}.{kind}" for i in (1, 2, 3) for kind in ("weight", "bias")]
    assert r["restored_same_outputs"]
    assert r["checkpoint_epoch"] == 20 and math.isclose(r["resumed_lr"], r["lr_after_schedule"])
    # Resumed from the checkpoint, training continues exactly as in the original.
    assert r["loss_after_resume"][0] == r["loss_after_resume"][1] and r["same_after_resume"]
    assert r["training_mode"] == [True, False]


def check_modules_and_checkpoints(r: dict) -> None:
    losses = r["losses"]
    assert len(losses) == 40 and np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    assert max(r["grad_norms"]) > 1.0  # so clipping did act on some steps
    assert r["hooked_calls"] == 40 == r["calls_after_remove"] and all(a > 0 for a in r["activations"])
    assert r["state_dict_keys"] == [
        "running_mean", "batches_seen", "trunk.weight", "trunk.bias", "heads.mean.weight", "heads.mean.bias",
        "heads.spread.weight", "heads.spread.bias", "mix.0", "mix.1",
    ]
    assert r["batches_seen"] == 48 and close(r["running_mean"], [2.0, -1.0, 0.5], atol=0.5)
    assert r["checkpoint_epoch"] == 10 and r["dtype"].endswith("float64")
    # The copy resumed from the checkpoint trains on exactly as the original does.
    assert r["losses_after_resume"][0] == r["losses_after_resume"][1] and r["same_state_after_resume"]


def check_inplace_forward(r: dict) -> None:
    # The in-place and the out-of-place forward passes do the same arithmetic.
    assert r["max_output_difference"] < 1e-6
    assert r["max_grad_difference"] < 1e-6
    assert r["max_weight_difference"] < 1e-5
    assert close(r["final_loss"], r["final_loss_out_of_place"], rtol=1e-5)
    assert r["final_loss"] < 0.01 * r["first_loss"]
    assert r["misuse_caught"]
    assert r["head_weight_grad"][0] != 0.0


def check_custom_function(r: dict) -> None:
    assert r["gradcheck"]
    assert r["final_loss"] < 10.0 and r["final_loss"] < r["first_loss"] / 40
    assert r["grads_zeroed"] == [0.0, 0.0, 0.0, 0.0]
    a, b, c, d = r["coefficients"]
    assert abs(a) < 1e-6 and abs(c) < 1e-6  # sin and P3 are odd: a and c keep their zero gradients
    assert close([b, d], [-2.21, 0.255], atol=0.01)


def check_autograd_basics(r: dict) -> None:
    assert r["node_names"] == ["AddBackward0", "BinaryCrossEntropyWithLogitsBackward0"]
    # d loss / d z = (sigmoid(z) - y) / 3 with y = 0; x is all ones, so every row of w.grad is z.grad.
    z_grad = np.array(r["z_grad"])
    assert np.all((0 < z_grad) & (z_grad < 1 / 3))
    assert close(r["w_grad"], np.tile(z_grad, (5, 1)))
    assert close(r["b_grad"], 10 * z_grad, rtol=1e-6)  # the hook's factor
    assert 0 < r["loss"] < 10
    assert r["leaves"] == [True, True, False, False]
    assert r["requires_grad"] == [False, True, True]
    assert r["stopped"] == [False, False, True]
    once = 2 * (np.eye(4, 5) + 1)
    first, second, after_zero = r["accumulation"]
    assert close(first, once) and close(second, 2 * once) and close(after_zero, once)
    assert r["out_shape"] == [5, 4]


def check_data_loader_training(r: dict) -> None:
    assert r["sizes"] == [240, 60] and r["batches"] == [15, 1]  # 240 / 16 batches; one for validation
    assert r["batch_shapes"] == [[16, 2, 16]] and [dtype_name(d) for d in r["dtypes"]] == ["float32", "int64"]
    assert r["every_epoch_sees_each_sample_once"] and r["repeats_from_the_same_seeds"]
    assert r["loss_fell"] and r["train_accuracy_high"] and r["val_accuracy_high"]


def check_lstm_language_model(r: dict) -> None:
    losses = r["epoch_losses"]
    assert len(losses) == 12 and losses[0] < 1.05 * r["uniform_loss"]  # it starts near guessing
    assert losses[-1] < 0.75 * losses[0] and r["eval_loss"] < losses[-1] and r["accuracy"] > 0.3
    kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    layers = [f"lstm.{kind}_l{k}" for k in (0, 1) for kind in kinds]
    assert r["state_dict_keys"] == layers + ["decoder.weight", "decoder.bias"]
    assert r["hidden_shapes"] == [[2, 4, 32], [2, 4, 32]] and r["logits_shape"] == [38, 4, 28]
def check_tiny_gpt(r: dict) -> None:
    losses = r["losses"]
    assert len(losses) == 40 and abs(losses[0] - r["uniform_loss"]) < 0.1  # it starts by guessing
    assert np.mean(losses[-5:]) < 0.25 * losses[0]
    assert r["completion"].startswith("the quick brown fox")
    # two blocks of 2 LayerNorms, c_attn, c_proj, c_fc, c_proj; the tables, ln_f and lm_head
    block = 2 * 2 * 32 + (32 * 96 + 96) + (32 * 32 + 32) + (32 * 128 + 128) + (128 * 32 + 32)
    assert r["n_parameters"] == 2 * block + 28 * 32 + 16 * 32 + 2 * 32 + 32 * 28
    assert r["logits_shape"] == [1, 10, 28]


# name: (check, tolerances against PyTorch, why autograd_mini cannot run it yet or None)
def check_optimizers_and_schedulers(r: dict) -> None:
    one_cycle = r["adamw_one_cycle"]
    assert one_cycle["losses"][-1] < 0.1 * one_cycle["losses"][0]
    lrs, beta1s = one_cycle["lrs"], one_cycle["beta1s"]
    assert len(lrs) == 60 and max(lrs) == pytest.approx(0.05)
    peak = lrs.index(max(lrs))  # up for 30% of the steps, then annealed down to max_lr / 25 / 1e4
    assert peak == 16 and lrs[:peak] == sorted(lrs[:peak]) and lrs[peak:-1] == sorted(lrs[peak:-1])[::-1]
    assert lrs[-2] == pytest.approx(0.05 / 25 / 1e4, rel=1e-3)
    assert beta1s[peak] == pytest.approx(0.85) and max(beta1s) <= 0.95  # beta1 cycles against the lr
    plateau = r["sgd_plateau"]
    assert plateau["val_losses"][-1] < 0.2 * plateau["val_losses"][0]
    assert plateau["lrs"][0] == 0.1 and plateau["lrs"] == sorted(plateau["lrs"])[::-1]
    assert set(plateau["lrs"]) <= {0.1, 0.05, 0.025, 0.0125} and len(set(plateau["lrs"])) > 1
    lbfgs = r["lbfgs"]
    assert lbfgs["losses"] == sorted(lbfgs["losses"])[::-1]
    assert lbfgs["final_loss"] < 0.01 * lbfgs["losses"][0]


def check_losses_and_activations(r: dict) -> None:
    c = r["classification"]
    assert c["losses"][-1] < 0.5 * c["losses"][0] and c["accuracy"] >= 0.95
    assert c["class_weights"][2] == 3 * c["class_weights"][0]  # the class a third as common
    assert c["nll_losses"][-1] < 0.01 * c["nll_losses"][0] and c["nll_accuracy"] >= 0.95
    # A label equal to ignore_index adds nothing: the mean is over the labels kept.
    nll, nll_of_kept = c["ignored_is_left_out"]
    assert nll > 0.01 and close(nll, nll_of_kept, atol=1e-12)
    assert close(*c["log_softmax_nll_is_cross_entropy"], atol=1e-12)
    assert close(*c["smoothing_by_hand"], atol=1e-12)
    fits = r["regression"]
    assert fits["mse"][1] > 2  # the outliers drag the squared error's line up
    for name in ("huber", "smooth_l1", "l1"):  # the robust losses stay near y = 2x + 1
        slope, intercept = fits[name]
        assert abs(slope - 2) < 0.05 and abs(intercept - 1) < 0.15, name
    recall = r["imbalanced"]["recall"]
    assert recall["pos_weight"] == 1.0 > recall["plain"]  # pos_weight finds every positive
    for losses in r["imbalanced"]["losses"].values():
        assert losses[-1] < 0.5 * losses[0]
    d = r["distillation"]
    assert d["losses"][-1] < 0.01 * d["losses"][0] and d["agreement"] >= 0.9


def check_whole_model_checkpoint(r: dict) -> None:
    assert r["losses"][-1] < 0.5 * r["losses"][0]
    # Each way of loading the whole model gives back the saved one: class, settings, outputs.
    assert r["same_outputs"] == {"trusted": True, "allowlisted": True, "checkpoint": True}
    assert r["class_name"] == "TiedAutoencoder" and r["same_repr"]
    assert r["settings"] == [4, 3, "tied"] and r["training_after_load"] == [False, False]
    assert r["weights_tied"] and r["parameter_type"] == "Parameter" and r["fresh_parameters"]
    assert r["state_dict_keys"] == ["center", "encoder.0.weight", "encoder.0.bias", "decoder.weight"]
    assert r["checkpoint_epoch"] == 20
    assert r["loss_after_resume"][0] == r["loss_after_resume"][1]


def check_lenet_blitz(r: dict) -> None:
    b = r["blitz"]
    assert b["repr"].startswith("Net(\n  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n")
    assert "(fc1): Linear(in_features=400, out_features=120, bias=True)" in b["repr"]
    assert b["parameter_count"] == 10 and b["conv1_weight_size"] == [6, 1, 5, 5]
    assert b["output_shape"] == [1, 10]
    assert all(norm > 0 for norm in b["first_grad_norms"]) and b["zeroed"] and len(b["conv1_bias_grad"]) == 6
    assert b["loss_after_manual_step"] < b["first_loss"]  # the update by hand helped
    assert b["sgd_losses"] == sorted(b["sgd_losses"])[::-1] and b["sgd_losses"][-1] < 0.2 * b["first_loss"]
    images = r["images"]
    assert images["epoch_losses"][-1] < 0.3 * images["epoch_losses"][0] and images["test_accuracy"] >= 0.85


SCRIPT_TABLE = {
    "polynomial_fit": (check_polynomial_fit, FLOAT64, None),
    "sequential_manual_update": (check_sequential_manual_update, FLOAT32, None),
    "data_updates": (check_data_updates, FLOAT32, None),
    "device_agnostic": (check_device_agnostic, FLOAT32, None),
    "generators": (check_generators, None, None),
    "autograd_basics": (check_autograd_basics, FLOAT32, None),
    "autograd_functional": (check_autograd_functional, FLOAT64, None),
    "classifier_checkpoint": (check_classifier_checkpoint, FLOAT32, None),
    "inplace_forward": (check_inplace_forward, FLOAT32, None),
    "custom_function": (check_custom_function, FLOAT64, None),
    "optimizers_and_schedulers": (check_optimizers_and_schedulers, FLOAT64, None),
    "data_loader_training": (check_data_loader_training, None, None),
    "modules_and_checkpoints": (check_modules_and_checkpoints, FLOAT64, None),
    "losses_and_activations": (check_losses_and_activations, FLOAT64, None),
    "whole_model_checkpoint": (check_whole_model_checkpoint, FLOAT64, None),
    "lenet_blitz": (check_lenet_blitz, FLOAT64, None),
    "lstm_language_model": (check_lstm_language_model, FLOAT32, None),
    "tiny_gpt": (check_tiny_gpt, FLOAT32, None),
}


def scripts(marks_for_autograd_mini: bool = True) -> list:
    params = []
    for name, (_, _, missing) in SCRIPT_TABLE.items():
        xfail = missing and marks_for_autograd_mini
        marks = [pytest.mark.xfail(strict=True, reason=missing)] if xfail else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def test_every_script_is_in_the_table():
    assert sorted(p.stem for p in SCRIPTS.glob("*.py")) == sorted(SCRIPT_TABLE)


@pytest.mark.parametrize("name", list(SCRIPT_TABLE))
def test_script_switches_with_its_first_import(name):
    """The first import of every script is the switch, so changing one line changes the library."""
    source = (SCRIPTS / f"{name}.py").read_text()
    tree = ast.parse(source)
    first_import = next(node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))
    assert source.splitlines()[first_import.lineno - 1] == SWITCH
    assert source.count(SWITCH) == 1
    assert "def main(torch) -> dict:" in source
    assert 'if __name__ == "__main__":' in source


@pytest.mark.parametrize("name", scripts())
def test_script_runs_under_autograd_mini(name):
    check, _, _ = SCRIPT_TABLE[name]
    check(run(name))


# ---- the same scripts under PyTorch ---------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("name", scripts(marks_for_autograd_mini=False))
def test_script_checks_hold_under_torch(name):
    """The checks are PyTorch's behaviour, not autograd_mini's: PyTorch's run passes them too."""
    pytest.importorskip("torch", reason="needs torch: pip install torch")
    check, _, _ = SCRIPT_TABLE[name]
    check(run_torch(name))


def assert_same(ours, theirs, tolerance, where="result") -> None:
    """ours and theirs hold the same keys, flags, counts and strings, and numbers within tolerance."""
    if isinstance(ours, dict):
        assert isinstance(theirs, dict) and sorted(ours) == sorted(theirs), where
        for key in ours:
            assert_same(ours[key], theirs[key], tolerance, f"{where}[{key!r}]")
    elif isinstance(ours, (list, tuple)) and any(isinstance(item, (str, dict)) for item in ours):
        assert isinstance(theirs, (list, tuple)) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, tolerance, f"{where}[{i}]")
    elif isinstance(ours, str):
        assert dtype_name(ours) == dtype_name(theirs), where
    elif isinstance(ours, bool) or isinstance(ours, int) and isinstance(theirs, int):
        assert ours == theirs, where
    elif tolerance is None:  # a script whose numbers may differ between libraries
        assert type(ours) is type(theirs) and ours == theirs, where
    else:
        np.testing.assert_allclose(
            np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), err_msg=where, **tolerance
        )


@pytest.mark.torch
@pytest.mark.parametrize("name", scripts())
def test_script_agrees_with_torch(name):
    pytest.importorskip("torch", reason="needs torch: pip install torch")
    _, tolerance, _ = SCRIPT_TABLE[name]
    assert_same(run(name), run_torch(name), tolerance)
