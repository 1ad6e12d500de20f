"""chainrule: a deep-learning framework with a C++ core and a PyTorch-style API.

The compiled core lives in chainrule._C (tensors, ops, autograd); this package re-exports it and adds
the Python conveniences: dtypes by name, Size, tensor(), repr and iteration.
"""
import os as _os

# chainrule has one thread pool, OpenMP's (BLAS runs on one thread; cpu/gemm.cpp splits products).
# Its idle threads sleep instead of spin, leaving the cores to the loops that follow and to other
# processes; spinning ones stalled whole training steps on 2 cores. A value the user set wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import scipy_openblas32 as _openblas  # noqa: F401,E402  -- loads libscipy_openblas.so before _C needs it

from chainrule import _C  # noqa: E402
from chainrule._C import *  # noqa: F401,F403
from chainrule._C import Tensor, device, dtype
from chainrule._tensor import Size, tensor, as_tensor, frombuffer, is_tensor  # noqa: F401
from chainrule._default_device import get_default_device, set_default_device  # noqa: F401,E402
from chainrule._tensor_str import set_printoptions, get_printoptions, printoptions  # noqa: F401
from chainrule import autograd, cuda, nn, optim, return_types  # noqa: F401
from chainrule import accelerator, amp, backends, cpu  # noqa: F401,E402
from chainrule.amp.autocast_mode import *  # noqa: F401,F403,E402  (autocast and its state functions)
from chainrule.amp import GradScaler  # noqa: F401,E402
from chainrule._settings import *  # noqa: F401,F403,E402
from chainrule._generator import Generator  # noqa: F401
from chainrule.serialization import save, load  # noqa: F401
from chainrule import utils, datasets  # noqa: F401,E402
from chainrule import multiprocessing  # noqa: F401,E402  (registers how multiprocessing sends shared tensors)
from chainrule.autograd import enable_grad, no_grad, set_grad_enabled  # noqa: F401
from chainrule.autograd.grad_mode import inference_mode, is_inference_mode_enabled  # noqa: F401,E402
from chainrule.autograd.anomaly_mode import (  # noqa: F401,E402
    is_anomaly_enabled, is_anomaly_check_nan_enabled, set_anomaly_enabled)
from chainrule._legacy_tensors import (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor,  # noqa: F401,E402
                                      IntTensor, ShortTensor, ByteTensor, CharTensor, BoolTensor, set_default_tensor_type)
from chainrule._tensor_surface import (  # noqa: F401,E402
    memory_format, contiguous_format, preserve_format, channels_last, channels_last_3d, layout, strided, is_complex,
    is_floating_point, is_signed, is_nonzero, is_same_size, zeros_like, ones_like, empty_like, full_like,
    rand_like, randn_like)
from chainrule import _tensor_host_methods  # noqa: F401,E402  (Tensor.apply_, map_)
from chainrule import _storage  # noqa: F401,E402  (Tensor.untyped_storage, storage)
# PyTorch functions composed in Python from the bound ops (each file also adds the Tensor methods).
from chainrule._functions.predicates import (  # noqa: F401,E402
    isnan, isinf, isfinite, isposinf, isneginf, isclose, allclose, equal, nan_to_num, count_nonzero)
from chainrule._functions.shapes import (  # noqa: F401,E402
    broadcast_shapes, broadcast_to, broadcast_tensors, meshgrid, swapaxes, swapdims, moveaxis, movedim)
from chainrule._functions.method_forms import clone, numel  # noqa: F401,E402
from chainrule._functions.dtypes import finfo, iinfo, get_default_dtype, set_default_dtype  # noqa: F401,E402
from chainrule._functions.diagonals import diag, diagonal, trace  # noqa: F401,E402
from chainrule._functions.fused_arith import addmm, baddbmm, addmv, addcmul, addcdiv, lerp  # noqa: F401,E402
from chainrule._functions.sequences import cumprod, repeat_interleave, logspace  # noqa: F401,E402
from chainrule._functions.nan_reductions import nansum, nanmean  # noqa: F401,E402
from chainrule._functions.einsum import einsum  # noqa: F401,E402
from chainrule._functions.distances import cdist  # noqa: F401,E402
from chainrule._functions.random_draws import (  # noqa: F401,E402
    normal, bernoulli, seed, get_rng_state, set_rng_state)
from chainrule.random import manual_seed, default_generator  # noqa: F401,E402
from chainrule._functions.counting import unique, bincount  # noqa: F401,E402
from chainrule._functions.compile import compile  # noqa: F401,E402
from chainrule._functions.statistics import std_mean, var_mean  # noqa: F401,E402
from chainrule._functions.removed_linalg import solve, lstsq, symeig, eig, matrix_rank  # noqa: F401,E402
from chainrule._functions import windows, pinning  # noqa: F401,E402  -- Tensor.unfold, pin_memory
from chainrule._functions.aliases import (  # noqa: F401,E402
    pi, e, inf, nan, newaxis, multiply, divide, subtract, negative, absolute, greater, greater_equal, less,
    less_equal, not_equal, arccos, arcsin, arctan, arctan2, fix, positive, ravel, range, abs_, acos_,
    arccos_, asin_, arcsin_, atan_, arctan_, neg_, negative_, fix_, trunc_, ceil_, floor_, round_, exp_, expm1_,
    log_, log2_, log10_, log1p_, sqrt_, rsqrt_, square_, reciprocal_, sin_, cos_, tan_, sinh_, cosh_, tanh_,
    sigmoid_, relu_, erf_, clamp_, clip_, clamp_min_, clamp_max_, nan_to_num_, xlogy_, zero_, fill_, detach,
    detach_, addmv_, as_strided, get_device)
from chainrule._functions.elementwise_math import (  # noqa: F401,E402
    logaddexp, logaddexp2, hypot, sinc, sinc_, rad2deg, rad2deg_, deg2rad, deg2rad_, exp2, exp2_, frac, frac_,
    logit, logit_, signbit, copysign, float_power, fmax, fmin, heaviside, sgn)
from chainrule._functions.products import (  # noqa: F401,E402
    cross, kron, tensordot, inner, vdot, cartesian_prod, block_diag, dist)
from chainrule._functions.stacking import (  # noqa: F401,E402
    atleast_1d, atleast_2d, atleast_3d, dstack, column_stack, row_stack, tensor_split, hsplit, vsplit, dsplit,
    rot90, diff)
from chainrule._functions.integration import trapezoid, trapz, cumulative_trapezoid  # noqa: F401,E402
from chainrule._functions.numerical_gradient import gradient  # noqa: F401,E402
from chainrule._functions.histograms import histc, histogram  # noqa: F401,E402
from chainrule._functions.promotion import promote_types, result_type, can_cast  # noqa: F401,E402
from chainrule._functions.nn_forms import (  # noqa: F401,E402
    conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, avg_pool1d, adaptive_avg_pool1d,
    adaptive_max_pool1d, max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool3d, pixel_shuffle,
    pixel_unshuffle, channel_shuffle, cosine_similarity, pairwise_distance, pdist, bilinear, prelu, hardshrink,
    rms_norm, dropout, dropout_, alpha_dropout, alpha_dropout_, feature_dropout, feature_dropout_,
    feature_alpha_dropout, feature_alpha_dropout_, layer_norm, group_norm, batch_norm, instance_norm, embedding,
    celu, celu_, selu, selu_, threshold, threshold_, rrelu, rrelu_, binary_cross_entropy_with_logits, kl_div,
    margin_ranking_loss, cosine_embedding_loss, hinge_embedding_loss, triplet_margin_loss, poisson_nll_loss,
    ctc_loss, constant_pad_nd)
from chainrule._functions.extrema import aminmax, cummax, cummin, mode  # noqa: F401,E402
from chainrule._functions.scans import logcumsumexp  # noqa: F401,E402
from chainrule._functions.membership import isin, argwhere, unravel_index  # noqa: F401,E402
from chainrule._functions.matrix_products import addr, ger, addbmm, chain_matmul, matrix_power  # noqa: F401,E402
from chainrule._functions.covariance import cov, corrcoef  # noqa: F401,E402
from chainrule._functions.diagonals import diag_embed, diagflat, diagonal_scatter  # noqa: F401,E402
from chainrule._functions.scatter_forms import (  # noqa: F401,E402
    index_fill, index_copy, masked_scatter, index_put, index_put_, select_scatter, slice_scatter, put, fill)
from chainrule._functions.real_views import (  # noqa: F401,E402
    conj, conj_physical, conj_physical_, resolve_conj, resolve_neg, real, imag, is_conj, is_neg, isreal, angle,
    adjoint)
from chainrule._functions.integer_math import gcd, gcd_, lcm, lcm_  # noqa: F401,E402
from chainrule._functions.combinatorics import combinations, vander  # noqa: F401,E402
from chainrule._functions.elementwise_math import ldexp, ldexp_, rsub  # noqa: F401,E402
from chainrule._functions.stacking import split_with_sizes  # noqa: F401,E402
from chainrule._functions.inverse_hyperbolic import (  # noqa: F401,E402
    asinh, acosh, atanh, arcsinh, arccosh, arctanh, asinh_, acosh_, atanh_, arcsinh_, arccosh_, arctanh_)
from chainrule._functions.renorm import renorm  # noqa: F401,E402
from chainrule._functions.counting import unique_consecutive  # noqa: F401,E402
from chainrule._functions.foreach import *  # noqa: F401,F403,E402  -- torch._foreach_add_, _foreach_lerp_, ...
from chainrule._functions.scatter_reduce import scatter_reduce  # noqa: F401,E402
from chainrule._functions.spectral_windows import (  # noqa: F401,E402
    hann_window, hamming_window, blackman_window, bartlett_window, kaiser_window)
from chainrule._functions.creation_extras import (  # noqa: F401,E402
    randint_like, empty_strided, asarray, narrow_copy, typename)
from chainrule._functions import random_fills  # noqa: F401,E402  -- Tensor.cauchy_, log_normal_, geometric_
erfc_ = Tensor.erfc_  # torch.erfc_(input), as PyTorch has it (erfc is _C's)
from chainrule._functions.float_parts import frexp  # noqa: F401,E402
from chainrule._functions.bessel import i0, i0_  # noqa: F401,E402
from chainrule._functions.multigamma import mvlgamma  # noqa: F401,E402
from chainrule.special import gammainc as igamma, gammaincc as igammac  # noqa: F401,E402
from chainrule._functions.rounding import round  # noqa: F401,E402
from chainrule._functions.linalg_solvers import (  # noqa: F401,E402
    torch_inverse as inverse, torch_det as det, logdet, torch_slogdet as slogdet, torch_cholesky as cholesky,
    cholesky_solve, cholesky_inverse, triangular_solve)
from chainrule._functions.linalg_factorizations import (  # noqa: F401,E402
    torch_qr as qr, torch_svd as svd, pinverse, matrix_exp, torch_lu as lu, torch_lu_solve as lu_solve, lu_unpack,
    geqrf, orgqr, ormqr)
from chainrule import linalg  # noqa: F401,E402
from chainrule._functions.random_counts import poisson, binomial  # noqa: F401,E402
from chainrule import func  # noqa: F401,E402  -- torch.func: vmap, grad, jacrev, functional_call, ...
from chainrule.func import vmap  # noqa: F401,E402
from chainrule import sparse  # noqa: F401,E402  -- torch.sparse, sparse COO tensors
from chainrule.sparse._tensor_hooks import sparse_coo_tensor, sparse_coo, spmm, mm, matmul  # noqa: F401,E402

float32 = float = dtype.float32
float64 = double = dtype.float64
int64 = long = dtype.int64
int32 = int = dtype.int32
int16 = short = dtype.int16
uint8 = dtype.uint8
int8 = dtype.int8
# The 16-bit floats: stored in 2 bytes, computed in float32 and rounded once per op, as PyTorch's CPU does.
float16 = half = dtype.float16
bfloat16 = dtype.bfloat16
bool = dtype.bool

from chainrule.version import __version__  # noqa: E402  (a TorchVersion: compares as a version)

# out= on the functions whose PyTorch counterpart has it (torch.add(a, b, out=c)): wraps them in place.
from chainrule._functions import out_argument as _out_argument  # noqa: E402
_out_argument.install()

# einops' rearrange/repeat/reduce/pack/einsum on chainrule tensors where einops is installed: importing the
# backend registers it with einops (_einops_backend.py). Without einops there is nothing to register.
try:
    from chainrule import _einops_backend  # noqa: F401,E402
except ModuleNotFoundError as _error:
    if (_error.name or "").partition(".")[0] != "einops":
        raise

# `torch.<name>` that chainrule lacks: an AttributeError pointing to docs/from_pytorch.md.
from chainrule._missing import missing_attribute_hook as _missing_attribute_hook, tensor_getattr as _tensor_getattr  # noqa: E402,E501
__getattr__ = _missing_attribute_hook(__name__, "torch")
Tensor.__getattr__ = _tensor_getattr
