"""chainrule._inductor.config: torch._inductor.config's commonly set knobs, with PyTorch's defaults.

chainrule's compile() runs models as they are (see _functions/compile.py), so these settings change
nothing; they exist so a program that tunes inductor before compiling runs unchanged. As in PyTorch,
reading or setting a knob the config does not have is an AttributeError ("... does not exist"), and
`triton` holds the triton.* knobs.
"""
from chainrule._knobs import Knobs, install

_KNOBS = {
    "coordinate_descent_tuning": False, "coordinate_descent_check_all_directions": False,
    "fx_graph_cache": True, "fx_graph_remote_cache": None, "autotune_local_cache": True,
    "epilogue_fusion": True, "aggressive_fusion": False, "permute_fusion": False, "split_reductions": True,
    "max_autotune": False, "max_autotune_gemm": False, "max_autotune_pointwise": False,
    "freezing": False, "force_fuse_int_mm_with_mul": False, "use_mixed_mm": True, "shape_padding": True,
    "cpp_wrapper": False, "debug": False, "benchmark_kernel": False, "fallback_random": False,
    "emulate_precision_casts": False, "reorder_for_compute_comm_overlap": False, "online_softmax": True,
    "unroll_reductions_threshold": 8, "conv_1x1_as_mm": False,
}
_TRITON_KNOBS = {"unique_kernel_names": True, "cudagraphs": False, "cudagraph_trees": True,
                 "descriptive_names": "original_aten"}


install(__name__, _KNOBS, triton=Knobs(f"{__name__}.triton", _TRITON_KNOBS))
