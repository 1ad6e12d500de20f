"""Random GPU tensors drawn on the GPU from its CUDA generator (cpp/core/cuda_generator.h,
cpp/cuda/random.cu): a seed gives the same GPU values on every run, later draws differ, the values
have the right ranges and moments, dropout masks follow chainrule.cuda.manual_seed and leave the
CPU's generator alone, and the state round-trips. The seeding calls themselves are also checked
without a GPU, where they behave as a CPU-only PyTorch's. The formulas behind the kernels are
checked on the host by tests/cpp/test_counter_rng.cpp."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from cuda_support import requires_gpu

no_gpu_only = pytest.mark.skipif(cr.cuda.is_available(), reason="checks the calls on a machine without a GPU")

# Every random GPU op that used to draw on the host: name -> a fresh draw on the GPU.
DRAWS = {
    "rand": lambda: cr.rand(3, 5, device="cuda"),
    "rand_float64": lambda: cr.rand(7, dtype=cr.float64, device="cuda"),
    "randn": lambda: cr.randn(9, device="cuda"),
    "randn_float64": lambda: cr.randn(2, 3, dtype=cr.float64, device="cuda"),
    "randint": lambda: cr.randint(-5, 1000, (11,), device="cuda"),
    "rand_like": lambda: cr.rand_like(cr.empty(4, device="cuda")),
    "randn_like": lambda: cr.randn_like(cr.empty(4, device="cuda")),
    "randint_like": lambda: cr.randint_like(cr.empty(6, device="cuda"), 100),
    "uniform_": lambda: cr.empty(3, 4, device="cuda").uniform_(-2, 2),
    "normal_": lambda: cr.empty(5, device="cuda", dtype=cr.float64).normal_(1, 3),
    "normal_strided": lambda: cr.zeros(4, 6, device="cuda").t().normal_(),
    "normal": lambda: cr.normal(0.0, 2.0, (8,), device="cuda"),
    "bernoulli": lambda: cr.bernoulli(cr.full((16,), 0.5, device="cuda")),
    "bernoulli_": lambda: cr.empty(16, device="cuda").bernoulli_(0.3),
    "exponential_": lambda: cr.empty(6, device="cuda").exponential_(2.0),
    "random_": lambda: cr.empty(12, dtype=cr.int64, device="cuda").random_(0, 50),
    "dropout": lambda: nn.functional.dropout(cr.ones(40, device="cuda"), 0.5),
    "kaiming_uniform_": lambda: nn.init.kaiming_uniform_(cr.empty(4, 3, device="cuda")),
    "randperm": lambda: cr.randperm(20, device="cuda"),  # drawn on the host from a seed the GPU's stream gives
    "multinomial": lambda: cr.multinomial(cr.tensor([0.2, 0.5, 0.3], device="cuda"), 12, replacement=True),
}


@requires_gpu
@pytest.mark.parametrize("name", sorted(DRAWS))
def test_a_seed_gives_the_same_gpu_values_and_the_next_draw_differs(name):
    draw = DRAWS[name]
    cr.cuda.manual_seed(3)
    first, second = draw(), draw()
    cr.cuda.manual_seed(3)
    again = draw()
    assert first.device.type == "cuda" and again.device.type == "cuda"
    np.testing.assert_array_equal(again.cpu().numpy(), first.cpu().numpy())
    assert not np.array_equal(second.cpu().numpy(), first.cpu().numpy())


@requires_gpu
@pytest.mark.parametrize("name", sorted(DRAWS))
def test_gpu_draws_leave_the_cpus_generator_alone(name):
    cr.manual_seed(0)
    expected = cr.rand(4).numpy()
    cr.manual_seed(0)
    DRAWS[name]()
    np.testing.assert_array_equal(cr.rand(4).numpy(), expected)


@requires_gpu
def test_chainrule_manual_seed_seeds_the_gpu_too():
    cr.manual_seed(5)
    from_global = cr.randn(10, device="cuda").cpu().numpy()
    cr.cuda.manual_seed(5)
    np.testing.assert_array_equal(cr.randn(10, device="cuda").cpu().numpy(), from_global)
    cr.cuda.manual_seed_all(5)
    np.testing.assert_array_equal(cr.randn(10, device="cuda").cpu().numpy(), from_global)
    assert cr.cuda.initial_seed() == 5


@requires_gpu
@pytest.mark.parametrize("dtype", [cr.float32, cr.float64])
def test_rand_is_uniform_on_the_half_open_unit_interval(dtype):
    cr.cuda.manual_seed(1)
    u = cr.rand(1_000_000, dtype=dtype, device="cuda").cpu().numpy()
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 2e-3 and abs(u.var() - 1 / 12) < 1e-3
    v = cr.empty(100_000, dtype=dtype, device="cuda").uniform_(-3, 5).cpu().numpy()
    assert v.min() >= -3 and v.max() < 5 and abs(v.mean() - 1) < 0.05


@requires_gpu
@pytest.mark.parametrize("dtype", [cr.float32, cr.float64])
def test_randn_has_standard_normal_moments(dtype):
    cr.cuda.manual_seed(2)
    z = cr.randn(1_000_001, dtype=dtype, device="cuda").cpu().numpy().astype(np.float64)
    assert np.isfinite(z).all()
    assert abs(z.mean()) < 5e-3 and abs(z.var() - 1) < 5e-3 and abs((z ** 4).mean() - 3) < 0.05
    w = cr.empty(100_000, dtype=dtype, device="cuda").normal_(2, 0.5).cpu().numpy()
    assert abs(w.mean() - 2) < 0.01 and abs(w.std() - 0.5) < 0.01


@requires_gpu
@pytest.mark.parametrize("dtype", [cr.int64, cr.float32, cr.bool])
def test_randint_covers_low_to_high_exclusive(dtype):
    low, high = (0, 2) if dtype == cr.bool else (-3, 4)
    values = cr.randint(low, high, (70_000,), dtype=dtype, device="cuda")
    assert values.dtype == dtype and values.device.type == "cuda"
    counts = np.unique(values.cpu().numpy().astype(np.int64), return_counts=True)
    assert list(counts[0]) == list(range(low, high))
    assert np.all(np.abs(counts[1] / 70_000 - 1 / (high - low)) < 0.01)
    extreme = cr.randint(-2 ** 63, 2 ** 63 - 1, (1000,), device="cuda").cpu().numpy()
    assert (extreme < 0).any() and (extreme > 0).any()


@requires_gpu
def test_bernoulli_and_dropout_rates_on_the_gpu():
    cr.cuda.manual_seed(4)
    assert abs(cr.bernoulli(cr.full((200_000,), 0.3, device="cuda")).mean().item() - 0.3) < 5e-3
    y = nn.functional.dropout(cr.ones(200_000, device="cuda"), 0.25).cpu().numpy()
    assert abs((y == 0).mean() - 0.25) < 5e-3
    np.testing.assert_allclose(np.unique(y[y != 0]), [4 / 3], rtol=1e-6)
    assert set(np.unique(nn.functional.dropout(cr.ones(100, dtype=cr.float64, device="cuda"), 0.5).cpu().numpy())) \
        <= {0.0, 2.0}


@requires_gpu
def test_dropout_masks_follow_the_cuda_seed_on_every_run():
    x = cr.ones(3, 1001, device="cuda")
    model = nn.Sequential(nn.Dropout(0.3), nn.AlphaDropout(0.2)).cuda()
    cr.cuda.manual_seed(5)
    first = model(x).cpu().numpy()
    cr.manual_seed(123)  # the CPU's seed does not matter once the GPU's is set again
    cr.cuda.manual_seed(5)
    np.testing.assert_array_equal(model(x).cpu().numpy(), first)
    assert not np.array_equal(model(x).cpu().numpy(), first)


@requires_gpu
def test_rng_state_round_trips_and_offsets_count_the_draws():
    cr.cuda.manual_seed(8)
    state = cr.cuda.get_rng_state()
    assert state.device.type == "cpu" and state.dtype == cr.int64 and state.tolist() == [8, 0]
    first = cr.rand(5, device="cuda").cpu().numpy()
    assert cr.cuda.get_rng_state("cuda:0").tolist() == [8, 5]
    cr.randn(3, device="cuda")  # a normal fill reserves an even count: 4
    assert cr.cuda.get_rng_state(0).tolist() == [8, 9]
    cr.cuda.set_rng_state(state)
    np.testing.assert_array_equal(cr.rand(5, device="cuda").cpu().numpy(), first)
    states = cr.cuda.get_rng_state_all()
    assert len(states) == cr.cuda.device_count()
    cr.cuda.set_rng_state_all([state] * len(states))
    np.testing.assert_array_equal(cr.rand(5, device="cuda").cpu().numpy(), first)


@requires_gpu
def test_seed_and_seed_all_pick_a_fresh_random_seed():
    cr.cuda.manual_seed(0)
    cr.cuda.seed()
    first = cr.cuda.initial_seed()
    cr.cuda.seed_all()
    assert first != 0 and cr.cuda.initial_seed() != first


@requires_gpu
def test_randperm_and_multinomial_on_the_gpu_are_valid_samples():
    assert sorted(cr.randperm(50, device="cuda").cpu().tolist()) == list(range(50))
    picks = cr.multinomial(cr.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]], device="cuda"), 2).cpu().numpy()
    assert picks[0, 0] == 1 and sorted(picks[1]) == [0, 2]


@requires_gpu
def test_a_cuda_generator_drives_gpu_ops_and_keeps_its_own_state():
    g = cr.Generator(device="cuda")
    assert g.device == cr.device("cuda:0") and g.initial_seed() == 67280421310721  # PyTorch's default
    g.manual_seed(7)
    cr.cuda.manual_seed(7)
    ours = cr.rand(5, generator=g, device="cuda")
    np.testing.assert_array_equal(ours.cpu().numpy(), cr.rand(5, device="cuda").cpu().numpy())  # the same stream
    state = g.get_state()
    assert state.tolist() == [7, 5]
    draws = [lambda: cr.randn(4, generator=g, device="cuda"),
             lambda: cr.randint(0, 9, (6,), generator=g, device="cuda"),
             lambda: cr.empty(3, device="cuda").uniform_(generator=g),
             lambda: cr.empty(3, device="cuda").normal_(generator=g),
             lambda: cr.normal(0.0, 1.0, (4,), generator=g, device="cuda"),
             lambda: cr.bernoulli(cr.full((8,), 0.5, device="cuda"), generator=g),
             lambda: cr.empty(5, dtype=cr.int64, device="cuda").random_(0, 100, generator=g),
             lambda: cr.randperm(9, generator=g, device="cuda")]
    first = [draw().cpu().numpy() for draw in draws]
    g.set_state(state)
    for draw, values in zip(draws, first):
        np.testing.assert_array_equal(draw().cpu().numpy(), values)
    assert cr.cuda.get_rng_state().tolist() == [7, 5]  # the GPU's own generator did not move
    with pytest.raises(RuntimeError, match="(?i)expected a 'cpu' device type for generator but found 'cuda'"):
        cr.rand(3, generator=g)
    with pytest.raises(RuntimeError, match="(?i)expected a 'cpu' device type for generator but found 'cuda'"):
        list(cr.utils.data.RandomSampler(range(3), generator=g))


@requires_gpu
def test_fork_rng_restores_the_gpus_generators():
    cr.cuda.manual_seed(6)
    with cr.random.fork_rng():
        inside = cr.rand(4, device="cuda").cpu().numpy()
    np.testing.assert_array_equal(cr.rand(4, device="cuda").cpu().numpy(), inside)


@requires_gpu
def test_vmap_same_randomness_replays_the_gpus_draws_too():
    rows = cr.func.vmap(lambda x: x + cr.rand(3, device="cuda"), randomness="same")(cr.zeros(4, 3, device="cuda"))
    rows = rows.cpu().numpy()
    assert (rows == rows[0]).all() and len(np.unique(rows[0])) == 3


@requires_gpu
def test_a_private_generator_still_draws_on_the_host_with_the_cpus_values():
    cpu = cr.rand(6, generator=cr.Generator().manual_seed(1))
    gpu = cr.rand(6, generator=cr.Generator().manual_seed(1), device="cuda")
    assert gpu.device.type == "cuda"
    np.testing.assert_array_equal(gpu.cpu().numpy(), cpu.numpy())


@requires_gpu
def test_layers_built_on_the_gpu_initialize_there_reproducibly():
    cr.manual_seed(0)
    first = nn.Linear(4, 3, device="cuda")
    cr.manual_seed(0)
    again = nn.Linear(4, 3, device="cuda")
    assert first.weight.device.type == "cuda"
    np.testing.assert_array_equal(again.weight.detach().cpu().numpy(), first.weight.detach().cpu().numpy())
    bound = 1 / np.sqrt(4)
    assert np.abs(first.bias.detach().cpu().numpy()).max() < bound


def test_chainrule_manual_seed_and_seed_seed_every_gpu_generator():
    # the core's generators exist without a GPU too, so this is checked everywhere
    cr.manual_seed(123)
    assert cr._C._cuda_generator(0).initial_seed() == 123 and cr._C._cuda_generator(1).initial_seed() == 123
    s = cr.seed()
    assert cr._C._cuda_generator(0).initial_seed() == s
    cr.cuda.manual_seed_all(-1)  # negative seeds wrap to 64 bits, as in PyTorch
    assert cr._C._cuda_generator(0).get_state() == [2 ** 64 - 1, 0]


def test_cuda_seeding_calls_leave_the_cpus_generator_alone():
    cr.manual_seed(3)
    expected = cr.rand(4).numpy()
    cr.manual_seed(3)
    cr.cuda.manual_seed(9)
    cr.cuda.manual_seed_all(1)
    cr.cuda.seed()
    cr.cuda.seed_all()
    np.testing.assert_array_equal(cr.rand(4).numpy(), expected)


@no_gpu_only
def test_seeding_calls_without_a_gpu_behave_as_a_cpu_only_pytorchs():
    torch = pytest.importorskip("torch")
    for lib, state in ((cr, cr.tensor([1, 0])), (torch, torch.zeros(16, dtype=torch.uint8))):
        assert lib.cuda.manual_seed(1) is None and lib.cuda.manual_seed_all(1) is None
        assert lib.cuda.seed() is None and lib.cuda.seed_all() is None
        assert lib.cuda.get_rng_state_all() == []
        assert lib.cuda.set_rng_state(state) is None and lib.cuda.set_rng_state_all([state]) is None
        with pytest.raises(ValueError):
            lib.cuda.manual_seed("a")
    for call in (cr.cuda.initial_seed, cr.cuda.get_rng_state):  # PyTorch raises too (an AssertionError)
        with pytest.raises(RuntimeError, match="not available|without CUDA"):
            call()


def test_cuda_random_module_has_torchs_generator_calls():
    torch = pytest.importorskip("torch")
    import chainrule.cuda.random as cuda_random
    assert sorted(cuda_random.__all__) == sorted(name for name in torch.cuda.random.__all__)
    for name in cuda_random.__all__:  # the same functions as chainrule.cuda's, as torch.cuda re-exports its own
        assert getattr(cr.cuda.random, name) is getattr(cr.cuda, name)
    assert cr.cuda.random.manual_seed(0) is None and cr.cuda.random.manual_seed_all(0) is None


def test_set_rng_state_takes_only_a_state_from_get_rng_state():
    for bad in (cr.tensor([1.0, 2.0]), cr.tensor([1, 2, 3]), [1, 2]):
        with pytest.raises(TypeError, match=r"\[seed, offset\]"):
            cr.cuda.set_rng_state(bad)
    with pytest.raises(ValueError, match="expected a CUDA device"):
        cr.cuda.get_rng_state("cpu")
