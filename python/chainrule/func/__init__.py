"""chainrule.func, as torch.func: composable function transforms.

vmap (a loop over the mapped dimension, see _vmap.py), the autodiff transforms grad, grad_and_value,
vjp, jvp, jacrev, jacfwd and hessian (on chainrule.autograd, see _transforms.py), and
functional_call / stack_module_state to use an nn.Module as a function of its parameters.
"""
from chainrule.func._vmap import vmap
from chainrule.func._transforms import grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian
from chainrule.func._functional_call import functional_call, stack_module_state

__all__ = ["vmap", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "functional_call",
           "stack_module_state"]
