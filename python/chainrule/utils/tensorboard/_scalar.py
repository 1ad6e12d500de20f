"""The Summary protocol buffer of one scalar (add_scalar, add_scalars), as torch.utils.tensorboard writes it:
old style as `simple_value`, new style as a one-element float (or double) TensorProto for the scalars plugin."""
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto

from chainrule.utils.tensorboard._convert import to_numpy


def scalar_summary(tag, value, new_style=False, double_precision=False):
    """Summary of one number under `tag`; `value` may be a number or any array/tensor holding exactly one."""
    caller = f"add_scalar('{tag}')"
    array = to_numpy(value, caller).squeeze()
    if array.ndim != 0:
        raise ValueError(f"{caller}: expected one number, got {array.size} values (shape {tuple(array.shape)}); "
                         "log one of them, a reduction such as .mean(), or use add_histogram for all of them")
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    tensor = (TensorProto(double_val=[number], dtype="DT_DOUBLE") if double_precision
              else TensorProto(float_val=[number], dtype="DT_FLOAT"))
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
