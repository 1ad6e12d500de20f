"""The same models with the same weights in chainrule and PyTorch: a CNN (Conv2d, BatchNorm2d, ReLU,
MaxPool2d, Dropout, Linear) and an MLP, built from each package's nn with torch's initial weights
copied over (torch state_dict -> NumPy -> chainrule load_state_dict). Outputs, losses, every
parameter gradient, the parameters and BatchNorm running statistics after 3 steps of each
optimizer, in train and eval mode, agree within float32 tolerance; state dicts move between the two
through safetensors files."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.datasets import load_digits
from conftest import requires_torch, torch

pytestmark = requires_torch

RTOL, ATOL = 1e-4, 1e-5  # float32, after a few steps of accumulated rounding


def make_cnn(n):
    """(N, 1, 8, 8) -> (N, 10) with either package's nn (`n` is torch.nn or chainrule.nn).

    A convolution followed by BatchNorm has no bias: BatchNorm cancels it, so its gradient is
    rounding noise around 0, which Adam-like optimizers would blow up to +-lr in either package."""
    return n.Sequential(
        n.Conv2d(1, 6, 3, padding=1, bias=False), n.BatchNorm2d(6), n.ReLU(), n.MaxPool2d(2),  # 6 x 4 x 4
        n.Dropout(0.2),
        n.Conv2d(6, 8, 3), n.ReLU(),                                                            # 8 x 2 x 2
        n.Conv2d(8, 8, 1, bias=False), n.BatchNorm2d(8), n.ReLU(),
        n.Flatten(), n.Linear(8 * 2 * 2, 10),
    )


def make_mlp(n):
    return n.Sequential(n.Flatten(), n.Linear(64, 32), n.ReLU(), n.Dropout(0.3), n.Linear(32, 16), n.Tanh(),
                        n.Linear(16, 10))


MODELS = {"cnn": make_cnn, "mlp": make_mlp}


def twins(make, seed=0, dropout=False):
    """(ours, theirs): the model from both packages, with torch's random initial weights in both.

    The two packages draw different dropout masks, so dropout=False sets every Dropout's p to 0
    (its layer then is the identity in train mode too); eval mode compares the real p."""
    torch.manual_seed(seed)
    theirs = make(torch.nn)
    ours = make(nn)
    ours.load_state_dict({k: cr.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    if not dropout:
        for layer in (*ours.modules(), *theirs.modules()):
            if isinstance(layer, (nn.Dropout, torch.nn.Dropout)):
                layer.p = 0.0
    return ours, theirs


def digits_batch(n=24, offset=0):
    """n real digit images (N, 1, 8, 8) in [0, 1] and their labels, as NumPy arrays."""
    images, labels = load_digits("train")
    images = images[offset:offset + n, None].astype(np.float32) / 16
    return images, labels[offset:offset + n].astype(np.int64)


def assert_same(ours, theirs, what, rtol=RTOL, atol=ATOL):
    """A chainrule tensor against a torch tensor."""
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol, err_msg=what)


def assert_same_state(ours, theirs, rtol=RTOL, atol=ATOL):
    """Every parameter and buffer (BatchNorm running statistics, num_batches_tracked) of the two models."""
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for name in theirs_sd:
        assert_same(ours_sd[name], theirs_sd[name], name, rtol, atol)


def assert_same_grads(ours, theirs):
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad is not None, name
        assert_same(p.grad, theirs_params[name].grad, f"{name}.grad")


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("model", MODELS)
def test_outputs_match(model, train):
    ours, theirs = twins(MODELS[model], dropout=not train)
    ours.train(train)
    theirs.train(train)
    images, _ = digits_batch()
    assert_same(ours(cr.tensor(images)), theirs(torch.tensor(images)), "logits")
    assert_same_state(ours, theirs)  # train mode updated the running statistics identically


# name -> (loss of (logits, labels) built with either package's nn)
def _onehot(pkg, labels):
    return (pkg.arange(10).reshape(1, 10) == labels.reshape(-1, 1)).float()


LOSSES = {
    "cross_entropy": lambda n, pkg: lambda out, y: n.CrossEntropyLoss(label_smoothing=0.1)(out, y),
    "mse": lambda n, pkg: lambda out, y: n.MSELoss()(out, _onehot(pkg, y)),
    "bce_with_logits": lambda n, pkg: lambda out, y: n.BCEWithLogitsLoss()(out, _onehot(pkg, y)),
    "nll_after_log_softmax": lambda n, pkg: lambda out, y: n.NLLLoss()(n.LogSoftmax(dim=1)(out), y),
}


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("model", MODELS)
def test_losses_and_all_gradients_match(model, loss, train):
    ours, theirs = twins(MODELS[model], seed=1, dropout=not train)
    ours.train(train)
    theirs.train(train)
    images, labels = digits_batch()
    x, tx = cr.tensor(images, requires_grad=True), torch.tensor(images, requires_grad=True)
    ours_loss = LOSSES[loss](nn, cr)(ours(x), cr.tensor(labels))
    theirs_loss = LOSSES[loss](torch.nn, torch)(theirs(tx), torch.tensor(labels))
    assert_same(ours_loss, theirs_loss, "loss")
    ours_loss.backward()
    theirs_loss.backward()
    assert_same_grads(ours, theirs)
    assert_same(x.grad, tx.grad, "input grad")


# name -> (constructor name, keyword arguments): the options that change each update rule.
OPTIMIZERS = {
    "sgd_nesterov": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    "adam_amsgrad": ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=1e-3)),
    "adamw": ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    "rmsprop_centered": ("RMSprop", dict(lr=1e-3, centered=True, momentum=0.5, weight_decay=1e-3)),
    "adagrad": ("Adagrad", dict(lr=0.05, lr_decay=0.01, weight_decay=1e-3)),
}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("model", MODELS)
def test_three_optimizer_steps_match(model, optimizer):
    ours, theirs = twins(MODELS[model], seed=2)
    name, kwargs = OPTIMIZERS[optimizer]
    ours_opt = getattr(cr.optim, name)(ours.parameters(), **kwargs)
    theirs_opt = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    for step in range(3):
        images, labels = digits_batch(offset=24 * step)
        for model_, opt, pkg in ((ours, ours_opt, cr), (theirs, theirs_opt, torch)):
            opt.zero_grad()
            pkg.nn.functional.cross_entropy(model_(pkg.tensor(images)), pkg.tensor(labels)).backward()
            opt.step()
        assert_same_state(ours, theirs)
    ours.eval()
    theirs.eval()
    images, _ = digits_batch(offset=100)
    assert_same(ours(cr.tensor(images)), theirs(torch.tensor(images)), "eval logits after training")


def _train_both_a_step(ours, theirs):
    images, labels = digits_batch()
    for model_, pkg in ((ours, cr), (theirs, torch)):
        opt = pkg.optim.SGD(model_.parameters(), lr=0.1)
        pkg.nn.functional.cross_entropy(model_(pkg.tensor(images)), pkg.tensor(labels)).backward()
        opt.step()


@pytest.mark.parametrize("model", MODELS)
def test_state_dict_saved_by_chainrule_loads_into_torch(model, tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    ours, _ = twins(MODELS[model], seed=3)
    _, theirs = twins(MODELS[model], seed=4)  # different weights until loaded
    _train_both_a_step(ours, theirs)  # running statistics and weights away from their initial values
    path = tmp_path / "model.safetensors"
    cr.save(ours.state_dict(), path)
    theirs.load_state_dict(safetensors_torch.load_file(path))
    assert_same_state(ours, theirs, rtol=0, atol=0)
    ours.eval()
    theirs.eval()
    images, _ = digits_batch(offset=50)
    assert_same(ours(cr.tensor(images)), theirs(torch.tensor(images)), "eval logits")


@pytest.mark.parametrize("model", MODELS)
def test_state_dict_saved_by_torch_loads_into_chainrule(model, tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    _, theirs = twins(MODELS[model], seed=5)
    ours, _ = twins(MODELS[model], seed=6)
    _train_both_a_step(ours, theirs)
    path = tmp_path / "model.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), path)
    ours.load_state_dict(cr.load(path))
    assert_same_state(ours, theirs, rtol=0, atol=0)
    ours.eval()
    theirs.eval()
    images, _ = digits_batch(offset=50)
    assert_same(ours(cr.tensor(images)), theirs(torch.tensor(images)), "eval logits")
