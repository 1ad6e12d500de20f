"""Tensors of real PyTorch reaching chainrule: safetensors.torch.load_file, a Hugging Face state_dict or any
torch-based library hands them to a program that builds chainrule tensors and parameters from them
(`nn.Parameter(right.clone().detach())`, `torch.tensor(right)` in weight-loading code) or passes them to
chainrule functions (`torch.chunk(hf_weight, 3, dim=-1)`, `param.copy_(hf_weight)`: the binding layer asks
pytorch_tensor_copy for such an argument). They are copied through NumPy: detached, on the CPU, float16/bfloat16 widened to float32 (chainrule's float32 goes by those
names, and NumPy has no bfloat16)."""


def is_pytorch_tensor(data):
    """Whether data is a tensor of the real PyTorch package (not a chainrule one)."""
    return type(data).__module__.split(".")[0] == "torch" and hasattr(data, "detach") and hasattr(data, "numpy")


def pytorch_tensor_array(data):
    """A NumPy copy of a real PyTorch tensor's values (see the module docstring)."""
    values = data.detach().cpu()
    if values.is_floating_point() and values.element_size() < 4:
        values = values.float()
    return values.numpy()


def pytorch_tensor_copy(data):
    """A chainrule copy of data when it is a real PyTorch tensor, else None (the C++ bindings call this
    for an argument that did not load as a chainrule tensor, before they raise their TypeError)."""
    if not is_pytorch_tensor(data):
        return None
    from chainrule._tensor import tensor
    return tensor(data)
