"""Top-level functions and Tensor methods composed in Python from the bound C++ ops, one topic a file.

Each module defines PyTorch-named functions and attaches the ones PyTorch also has as methods to
chainrule.Tensor; chainrule/__init__.py re-exports them. Gradients come from the composed ops.
"""
