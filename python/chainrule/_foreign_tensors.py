"""Tensors of real PyTorch reaching chainrule: safetensors.torch.load_file, a Hugging Face state_dict or any
torch-based library hands them to a program that builds chainrule tensors and parameters from them
(`nn.Parameter(right.clone().detach())`, `torch.tensor(right)` in weight-loading code). They are copied
through NumPy: detached, on the CPU, float16/bfloat16 widened to float32 (chainrule's float32 goes by those
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
