"""Tensors of real PyTorch reaching chainrule: safetensors.torch.load_file, a Hugging Face state_dict or any
torch-based library hands them to a program that builds chainrule tensors and parameters from them
(`nn.Parameter(right.clone().detach())`, `torch.tensor(right)` in weight-loading code) or passes them to
chainrule functions (`torch.chunk(hf_weight, 3, dim=-1)`, `param.copy_(hf_weight)`: the binding layer asks
pytorch_tensor_copy for such an argument). They are copied through NumPy: detached, on the CPU, in their own
dtype; bfloat16, which NumPy lacks, travels as float32 (exactly) and is narrowed back by tensor()."""


def is_pytorch_tensor(data):
    """Whether data is a tensor of the real PyTorch package (not a chainrule one)."""
    return type(data).__module__.split(".")[0] == "torch" and hasattr(data, "detach") and hasattr(data, "numpy")


def pytorch_tensor_array(data):
    """A NumPy copy of a real PyTorch tensor's values (see the module docstring)."""
    values = data.detach().cpu()
    return (values.float() if is_pytorch_bfloat16(values) else values).numpy()


def is_pytorch_bfloat16(data):
    return str(data.dtype) == "torch.bfloat16"


def pytorch_tensor_copy(data):
    """A chainrule copy of data when it is a real PyTorch tensor, else None (the C++ bindings call this
    for an argument that did not load as a chainrule tensor, before they raise their TypeError)."""
    if not is_pytorch_tensor(data):
        return None
    from chainrule._tensor import tensor
    return tensor(data)
