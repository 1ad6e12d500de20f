"""The chainrule functions whose PyTorch counterpart takes out=, which out_argument.py wraps.

Made by tools/list_out_functions.py from an installed torch; do not edit by hand (rerun it when
chainrule gains a function PyTorch gives out=). FACTORIES make their result in out's dtype and device.
"""

TORCH = (
    "abs", "absolute", "acos", "acosh", "add", "addbmm", "addcdiv", "addcmul", "addmm", "addmv", "addr",
    "all", "amax", "amin", "aminmax", "angle", "any", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "argmax", "argmin", "argsort", "asin", "asinh", "atan", "atan2", "atanh", "baddbmm",
    "bernoulli", "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "bmm", "bucketize", "cat", "ceil", "chain_matmul", "cholesky", "cholesky_inverse",
    "cholesky_solve", "clamp", "clamp_max", "clamp_min", "clip", "column_stack", "concat", "concatenate",
    "conj_physical", "copysign", "cos", "cosh", "cross", "cummax", "cummin", "cumprod", "cumsum", "deg2rad",
    "diag", "diff", "digamma", "div", "divide", "dot", "dstack", "eq", "erf", "erfc", "erfinv", "exp", "exp2",
    "expm1", "fix", "float_power", "floor", "floor_divide", "fmax", "fmin", "fmod", "frac", "frexp", "gather",
    "gcd", "ge", "geqrf", "ger", "greater", "greater_equal", "gt", "hardshrink", "heaviside", "histc",
    "histogram", "hstack", "hypot", "i0", "igamma", "igammac", "index_add", "index_copy", "index_select",
    "inner", "inverse", "isin", "isneginf", "isposinf", "kron", "kthvalue", "lcm", "ldexp", "le", "lerp",
    "less", "less_equal", "lgamma", "log", "log10", "log1p", "log2", "log_softmax", "logaddexp", "logaddexp2",
    "logcumsumexp", "logical_and", "logical_not", "logical_or", "logical_xor", "logit", "logspace",
    "logsumexp", "lstsq", "lt", "lu", "lu_solve", "lu_unpack", "masked_select", "matmul", "matrix_power",
    "matrix_rank", "max", "maximum", "mean", "median", "min", "minimum", "mm", "mode", "msort", "mul",
    "multinomial", "multiply", "mv", "mvlgamma", "nan_to_num", "nanmean", "nanmedian", "nanquantile",
    "nansum", "narrow_copy", "ne", "neg", "negative", "nonzero", "norm", "normal", "not_equal", "orgqr",
    "ormqr", "outer", "polygamma", "pow", "prod", "qr", "quantile", "rad2deg", "randperm", "range",
    "reciprocal", "remainder", "renorm", "round", "row_stack", "rsqrt", "scatter", "scatter_add",
    "scatter_reduce", "searchsorted", "sgn", "sigmoid", "sign", "signbit", "sin", "sinc", "sinh",
    "slice_scatter", "slogdet", "softmax", "solve", "sort", "sqrt", "square", "stack", "std", "sub",
    "subtract", "sum", "svd", "symeig", "take", "take_along_dim", "tan", "tanh", "tensordot", "threshold",
    "topk", "triangular_solve", "tril", "triu", "true_divide", "trunc", "var", "vdot", "vstack", "where",
    "xlogy",
)

FACTORIES = (
    "logspace", "randperm", "range",
)

LINALG = (
    "cholesky", "cholesky_ex", "cond", "cross", "det", "eigh", "eigvalsh", "householder_product", "inv",
    "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex",
    "lu_solve", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
    "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve",
    "vecdot", "vector_norm",
)

SPECIAL = (
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc",
    "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "logit", "logsumexp", "modified_bessel_i0",
    "modified_bessel_i1", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc",
    "spherical_bessel_j0", "xlog1py", "xlogy", "zeta",
)
