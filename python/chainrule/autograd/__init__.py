"""chainrule.autograd: reverse-mode automatic differentiation (backprop is the chain rule).

backward() and grad() run the C++ engine over the graph that ops record; no_grad(), enable_grad(),
set_grad_enabled() and inference_mode() switch recording off and on; Function defines new
differentiable ops in Python; gradcheck() and gradgradcheck() compare the analytic gradients with
central finite differences. detect_anomaly()/set_detect_anomaly() make backward raise at the first
backward function that returns NaN; autograd.functional adds jacobian, hessian, vjp, jvp, hvp, vhp.
Variable is the legacy wrapper (calling it returns a tensor).
"""
from chainrule.autograd.grad_mode import (  # noqa: F401
    enable_grad, no_grad, set_grad_enabled, inference_mode, is_inference_mode_enabled)
from chainrule.autograd.functional import backward, grad  # noqa: F401
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck  # noqa: F401
from chainrule.autograd.function import Function, FunctionCtx  # noqa: F401
from chainrule.autograd.anomaly_mode import (  # noqa: F401
    detect_anomaly, set_detect_anomaly, is_anomaly_enabled, is_anomaly_check_nan_enabled)
from chainrule.autograd import forward_ad, functional, graph  # noqa: F401
from chainrule.autograd.variable import Variable  # noqa: F401

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.autograd")
