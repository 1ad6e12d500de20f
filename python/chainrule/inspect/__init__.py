"""chainrule.inspect: look inside a model.

summary(model, input_size=...)  torchinfo's summary: a row per layer with its output shape,
                                parameters, multiply-adds, activation memory and measured
                                forward/backward time, and the totals (docs/inspect.md).
graph(tensor, params=...)       the autograd graph that produced a tensor, as Graphviz DOT text;
write_graph(dot, "g.svg")       draws it with Graphviz's `dot` when that is installed.
autograd_walk.walk(tensor)      the graph's nodes and edges, for other drawers of it.
Saliency, IntegratedGradients,  Captum's attribution methods, same names and attribute() arguments:
NoiseTunnel, LayerGradCam,      which input features (or feature maps) the model's output for a
LayerAttribution, Occlusion     target depends on.
check_model(model, x, loss_fn)  every gradient of the model against central differences in float64,
                                naming the layer whose backward is wrong.
TrainingStats(model)            hooks that record per-layer activation and gradient statistics while
                                the model trains (dead ReLUs, update/weight ratios); .plot(path).
"""
from chainrule.inspect._dot import graph, graphviz_available, write_graph
from chainrule.inspect._grad_cam import LayerAttribution, LayerGradCam
from chainrule.inspect._gradient_check import check_model
from chainrule.inspect._integrated_gradients import IntegratedGradients
from chainrule.inspect._noise_tunnel import NoiseTunnel
from chainrule.inspect._occlusion import Occlusion
from chainrule.inspect._saliency import Saliency
from chainrule.inspect._statistics import ModelStatistics
from chainrule.inspect._summary import summary
from chainrule.inspect._training_stats import TrainingStats

__all__ = ["IntegratedGradients", "LayerAttribution", "LayerGradCam", "ModelStatistics", "NoiseTunnel", "Occlusion",
           "Saliency", "TrainingStats", "check_model", "graph", "graphviz_available", "summary", "write_graph"]
