"""The Summary protocol buffer of a text entry (add_text): a one-string tensor for the text plugin, under
'<tag>/text_summary' as torch.utils.tensorboard writes it (TensorBoard renders it as Markdown)."""
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData


def text_summary(tag, text):
    if not isinstance(text, str):
        raise TypeError(f"add_text('{tag}'): expected a str, got {type(text).__name__}")
    plugin = SummaryMetadata.PluginData(plugin_name="text", content=TextPluginData(version=0).SerializeToString())
    tensor = TensorProto(dtype="DT_STRING", string_val=[text.encode("utf_8")],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=SummaryMetadata(plugin_data=plugin),
                                        tensor=tensor)])
