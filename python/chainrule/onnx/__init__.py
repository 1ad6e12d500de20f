"""chainrule.onnx: export a model to an ONNX file, as torch.onnx.export.

    model.eval()
    chainrule.onnx.export(model, (x,), "model.onnx", input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})

The export runs the model's forward once on `args` and records the ops it calls (see _trace.py);
the `onnx` package writes the file. It is an optional dependency: pip install "chainrule[onnx]".
What exports is listed in docs/onnx.md.
"""
import warnings

from chainrule.onnx._graph import UnsupportedOperatorError  # noqa: F401

__all__ = ["export", "UnsupportedOperatorError"]

DEFAULT_OPSET = 17  # torch.onnx's default for the TorchScript exporter
MIN_OPSET = 17      # LayerNormalization is an ONNX op from 17 on


def _import_onnx():
    try:
        import onnx
        import onnx.helper  # noqa: F401
        import onnx.numpy_helper  # noqa: F401
    except ImportError:
        raise ImportError('chainrule.onnx.export needs the onnx package: pip install "chainrule[onnx]"') from None
    return onnx


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None, output_names=None,
           opset_version=None, dynamo=False, external_data=False, dynamic_shapes=None,
           custom_translation_table=None, report=False, optimize=False, verify=False, profile=False,
           dump_exported_program=False, artifacts_dir=".", export_params=True, keep_initializers_as_inputs=False,
           dynamic_axes=None, training=None, operator_export_type=None, do_constant_folding=True,
           custom_opsets=None, export_modules_as_functions=False, autograd_inlining=True):
    """Export `model` (run on `args`, a tensor or a tuple whose last item may be a dict of keyword
    arguments) to the ONNX file or binary file object `f`, and return the onnx.ModelProto.

    As torch.onnx.export (TorchScript exporter): input_names/output_names name the graph's inputs and
    outputs (in the order of the flattened tensors); dynamic_axes maps such a name to the axes that
    may change size ({"x": [0]} or {"x": {0: "batch"}}); the model runs in eval mode during the
    export and gets its modes back. Keywords of torch's other exporters (dynamo, report, optimize,
    ...) are accepted and change nothing; export_params=False is not supported."""
    onnx = _import_onnx()
    from chainrule.onnx._model import build_model

    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"chainrule.onnx.export: opset_version={opset} is not supported; use "
                         f"{MIN_OPSET} to {onnx.defs.onnx_opset_version()}")
    if not export_params:
        raise NotImplementedError("chainrule.onnx.export: export_params=False is not supported "
                                  "(the parameters are always stored in the file)")
    if dynamic_shapes is not None:
        warnings.warn("chainrule.onnx.export: dynamic_shapes is ignored; use dynamic_axes")
    args = args if isinstance(args, tuple) else (args,)
    kwargs = dict(kwargs or {})
    if args and isinstance(args[-1], dict):
        args, kwargs = args[:-1], {**args[-1], **kwargs}
    proto = build_model(onnx, model, args, kwargs, opset, input_names, output_names, dynamic_axes or {})
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    if f is not None:
        onnx.save_model(proto, f)
    return proto
