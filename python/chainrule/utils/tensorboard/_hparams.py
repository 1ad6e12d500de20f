"""The three Summary protocol buffers of add_hparams, as torch.utils.tensorboard makes them for the HParams plugin.

The experiment (the names and types of the hyperparameters, the metric tags), the session start
(this run's values) and the session end (status success). Values may be numbers, strings, bools,
None (skipped) or one-element chainrule tensors; hparam_domain_discrete lists the values a
hyperparameter can take, of its type.
"""
from google.protobuf import struct_pb2
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.hparams.api_pb2 import DataType, Experiment, HParamInfo, MetricInfo, MetricName, Status
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData, SessionEndInfo, SessionStartInfo

from chainrule._C import Tensor
from chainrule.utils.tensorboard._convert import to_numpy

# The Value field and the HParams data type of each Python type (number before bool: True is an int too,
# and PyTorch records bools as numbers).
VALUE_KINDS = [((int, float), "number_value", "DATA_TYPE_FLOAT64"),
               (str, "string_value", "DATA_TYPE_STRING"),
               (bool, "bool_value", "DATA_TYPE_BOOL")]


def _plugin_summary(tag, **content):
    data = HParamsPluginData(version=hparams_metadata.PLUGIN_DATA_VERSION, **content)
    plugin = SummaryMetadata.PluginData(plugin_name=hparams_metadata.PLUGIN_NAME, content=data.SerializeToString())
    return Summary(value=[Summary.Value(tag=tag, metadata=SummaryMetadata(plugin_data=plugin))])


def _check_domains(hparam_dict, domains):
    if not isinstance(domains, dict):
        raise TypeError("add_hparams: hparam_domain_discrete should be a dictionary, nothing logged.")
    for name, values in domains.items():
        if name not in hparam_dict or not isinstance(values, list) or \
                not all(isinstance(v, type(hparam_dict[name])) for v in values):
            raise TypeError(f"add_hparams: hparam_domain_discrete[{name}] should be a list of same type as "
                            f"hparam_dict[{name}].")


def hparams_summaries(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """(experiment, session start, session end) Summaries."""
    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("add_hparams: hparam_dict and metric_dict should be dictionaries, nothing logged.")
    domains = hparam_domain_discrete or {}
    _check_domains(hparam_dict, domains)
    start, infos = SessionStartInfo(), []
    for name, value in hparam_dict.items():
        if value is None:
            continue
        if isinstance(value, Tensor):
            value = float(to_numpy(value, f"add_hparams('{name}')").reshape(-1)[0])
        kind = next((k for k in VALUE_KINDS if isinstance(value, k[0])), None)
        if kind is None:
            raise ValueError(f"add_hparams: hparam_dict['{name}'] is a {type(value).__name__}; "
                             "values should be one of int, float, str, bool, or a tensor")
        _, field, data_type = kind
        setattr(start.hparams[name], field, value)
        domain = None
        if name in domains:
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: v}) for v in domains[name]])
        infos.append(HParamInfo(name=name, type=DataType.Value(data_type), domain_discrete=domain))
    experiment = Experiment(hparam_infos=infos, metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    return (_plugin_summary(hparams_metadata.EXPERIMENT_TAG, experiment=experiment),
            _plugin_summary(hparams_metadata.SESSION_START_INFO_TAG, session_start_info=start),
            _plugin_summary(hparams_metadata.SESSION_END_INFO_TAG,
                            session_end_info=SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))))
