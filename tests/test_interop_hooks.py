"""from_torch refuses a module whose hooks could change what it computes."""

import pytest

from tinygrad_edu.interop import from_torch

HOOKS = {
    "forward hook": lambda module: module.register_forward_hook(lambda m, i, o: o * 100),
    "forward pre-hook": lambda module: module.register_forward_pre_hook(lambda m, i: i),
    "backward hook": lambda module: module.register_full_backward_hook(lambda m, gi, go: gi),
    "backward pre-hook": lambda module: module.register_full_backward_pre_hook(lambda m, go: go),
}


@pytest.mark.parametrize("kind", HOOKS)
@pytest.mark.parametrize("where", ["outer", "inner"])
def test_a_module_with_a_hook_is_refused_naming_the_hook(torch, kind, where):
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1))
    handle = HOOKS[kind](net if where == "outer" else net[2])
    with pytest.raises(ValueError, match=f"from_torch: .*has a {kind} .*remove it first"):
        from_torch(net)
    handle.remove()
    from_torch(net)  # without the hook it converts


def test_a_global_forward_hook_is_refused(torch):
    net = torch.nn.Sequential(torch.nn.Linear(2, 1))
    handle = torch.nn.modules.module.register_module_forward_hook(lambda m, i, o: o * 100)
    try:
        with pytest.raises(ValueError, match="from_torch: a forward hook for every module is registered"):
            from_torch(net)
    finally:
        handle.remove()
