"""The Summary protocol buffer of a precision-recall curve (add_pr_curve), as torch.utils.tensorboard writes it
for TensorBoard's PR-curves plugin: a (6, num_thresholds) float tensor of true/false positive/negative counts,
precision and recall at num_thresholds evenly spaced thresholds of the predicted probability."""
import numpy as np
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData

_MINIMUM_COUNT = 1e-7
_MAX_THRESHOLDS = 127  # the most torch.utils.tensorboard writes (more breaks its protobuf)


def _curve(labels, predictions, num_thresholds, weights):
    """Counts at each threshold t (predictions >= t), binned as PyTorch's compute_curve bins them."""
    weights = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    positive = labels.astype(np.float64)
    span = (0, num_thresholds - 1)
    tp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span, weights=positive * weights)
    fp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span, weights=(1.0 - positive) * weights)
    tp = np.cumsum(tp_buckets[::-1])[::-1]
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(_MINIMUM_COUNT, tp + fp)
    recall = tp / np.maximum(_MINIMUM_COUNT, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def pr_curve_summary(tag, labels, predictions, num_thresholds=_MAX_THRESHOLDS, weights=None):
    num_thresholds = min(num_thresholds, _MAX_THRESHOLDS)
    data = _curve(labels, predictions, num_thresholds, weights)
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="pr_curves", content=content))
    tensor = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(),
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=size) for size in data.shape]))
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata, tensor=tensor)])
