"""Training on a GPU end to end: a small MLP classifier (Linear, ReLU, cross_entropy with label
smoothing and ignore_index, log_softmax, nll_loss) trained by the fused, multi-tensor SGD and
Adam/AdamW steps on CUDA parameters (cpp/cuda/optim.cu; tests/test_cuda_optim.py checks every
optimizer's GPU step), whose losses and final weights on the GPU match the CPU's step by step; the
MLP example (with dropout, whose GPU masks are the CUDA generator's) trains reproducibly on the GPU.
Needs a GPU and says so."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

pytestmark = pytest.mark.skipif(not cr.cuda.is_available(), reason="no CUDA device")

OPTIMIZERS = [
    (cr.optim.SGD, dict(lr=0.1)),
    (cr.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    (cr.optim.Adam, dict(lr=1e-2)),
    (cr.optim.Adam, dict(lr=1e-2, amsgrad=True, weight_decay=1e-2)),
    (cr.optim.AdamW, dict(lr=1e-2, weight_decay=0.1)),
]


def model_pair(seed=0):
    cr.manual_seed(seed)
    cpu = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    gpu = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).cuda()
    gpu.load_state_dict(cpu.state_dict())
    return cpu, gpu


@pytest.mark.parametrize("make, options", OPTIMIZERS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_steps_and_losses_match_the_cpu(make, options):
    cpu, gpu = model_pair()
    cpu_opt, gpu_opt = make(cpu.parameters(), **options), make(gpu.parameters(), **options)
    x, y = cr.randn(32, 8, generator=cr.Generator().manual_seed(1)), cr.arange(32) % 4
    y[3] = -100  # ignored
    for _ in range(5):
        losses = []
        for model, opt, inputs, targets in ((cpu, cpu_opt, x, y), (gpu, gpu_opt, x.cuda(), y.cuda())):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(inputs), targets, label_smoothing=0.1)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[1] == pytest.approx(losses[0], rel=1e-5)
    for (name, p_cpu), p_gpu in zip(cpu.named_parameters(), gpu.parameters()):
        np.testing.assert_allclose(p_gpu.detach().cpu().numpy(), p_cpu.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


def test_nll_loss_and_softmax_on_the_gpu_match_the_cpu():
    x, y = cr.randn(6, 5, 3), cr.tensor([[0, 1, 4], [2, 2, 2], [1, 0, 3], [4, 4, 0], [3, 1, 1], [0, 0, 0]])
    weight = cr.rand(5)
    for reduction in ("mean", "sum", "none"):
        cpu = nn.functional.nll_loss(nn.functional.log_softmax(x, 1), y, weight=weight, reduction=reduction,
                                     ignore_index=2)
        gpu = nn.functional.nll_loss(nn.functional.log_softmax(x.cuda(), 1), y.cuda(), weight=weight.cuda(),
                                     reduction=reduction, ignore_index=2)
        np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), rtol=1e-5)
    np.testing.assert_allclose(cr.softmax(x.cuda(), -1).cpu().numpy(), cr.softmax(x, -1).numpy(), rtol=1e-5)


def test_a_gpu_target_out_of_range_is_the_cpus_error_at_the_next_wait():
    with pytest.raises(IndexError, match="target 7 is out of bounds for 5 classes"):
        nn.functional.cross_entropy(cr.randn(2, 5).cuda(), cr.tensor([1, 7]).cuda()).item()


def test_the_mlp_example_trains_on_the_gpu_reproducibly_and_as_well_as_on_the_cpu():
    """Its dropout masks on the GPU come from the CUDA generator (not the CPU's masks, and the CPU
    stream the DataLoader shuffles with is left alone, as in PyTorch), so the GPU run is not the CPU's
    step by step: a seed gives the same GPU run every time, and it learns as the CPU run does."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "examples" / "mlp_digits.py"
    spec = importlib.util.spec_from_file_location("mlp_digits", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    _, gpu_accuracy, gpu_losses = example.train(epochs=2, progress=False, device="cuda")
    _, again_accuracy, again_losses = example.train(epochs=2, progress=False, device="cuda")
    _, cpu_accuracy, cpu_losses = example.train(epochs=2, progress=False, device="cpu")
    assert again_losses == pytest.approx(gpu_losses, rel=1e-6) and again_accuracy == gpu_accuracy
    assert gpu_losses[-1] < gpu_losses[0] and gpu_losses == pytest.approx(cpu_losses, rel=0.2)
    assert abs(gpu_accuracy - cpu_accuracy) < 0.1


def test_regression_losses_and_joins_match_the_cpu():
    x, y = cr.randn(4, 3), cr.randn(4, 3)
    for loss in (nn.functional.mse_loss, nn.functional.l1_loss):
        np.testing.assert_allclose(loss(x.cuda(), y.cuda()).item(), loss(x, y).item(), rtol=1e-6)
    np.testing.assert_array_equal(cr.cat([x.cuda(), y.cuda()], 1).cpu().numpy(), cr.cat([x, y], 1).numpy())
    np.testing.assert_array_equal(cr.stack([x.cuda(), y.cuda()]).cpu().numpy(), cr.stack([x, y]).numpy())
