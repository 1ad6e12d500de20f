"""chainrule.manual_seed returns chainrule.default_generator, the global CPU generator as a Generator
object, as PyTorch's does; passed as generator= it draws as generator=None does."""
import pytest

import chainrule as cr
from chainrule.utils.data import random_split
from conftest import requires_torch, torch


@requires_torch
def test_manual_seed_returns_the_default_generator_as_torch():
    for lib in (cr, torch):
        generator = lib.manual_seed(3)
        assert generator is lib.default_generator is lib.random.default_generator
        assert isinstance(generator, lib.Generator)
        assert generator.initial_seed() == lib.initial_seed() == 3
        assert generator.manual_seed(5) is generator and lib.initial_seed() == 5
        assert str(generator.device) == "cpu"


@requires_torch
@pytest.mark.parametrize("seed", [0, 2**64 - 1, -1, -2**63, 7.9, "12", True])
def test_manual_seed_takes_what_torch_takes(seed):
    assert cr.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()


@requires_torch
@pytest.mark.parametrize("seed", [2**64, -2**63 - 1])
def test_manual_seed_out_of_range_is_a_value_error_as_in_torch(seed):
    for lib in (cr, torch):
        with pytest.raises(ValueError):
            lib.manual_seed(seed)


@pytest.mark.parametrize("draw", [
    lambda g: cr.rand(4, generator=g),
    lambda g: cr.randn(4, generator=g),
    lambda g: cr.randint(0, 100, (4,), generator=g),
    lambda g: cr.randperm(6, generator=g),
    lambda g: cr.multinomial(cr.ones(5), 3, generator=g),
    lambda g: cr.empty(4).uniform_(generator=g),
    lambda g: cr.normal(0.0, 1.0, (4,), generator=g),
    lambda g: cr.poisson(cr.full((4,), 3.0), generator=g),
    lambda g: cr.tensor(random_split(range(10), [5, 5], generator=g)[0].indices),
])
def test_default_generator_draws_as_none_does(draw):
    cr.manual_seed(11)
    by_default_generator = draw(cr.default_generator)
    cr.manual_seed(11)
    by_none = draw(None)
    assert by_default_generator.tolist() == by_none.tolist()
    assert draw(cr.default_generator).tolist() != by_none.tolist() or by_none.numel() < 2  # it advanced


def test_default_generator_state_round_trips_and_seeds_the_cpu_only():
    state = cr.default_generator.get_state()
    expected = cr.rand(5)
    assert cr.default_generator.set_state(state) is cr.default_generator
    assert cr.rand(5).tolist() == expected.tolist()
    new_seed = cr.default_generator.seed()
    assert new_seed == cr.initial_seed() == cr.default_generator.initial_seed()
