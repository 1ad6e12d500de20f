"""affine_grid and grid_sample (2-D), as in torch.nn.functional: the spatial-transformer pair.

Composed from recorded ops (matmul, floor, gather, where), following ATen's grid sampler term by
term: the grid is unnormalized with align_corners' rule, border padding clips the coordinates (with
a zero gradient at and beyond the edge, as ATen), reflection padding folds them back into the image
first, bilinear weights come from the distances to the four neighbours and out-of-range neighbours
read zero. The autograd engine derives the gradients with respect to both the input and the grid.
Supported: modes 'bilinear', 'nearest' (round half to even, no grid gradient) and 'bicubic' (4 x 4
taps, A = -0.75, each tap padded on its own as ATen does), padding 'zeros', 'border' and
'reflection'; 5-D inputs raise NotImplementedError.
"""
import warnings

from chainrule.amp import cast_policy as _autocast
import chainrule
from chainrule import _C

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_CORNERS_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                          "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                          "documentation of grid_sample for details.")


def _base_coordinates(steps, align_corners, dtype, device):
    """The normalized centres of `steps` pixels in [-1, 1] (the corner pixels' centres if align_corners)."""
    if steps <= 1:
        return chainrule.zeros(steps, dtype=dtype, device=device)
    coords = chainrule.linspace(-1, 1, steps, dtype=dtype, device=device)
    # as PyTorch writes it, two roundings: grid_sample's gradient at an identity grid sits on the
    # kinks of bilinear interpolation, so an ulp there changes its side
    return coords if align_corners else coords * (steps - 1) / steps


def affine_grid(theta, size, align_corners=None):
    """The (N, H, W, 2) sampling grid of the affine maps theta (N, 2, 3) for an output of size (N, C, H, W)."""
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given, size = size, list(size)
    if len(size) == 5:
        raise NotImplementedError("affine_grid: 3-D affine transforms (5-D sizes) are not supported by chainrule")
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {given}.")
    if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {given}. "
                         f"Got {theta.shape}.")
    n, _, h, w = size
    if align_corners and min(h, w) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    if theta.shape[0] != n:
        raise RuntimeError(f"affine_grid: theta holds {theta.shape[0]} matrices but size asks for a batch of {n}")
    xs = _base_coordinates(w, align_corners, theta.dtype, theta.device).reshape(1, w).expand(h, w)
    ys = _base_coordinates(h, align_corners, theta.dtype, theta.device).reshape(h, 1).expand(h, w)
    base = chainrule.stack([xs, ys, chainrule.ones(h, w, dtype=theta.dtype, device=theta.device)], -1).reshape(h * w, 3)
    return base.matmul(theta.transpose(1, 2)).reshape(n, h, w, 2)


def _check_grid_sample(input, grid, mode, padding_mode):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if input.dim() == 5:
        raise NotImplementedError("grid_sample: 5-D (volumetric) inputs are not supported by chainrule")
    if input.dim() != 4 or grid.dim() != 4:
        raise RuntimeError(f"grid_sampler(): expected 4D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if input.shape[2] == 0 or input.shape[3] == 0:
        raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                           f"sizes {list(input.shape)} with dimension 2 being empty")


def _reflect(coord, twice_low, twice_high):
    """coord folded back into [twice_low / 2, twice_high / 2] by reflections at both ends (ATen's
    reflect_coordinates; the gradient flips sign with each reflection)."""
    if twice_low == twice_high:
        return coord * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coord - low).abs()
    flips = (distance / span).detach().floor()
    extra = distance - flips * span
    return _C.where(flips.remainder(2) == 0, extra + low, span - extra + low)


def _unnormalize(coord, size, align_corners):
    """Pixel coordinates of normalized ones in [-1, 1]."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _pad_coordinates(coord, size, padding_mode, align_corners):
    """ATen's compute_coordinates: border and reflection padding bring coordinates into [0, size - 1]
    (zero gradient at and beyond the edge, as ATen); zeros padding leaves them."""
    if padding_mode == "reflection":
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
    if padding_mode != "zeros":
        coord = _C.where(coord <= 0, 0.0, _C.where(coord >= size - 1, float(size - 1), coord))
    return coord


def _source_index(coord, size, padding_mode, align_corners):
    return _pad_coordinates(_unnormalize(coord, size, align_corners), size, padding_mode, align_corners)


def _cubic_weights(t):
    """The four cubic-convolution weights (A = -0.75) of the taps at -1, 0, 1, 2 from a fraction t."""
    a = -0.75
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic(planes, grid, height, width, padding_mode, align_corners):
    """ATen's bicubic grid sampling: 4 x 4 taps around each point, each tap padded on its own."""
    ix, iy = _unnormalize(grid[..., 0], width, align_corners), _unnormalize(grid[..., 1], height, align_corners)
    x0, y0 = ix.detach().floor(), iy.detach().floor()
    wx, wy = _cubic_weights((ix - x0).unsqueeze(1)), _cubic_weights((iy - y0).unsqueeze(1))
    tap = lambda base, k, size: _pad_coordinates(base + (k - 1), size, padding_mode, align_corners).long()  # noqa: E731
    out = None
    for j in range(4):
        row = None
        for i in range(4):
            value = _read(planes, tap(x0, i, width), tap(y0, j, height), height, width) * wx[i]
            row = value if row is None else row + value
        out = row * wy[j] if out is None else out + row * wy[j]
    return out


def _read(planes, ix, iy, height, width):
    """planes (N, C, H * W) at integer pixels (ix, iy) of shape (N, Ho, Wo); zero outside the image."""
    n, c = planes.shape[0], planes.shape[1]
    inside = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
    flat = iy.clamp(0, height - 1) * width + ix.clamp(0, width - 1)
    index = flat.reshape(n, 1, -1).expand(n, c, flat[0].numel())
    values = planes.gather(2, index).reshape(n, c, *ix.shape[1:])
    return _C.where(inside.unsqueeze(1), values, 0.0)


@_autocast.float32
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Samples input (N, C, H, W) at the normalized (x, y) locations of grid (N, Ho, Wo, 2) -> (N, C, Ho, Wo)."""
    _check_grid_sample(input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, stacklevel=2)
        align_corners = False
    height, width = input.shape[2], input.shape[3]
    ix = _source_index(grid[..., 0], width, padding_mode, align_corners)
    iy = _source_index(grid[..., 1], height, padding_mode, align_corners)
    planes = input.reshape(input.shape[0], input.shape[1], height * width)
    if mode == "bicubic":
        return _bicubic(planes, grid, height, width, padding_mode, align_corners)
    if mode == "nearest":
        return _read(planes, ix.detach().round().long(), iy.detach().round().long(), height, width)
    x0, y0 = ix.detach().floor(), iy.detach().floor()
    dx, dy = (ix - x0).unsqueeze(1), (iy - y0).unsqueeze(1)
    x0, y0 = x0.long(), y0.long()
    x1, y1 = x0 + 1, y0 + 1
    return (_read(planes, x0, y0, height, width) * ((1 - dx) * (1 - dy))
            + _read(planes, x1, y0, height, width) * (dx * (1 - dy))
            + _read(planes, x0, y1, height, width) * ((1 - dx) * dy)
            + _read(planes, x1, y1, height, width) * (dx * dy))
