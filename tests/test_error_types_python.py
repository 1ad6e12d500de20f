"""The exception types of wrong calls into chainrule's Python layer (nn.functional, Tensor helpers,
linalg, nn layers, utilities, data loading and optimizers) against PyTorch's: each call runs under
torch and chainrule, and chainrule's exception must be an instance of the built-in type torch raised.
Where PyTorch raises a RuntimeError for a shape or value mistake chainrule raises InvalidArgumentError
(a RuntimeError and the ValueError it raised before), for a dtype mistake DTypeError (a RuntimeError
and a TypeError); where torch checks in Python (constructors, mode and reduction names, argument
types) the ValueError or TypeError stays."""
import pytest

import chainrule as cr
from conftest import requires_torch, torch


def F(t):
    return t.nn.functional


def _call(name, call):
    return pytest.param(call, id=name)


FUNCTIONAL_CALLS = [
    # pooling: a non-int entry is a TypeError, a wrong count or a window too big a RuntimeError
    _call("max_pool2d_kernel_bool", lambda t: F(t).max_pool2d(t.ones(1, 1, 4, 4), True)),
    _call("max_pool2d_kernel_str", lambda t: F(t).max_pool2d(t.ones(1, 1, 4, 4), "a")),
    _call("max_pool2d_kernel_float_entry", lambda t: F(t).max_pool2d(t.ones(1, 1, 4, 4), (2.5, 2))),
    _call("max_pool2d_kernel_3_ints", lambda t: F(t).max_pool2d(t.ones(1, 1, 4, 4), (2, 2, 2))),
    _call("max_pool1d_kernel_2_ints", lambda t: F(t).max_pool1d(t.ones(1, 1, 4), (2, 2))),
    _call("avg_pool1d_kernel_float", lambda t: F(t).avg_pool1d(t.ones(1, 1, 4), 2.5)),
    _call("max_pool2d_too_small", lambda t: F(t).max_pool2d(t.ones(1, 1, 2, 2), 3)),
    _call("max_pool1d_4d_input", lambda t: F(t).max_pool1d(t.ones(1, 1, 1, 4, 4), 2)),
    _call("avg_pool2d_too_small", lambda t: F(t).avg_pool2d(t.ones(1, 1, 2, 2), 3)),
    _call("avg_pool2d_padding_over_half", lambda t: F(t).avg_pool2d(t.ones(1, 1, 8, 8), 2, padding=2)),
    _call("adaptive_avg_pool2d_3_sizes", lambda t: F(t).adaptive_avg_pool2d(t.ones(1, 1, 4, 4), (2, 2, 2))),
    _call("adaptive_max_pool1d_2_sizes", lambda t: F(t).adaptive_max_pool1d(t.ones(1, 1, 4), (2, 2))),
    _call("adaptive_max_pool2d_1d_input", lambda t: F(t).adaptive_max_pool2d(t.ones(4), 2)),
    _call("max_unpool2d_output_size_length", lambda t: F(t).max_unpool2d(
        *F(t).max_pool2d(t.ones(1, 1, 4, 4), 2, return_indices=True), 2, output_size=(1, 2, 3))),
    _call("max_unpool2d_output_size_range", lambda t: F(t).max_unpool2d(
        *F(t).max_pool2d(t.ones(1, 1, 4, 4), 2, return_indices=True), 2, output_size=(9, 9))),
    _call("max_unpool2d_float_indices", lambda t: F(t).max_unpool2d(t.ones(1, 1, 2, 2), t.ones(1, 1, 2, 2), 2)),
    _call("max_pool3d_kernel_2_ints", lambda t: F(t).max_pool3d(t.ones(1, 1, 4, 4, 4), (2, 2))),
    _call("max_pool3d_too_small", lambda t: F(t).max_pool3d(t.ones(1, 1, 2, 2, 2), 3)),
    _call("avg_pool3d_too_small", lambda t: F(t).avg_pool3d(t.ones(1, 1, 2, 2, 2), 3)),
    _call("adaptive_avg_pool3d_2_sizes", lambda t: F(t).adaptive_avg_pool3d(t.ones(1, 1, 4, 4, 4), (2, 2))),
    _call("lp_pool2d_too_small", lambda t: F(t).lp_pool2d(t.ones(1, 1, 2, 2), 2, 3)),
    _call("fractional_max_pool2d_no_size", lambda t: F(t).fractional_max_pool2d(t.ones(1, 1, 8, 8), 2)),
    _call("fractional_max_pool2d_3_ratios", lambda t: F(t).fractional_max_pool2d(
        t.ones(1, 1, 8, 8), 2, output_ratio=(0.5, 0.5, 0.5))),
    # convolution
    _call("conv2d_stride_bool", lambda t: F(t).conv2d(t.ones(1, 1, 4, 4), t.ones(1, 1, 2, 2), stride=True)),
    _call("conv2d_stride_str", lambda t: F(t).conv2d(t.ones(1, 1, 4, 4), t.ones(1, 1, 2, 2), stride="ab")),
    _call("conv2d_dilation_float", lambda t: F(t).conv2d(t.ones(1, 1, 4, 4), t.ones(1, 1, 2, 2), dilation=1.5)),
    _call("conv2d_stride_3_ints", lambda t: F(t).conv2d(t.ones(1, 1, 4, 4), t.ones(1, 1, 2, 2), stride=(1, 1, 1))),
    _call("conv3d_stride_2_ints", lambda t: F(t).conv3d(t.ones(1, 1, 4, 4, 4), t.ones(1, 1, 2, 2, 2), stride=(1, 1))),
    _call("conv_transpose2d_stride_3_ints", lambda t: F(t).conv_transpose2d(
        t.ones(1, 1, 4, 4), t.ones(1, 1, 2, 2), stride=(1, 1, 1))),
    _call("conv1d_padding_string", lambda t: F(t).conv1d(t.ones(1, 1, 4), t.ones(1, 1, 2), padding="full")),
    _call("conv2d_padding_string", lambda t: F(t).conv2d(t.ones(1, 1, 4, 4), t.ones(1, 1, 2, 2), padding="full")),
    _call("conv3d_padding_string", lambda t: F(t).conv3d(t.ones(1, 1, 4, 4, 4), t.ones(1, 1, 2, 2, 2), padding="full")),
    _call("conv2d_same_strided", lambda t: F(t).conv2d(t.ones(1, 1, 4, 4), t.ones(1, 1, 2, 2), padding="same",
                                                       stride=2)),
    _call("conv2d_kernel_too_big", lambda t: F(t).conv2d(t.ones(1, 1, 2, 2), t.ones(1, 1, 3, 3))),
    _call("conv1d_4d_weight", lambda t: F(t).conv1d(t.ones(1, 1, 4), t.ones(1, 1, 2, 2))),
    _call("conv3d_channels", lambda t: F(t).conv3d(t.ones(1, 2, 4, 4, 4), t.ones(1, 1, 2, 2, 2))),
    _call("conv_transpose2d_channels", lambda t: F(t).conv_transpose2d(t.ones(1, 2, 4, 4), t.ones(3, 1, 2, 2))),
    _call("conv2d_bias_size", lambda t: F(t).conv2d(t.ones(1, 1, 4, 4), t.ones(2, 1, 2, 2), t.ones(3))),
    # linear, bilinear, activations
    _call("linear_features", lambda t: F(t).linear(t.ones(2, 3), t.ones(4, 5))),
    _call("bilinear_1d_weight", lambda t: F(t).bilinear(t.ones(2, 3), t.ones(2, 4), t.ones(5))),
    _call("bilinear_2d_weight", lambda t: F(t).bilinear(t.ones(2, 3), t.ones(2, 4), t.ones(5, 3))),
    _call("bilinear_4d_weight", lambda t: F(t).bilinear(t.ones(2, 3), t.ones(2, 4), t.ones(5, 3, 4, 1))),
    _call("bilinear_batch", lambda t: F(t).bilinear(t.ones(2, 3), t.ones(3, 4), t.ones(5, 3, 4))),
    _call("bilinear_features", lambda t: F(t).bilinear(t.ones(2, 3), t.ones(2, 5), t.ones(5, 3, 4))),
    _call("prelu_2d_weight", lambda t: F(t).prelu(t.ones(2, 3), t.ones(3, 1))),
    _call("prelu_weight_count", lambda t: F(t).prelu(t.ones(2, 3), t.ones(2))),
    _call("prelu_int_input", lambda t: F(t).prelu(t.ones(2, 3, dtype=t.long), t.ones(1))),
    _call("prelu_weight_dtype", lambda t: F(t).prelu(t.ones(2, 3), t.ones(1, dtype=t.float64))),
    _call("glu_odd", lambda t: F(t).glu(t.ones(2, 3))),
    _call("gumbel_softmax_int", lambda t: F(t).gumbel_softmax(t.ones(2, dtype=t.long))),
    _call("softmax_dim", lambda t: F(t).softmax(t.ones(2, 3), 5)),
    _call("hardtanh_min_over_max", lambda t: F(t).hardtanh(t.ones(2), 1.0, -1.0)),
    _call("dropout_p", lambda t: F(t).dropout(t.ones(2), p=1.5)),
    _call("dropout2d_p", lambda t: F(t).dropout2d(t.ones(1, 2, 2, 2), p=-0.5)),
    _call("alpha_dropout_p", lambda t: F(t).alpha_dropout(t.ones(2), p=1.5)),
    # normalization
    _call("instance_norm_2d", lambda t: F(t).instance_norm(t.ones(2, 3))),
    _call("instance_norm_1_spatial", lambda t: F(t).instance_norm(t.ones(2, 3, 1))),
    _call("local_response_norm_2d", lambda t: F(t).local_response_norm(t.ones(2, 3), 2)),
    _call("batch_norm_running_size", lambda t: F(t).batch_norm(t.ones(2, 3), t.zeros(4), t.ones(4))),
    _call("batch_norm_1_value", lambda t: F(t).batch_norm(t.ones(1, 3), None, None, training=True)),
    _call("layer_norm_shape", lambda t: F(t).layer_norm(t.ones(2, 3), (4,))),
    _call("group_norm_groups", lambda t: F(t).group_norm(t.ones(2, 3, 4), 2)),
    _call("normalize_int", lambda t: F(t).normalize(t.ones(2, 3, dtype=t.long))),
    # embedding, one_hot
    _call("embedding_3d_weight", lambda t: F(t).embedding(t.ones(2, dtype=t.long), t.ones(3, 2, 2))),
    _call("embedding_index_range", lambda t: F(t).embedding(t.tensor([7]), t.ones(3, 2))),
    _call("embedding_bag_weights_shape", lambda t: F(t).embedding_bag(
        t.ones(2, 2, dtype=t.long), t.ones(3, 2), per_sample_weights=t.ones(3), mode="sum")),
    _call("embedding_bag_3d_weight", lambda t: F(t).embedding_bag(t.ones(2, 2, dtype=t.long), t.ones(3, 2, 2))),
    _call("embedding_bag_2d_with_offsets", lambda t: F(t).embedding_bag(
        t.ones(2, 2, dtype=t.long), t.ones(3, 2), t.tensor([0]))),
    _call("embedding_bag_1d_no_offsets", lambda t: F(t).embedding_bag(t.ones(2, dtype=t.long), t.ones(3, 2))),
    _call("embedding_bag_3d_input", lambda t: F(t).embedding_bag(t.ones(2, 2, 2, dtype=t.long), t.ones(3, 2))),
    _call("embedding_bag_mode", lambda t: F(t).embedding_bag(t.ones(2, 2, dtype=t.long), t.ones(3, 2), mode="prod")),
    _call("one_hot_float", lambda t: F(t).one_hot(t.ones(2))),
    _call("one_hot_few_classes", lambda t: F(t).one_hot(t.tensor([3]), 2)),
    _call("one_hot_negative", lambda t: F(t).one_hot(t.tensor([-1]))),
    # losses
    _call("mse_reduction", lambda t: F(t).mse_loss(t.ones(2), t.ones(2), reduction="avg")),
    _call("cross_entropy_reduction", lambda t: F(t).cross_entropy(t.ones(2, 3), t.tensor([0, 1]), reduction="avg")),
    _call("cross_entropy_batch", lambda t: F(t).cross_entropy(t.ones(2, 3), t.tensor([0, 1, 2]))),
    _call("cross_entropy_class_range", lambda t: F(t).cross_entropy(t.ones(2, 3), t.tensor([0, 5]))),
    _call("cross_entropy_probabilities_shape", lambda t: F(t).cross_entropy(t.ones(2, 3), t.ones(2, 4))),
    _call("cross_entropy_weight_size", lambda t: F(t).cross_entropy(t.ones(2, 3), t.tensor([0, 1]), weight=t.ones(4))),
    _call("nll_loss_target_shape", lambda t: F(t).nll_loss(t.ones(2, 3, 4), t.zeros(2, 5, dtype=t.long))),
    _call("mse_shapes", lambda t: F(t).mse_loss(t.ones(2, 3), t.ones(4, 3))),
    _call("l1_shapes", lambda t: F(t).l1_loss(t.ones(2, 3), t.ones(4, 3))),
    _call("bce_target_range", lambda t: F(t).binary_cross_entropy(t.full((2,), 0.5), t.full((2,), 2.0))),
    _call("bce_shapes", lambda t: F(t).binary_cross_entropy(t.full((2,), 0.5), t.full((3,), 0.5))),
    _call("bce_with_logits_shapes", lambda t: F(t).binary_cross_entropy_with_logits(t.ones(2), t.ones(3))),
    _call("kl_div_reduction", lambda t: F(t).kl_div(t.ones(2), t.ones(2), reduction="avg")),
    _call("multi_margin_p", lambda t: F(t).multi_margin_loss(t.ones(2, 3), t.tensor([0, 1]), p=3)),
    _call("multi_margin_2d_weight", lambda t: F(t).multi_margin_loss(
        t.ones(2, 3), t.tensor([0, 1]), weight=t.ones(3, 1))),
    _call("multi_margin_target_range", lambda t: F(t).multi_margin_loss(t.ones(2, 3), t.tensor([0, 7]))),
    _call("triplet_distance_margin", lambda t: F(t).triplet_margin_with_distance_loss(
        t.ones(2, 3), t.ones(2, 3), t.ones(2, 3), margin=-1.0)),
    _call("triplet_shapes", lambda t: F(t).triplet_margin_loss(t.ones(2, 3), t.ones(2, 4), t.ones(2, 3))),
    _call("gaussian_nll_negative_var", lambda t: F(t).gaussian_nll_loss(t.ones(2, 3), t.ones(2, 3), -t.ones(2, 3))),
    _call("gaussian_nll_var_size", lambda t: F(t).gaussian_nll_loss(t.ones(2, 3), t.ones(2, 3), t.ones(5))),
    _call("gaussian_nll_reduction", lambda t: F(t).gaussian_nll_loss(
        t.ones(2, 3), t.ones(2, 3), t.ones(2, 3), reduction="x")),
    _call("huber_shapes", lambda t: F(t).huber_loss(t.ones(2, 3), t.ones(4, 3))),
    _call("margin_ranking_shapes", lambda t: F(t).margin_ranking_loss(t.ones(2), t.ones(3), t.ones(2))),
    _call("multilabel_margin_shapes", lambda t: F(t).multilabel_margin_loss(t.ones(2, 3), t.ones(4, 3, dtype=t.long))),
    _call("ctc_reduction", lambda t: F(t).ctc_loss(
        t.randn(5, 1, 3).log_softmax(2), t.tensor([[1]]), t.tensor([5]), t.tensor([1]), reduction="x")),
    _call("ctc_input_lengths", lambda t: F(t).ctc_loss(
        t.randn(5, 1, 3).log_softmax(2), t.tensor([[1]]), t.tensor([9]), t.tensor([1]))),
    # padding, resampling, grids, attention
    _call("pad_float_entries", lambda t: F(t).pad(t.ones(2, 2), (1.5, 1))),
    _call("pad_odd_length", lambda t: F(t).pad(t.ones(2, 2), (1,))),
    _call("pad_mode_name", lambda t: F(t).pad(t.ones(1, 2, 2), (1, 1), mode="wrap")),
    _call("pad_reflect_too_big", lambda t: F(t).pad(t.ones(1, 2, 2), (3, 3), mode="reflect")),
    _call("pad_too_many", lambda t: F(t).pad(t.ones(2), (1, 1, 1, 1))),
    _call("interpolate_size_length", lambda t: F(t).interpolate(t.ones(1, 1, 4, 4), size=(2, 2, 2))),
    _call("interpolate_size_and_scale", lambda t: F(t).interpolate(t.ones(1, 1, 4, 4), size=2, scale_factor=2)),
    _call("interpolate_no_size", lambda t: F(t).interpolate(t.ones(1, 1, 4, 4))),
    _call("interpolate_align_nearest", lambda t: F(t).interpolate(t.ones(1, 1, 4, 4), size=2, align_corners=True)),
    _call("interpolate_antialias_nearest", lambda t: F(t).interpolate(t.ones(1, 1, 4, 4), size=2, antialias=True)),
    _call("interpolate_bilinear_3d", lambda t: F(t).interpolate(t.ones(1, 1, 4), size=2, mode="bilinear")),
    _call("interpolate_size_0", lambda t: F(t).interpolate(t.ones(1, 1, 4, 4), size=0)),
    _call("pixel_shuffle_channels", lambda t: F(t).pixel_shuffle(t.ones(1, 3, 2, 2), 2)),
    _call("unfold_5d_input", lambda t: F(t).unfold(t.ones(2, 3, 4, 4, 4), 2)),
    _call("affine_grid_int_theta", lambda t: F(t).affine_grid(t.ones(1, 2, 3, dtype=t.long), (1, 1, 2, 2),
                                                              align_corners=False)),
    _call("affine_grid_theta_shape", lambda t: F(t).affine_grid(t.ones(1, 3, 3), (1, 1, 2, 2), align_corners=False)),
    _call("affine_grid_batch", lambda t: F(t).affine_grid(t.ones(2, 2, 3), (1, 1, 2, 2), align_corners=False)),
    _call("grid_sample_mode", lambda t: F(t).grid_sample(t.ones(1, 1, 2, 2), t.zeros(1, 2, 2, 2), mode="area",
                                                         align_corners=False)),
    _call("grid_sample_grid_shape", lambda t: F(t).grid_sample(t.ones(1, 1, 2, 2), t.zeros(1, 2, 2, 3),
                                                               align_corners=False)),
    _call("cosine_similarity_shapes", lambda t: F(t).cosine_similarity(t.ones(2, 3), t.ones(2, 4))),
    _call("pdist_1d", lambda t: F(t).pdist(t.ones(3))),
    _call("sdpa_shapes", lambda t: F(t).scaled_dot_product_attention(
        t.ones(1, 2, 3), t.ones(1, 4, 5), t.ones(1, 4, 5))),
    _call("mha_heads", lambda t: t.nn.MultiheadAttention(6, 4)),
    _call("mha_embed_dim", lambda t: t.nn.MultiheadAttention(4, 2)(t.ones(2, 1, 5), t.ones(2, 1, 5), t.ones(2, 1, 5))),
    _call("mha_mask_shape", lambda t: t.nn.MultiheadAttention(4, 2)(
        t.ones(2, 1, 4), t.ones(2, 1, 4), t.ones(2, 1, 4), attn_mask=t.zeros(3, 3))),
]

TENSOR_CALLS = [
    _call("view_size", lambda t: t.ones(6).view(4, -1)),
    _call("view_two_inferred", lambda t: t.ones(6).view(-1, -1)),
    _call("reshape_as", lambda t: t.ones(6).reshape_as(t.ones(4))),
    _call("flatten_dims_order", lambda t: t.ones(2, 3).flatten(1, 0)),
    _call("flatten_dim_range", lambda t: t.ones(2, 3).flatten(0, 5)),
    _call("unflatten_sizes", lambda t: t.ones(2, 6).unflatten(1, (4, 2))),
    _call("expand_size", lambda t: t.ones(2, 3).expand(4, 3)),
    _call("expand_fewer_dims", lambda t: t.ones(2, 3).expand(3)),
    _call("expand_as", lambda t: t.ones(2, 3).expand_as(t.ones(4, 5))),
    _call("repeat_fewer_dims", lambda t: t.ones(2, 3).repeat(2)),
    _call("repeat_negative", lambda t: t.ones(2).repeat(-1)),
    _call("repeat_interleave_counts", lambda t: t.ones(3).repeat_interleave(t.tensor([1, 2]))),
    _call("split_sizes", lambda t: t.ones(6).split([2, 2])),
    _call("split_dim", lambda t: t.ones(6).split(2, dim=3)),
    _call("chunk_zero", lambda t: t.ones(6).chunk(0)),
    _call("tensor_split_dim", lambda t: t.ones(6).tensor_split(2, dim=3)),
    _call("narrow_length", lambda t: t.ones(6).narrow(0, 4, 5)),
    _call("select_index", lambda t: t.ones(6).select(0, 9)),
    _call("index_select_float_index", lambda t: t.ones(6).index_select(0, t.ones(2))),
    _call("gather_shape", lambda t: t.ones(2, 3).gather(1, t.zeros(3, 3, dtype=t.long))),
    _call("gather_float_index", lambda t: t.ones(2, 3).gather(1, t.zeros(2, 3))),
    _call("scatter_index_dims", lambda t: t.zeros(2, 3).scatter(1, t.zeros(2, 3, 1, dtype=t.long), 1.0)),
    _call("scatter_reduce_name", lambda t: t.zeros(2, 3).scatter_reduce(
        1, t.zeros(2, 3, dtype=t.long), t.ones(2, 3), "avg")),
    _call("index_add_shape", lambda t: t.zeros(3, 2).index_add(0, t.tensor([0, 1]), t.ones(3, 2))),
    _call("masked_select_shape", lambda t: t.ones(3).masked_select(t.ones(4, dtype=t.bool))),
    _call("take_range", lambda t: t.ones(3).take(t.tensor([5]))),
    _call("take_along_dim_shape", lambda t: t.take_along_dim(t.ones(2, 3), t.zeros(3, 3, dtype=t.long), 1)),
    _call("permute_repeated", lambda t: t.ones(2, 3).permute(0, 0)),
    _call("transpose_dim", lambda t: t.ones(2, 3).transpose(0, 2)),
    _call("movedim_repeated", lambda t: t.ones(2, 3).movedim((0, 0), (0, 1))),
    _call("roll_shifts_dims", lambda t: t.ones(2, 3).roll((1, 1), (0,))),
    _call("diagonal_same_dims", lambda t: t.ones(2, 3).diagonal(0, 0, 0)),
    _call("diagonal_1d", lambda t: t.diagonal(t.ones(3))),
    _call("diagonal_0d", lambda t: t.diagonal(t.tensor(1.0))),
    _call("diagonal_method_1d", lambda t: t.ones(3).diagonal()),
    _call("diag_3d", lambda t: t.diag(t.ones(2, 2, 2))),
    _call("trace_1d", lambda t: t.ones(3).trace()),
    _call("cat_empty", lambda t: t.cat([])),
    _call("hstack_shapes", lambda t: t.hstack([t.ones(2, 3), t.ones(3, 3)])),
    _call("dstack_shapes", lambda t: t.dstack([t.ones(2, 3), t.ones(2, 4)])),
    _call("broadcast_to", lambda t: t.broadcast_to(t.ones(2, 3), (4, 3))),
    _call("broadcast_shapes", lambda t: t.broadcast_shapes((2, 3), (4, 3))),
    _call("atleast_1d_str", lambda t: t.atleast_1d("a")),
    _call("atleast_2d_list_entry", lambda t: t.atleast_2d((t.ones(1), 3))),
    _call("numel_int", lambda t: t.numel(3)),
    _call("einsum_two_ellipses", lambda t: t.einsum("...i...->i", t.ones(2, 3))),
    _call("einsum_subscript", lambda t: t.einsum("i1->i", t.ones(2))),
    _call("einsum_more_operands", lambda t: t.einsum("i->i", t.ones(2), t.ones(2))),
    _call("einsum_fewer_operands", lambda t: t.einsum("i,j->ij", t.ones(2))),
    _call("einsum_output_two_ellipses", lambda t: t.einsum("...i->......", t.ones(2, 3))),
    _call("einsum_dims", lambda t: t.einsum("ij->i", t.ones(2))),
    _call("einsum_sizes", lambda t: t.einsum("i,i->", t.ones(2), t.ones(3))),
    _call("einsum_no_operands", lambda t: t.einsum("i->i")),
    _call("cdist_columns", lambda t: t.cdist(t.ones(2, 3), t.ones(2, 4))),
    _call("cdist_int", lambda t: t.cdist(t.ones(2, 3, dtype=t.long), t.ones(2, 3, dtype=t.long))),
    _call("cdist_mode", lambda t: t.cdist(t.ones(2, 3), t.ones(2, 3), compute_mode="x")),
    _call("unravel_index_float", lambda t: t.unravel_index(t.ones(2), (2, 2))),
    _call("unravel_index_negative_shape", lambda t: t.unravel_index(t.tensor([1]), (2, -2))),
    _call("binomial_int_count", lambda t: t.binomial(t.ones(2, dtype=t.long), t.full((2,), 0.5))),
    _call("multinomial_too_many", lambda t: t.multinomial(t.tensor([0.5, 0.5]), 3)),
    _call("normal_float_no_size", lambda t: t.normal(0.0, 1.0)),
    _call("float_power_numbers", lambda t: t.float_power(2, 3)),
    _call("trapezoid_x_and_dx", lambda t: t.trapezoid(t.ones(3), t.ones(3), dx=1.0)),
    _call("sum_to_size_twice", lambda t: t.ones(2, 3).sum_to_size(3, size=(3,))),
    _call("sum_to_size_shape", lambda t: t.ones(2, 3).sum_to_size(4, 3)),
    _call("new_zeros_float_size", lambda t: t.ones(2).new_zeros(2.5)),
    _call("new_zeros_no_size", lambda t: t.ones(2).new_zeros()),
    _call("tensor_ragged", lambda t: t.tensor([[1, 2], [3]])),
    _call("tensor_int_overflow", lambda t: t.tensor([2 ** 70])),
    _call("tensor_string_dtype", lambda t: t.tensor([1], dtype="float32")),
    _call("tensor_of_objects", lambda t: t.tensor([object()])),
    _call("iter_0d", lambda t: iter(t.tensor(1.0))),
    _call("item_of_many", lambda t: t.ones(2).item()),
    _call("index_range", lambda t: t.ones(2)[5]),
    _call("too_many_indices", lambda t: t.ones(2)[0, 0]),
    _call("setitem_shape", lambda t: t.ones(2, 3).__setitem__(0, t.ones(4))),
    _call("add_inplace_dtype", lambda t: t.ones(2, dtype=t.long).add_(t.ones(2))),
    _call("mean_int", lambda t: t.ones(2, dtype=t.long).mean()),
    _call("topk_too_big", lambda t: t.ones(2).topk(3)),
    _call("contiguous_memory_format", lambda t: t.ones(2).contiguous(memory_format="x")),
    _call("promote_types_str", lambda t: t.promote_types("a", t.float32)),
    _call("can_cast_str", lambda t: t.can_cast("a", t.float32)),
    _call("finfo_int", lambda t: t.finfo(t.int64)),
    _call("result_type_list", lambda t: t.result_type([1], 1)),
    _call("is_complex_int", lambda t: t.is_complex(1)),
    _call("unfold_step_0", lambda t: t.ones(4).unfold(0, 2, 0)),
    _call("index_put_shape", lambda t: t.ones(4).index_put((t.tensor([0, 1]),), t.ones(3))),
    _call("copy_shape", lambda t: t.ones(2).copy_(t.ones(3))),
    _call("backward_non_scalar", lambda t: t.ones(2, requires_grad=True).mul(2).backward()),
]

LINALG_CALLS = [
    _call("inv_1d", lambda t: t.linalg.inv(t.ones(3))),
    _call("inv_int", lambda t: t.linalg.inv(t.ones(2, 2, dtype=t.long))),
    _call("inv_not_square", lambda t: t.linalg.inv(t.ones(2, 3))),
    _call("inv_singular", lambda t: t.linalg.inv(t.zeros(2, 2))),
    _call("inv_list", lambda t: t.linalg.inv([[1.0]])),
    _call("solve_rows", lambda t: t.linalg.solve(t.eye(2), t.ones(3))),
    _call("solve_columns", lambda t: t.linalg.solve(t.eye(2), t.ones(3, 1), left=False)),
    _call("solve_batch", lambda t: t.linalg.solve(t.ones(3, 2, 2), t.ones(4, 2, 1))),
    _call("solve_triangular_rows", lambda t: t.linalg.solve_triangular(t.eye(2), t.ones(3, 1), upper=True)),
    _call("solve_triangular_columns", lambda t: t.linalg.solve_triangular(t.eye(2), t.ones(3, 1), upper=True,
                                                                          left=False)),
    _call("cholesky_solve_shapes", lambda t: t.cholesky_solve(t.ones(3, 1), t.eye(2))),
    _call("triangular_solve_shapes", lambda t: t.triangular_solve(t.ones(3, 1), t.eye(2))),
    _call("lstsq_rows", lambda t: t.linalg.lstsq(t.ones(3, 2), t.ones(4, 2))),
    _call("lu_solve_rows", lambda t: t.linalg.lu_solve(*t.linalg.lu_factor(t.eye(2)), t.ones(3, 1))),
    _call("lu_solve_columns", lambda t: t.linalg.lu_solve(*t.linalg.lu_factor(t.eye(2)), t.ones(3, 1), left=False)),
    _call("lu_solve_float_pivots", lambda t: t.linalg.lu_solve(t.eye(2), t.ones(2), t.ones(2, 1))),
    _call("lu_solve_pivot_count", lambda t: t.linalg.lu_solve(t.linalg.lu_factor(t.eye(2))[0],
                                                              t.linalg.lu_factor(t.eye(2))[1][:1], t.ones(2, 1))),
    _call("pinv_hermitian_not_square", lambda t: t.linalg.pinv(t.ones(2, 3), hermitian=True)),
    _call("matrix_rank_hermitian_not_square", lambda t: t.linalg.matrix_rank(t.ones(2, 3), hermitian=True)),
    _call("ldl_solve_rows", lambda t: t.linalg.ldl_solve(*t.linalg.ldl_factor(t.eye(2)), t.ones(3, 1))),
    _call("solve_dtypes", lambda t: t.linalg.solve(t.eye(2), t.ones(2, dtype=t.float64))),
    _call("linalg_vander_0d", lambda t: t.linalg.vander(t.tensor(1.0))),
    _call("det_not_square", lambda t: t.linalg.det(t.ones(2, 3))),
    _call("cholesky_not_positive_definite", lambda t: t.linalg.cholesky(-t.eye(2))),
    _call("norm_ord_name", lambda t: t.linalg.norm(t.ones(2, 2), ord="x")),
    _call("vector_norm_ord_str", lambda t: t.linalg.vector_norm(t.ones(2), ord="fro")),
    _call("matrix_norm_1d", lambda t: t.linalg.matrix_norm(t.ones(2))),
    _call("linalg_diagonal_1d", lambda t: t.linalg.diagonal(t.ones(3))),
    _call("qr_mode", lambda t: t.linalg.qr(t.ones(2, 2), mode="x")),
    _call("eigh_uplo", lambda t: t.linalg.eigh(t.eye(2), UPLO="X")),
    _call("matrix_power_not_square", lambda t: t.linalg.matrix_power(t.ones(2, 3), 2)),
    _call("matrix_exp_not_square", lambda t: t.linalg.matrix_exp(t.ones(2, 3))),
    _call("vecdot_shapes", lambda t: t.linalg.vecdot(t.ones(2), t.ones(3))),
    _call("cross_size", lambda t: t.linalg.cross(t.ones(2), t.ones(2))),
    _call("multi_dot_shapes", lambda t: t.linalg.multi_dot([t.ones(2, 3), t.ones(4, 2)])),
    _call("tensorsolve_shapes", lambda t: t.linalg.tensorsolve(t.eye(4).reshape(2, 2, 4), t.ones(3))),
    _call("mm_1d", lambda t: t.mm(t.ones(2), t.ones(2))),
    _call("bmm_2d", lambda t: t.bmm(t.ones(2, 2), t.ones(2, 2))),
    _call("dot_sizes", lambda t: t.dot(t.ones(2), t.ones(3))),
    _call("addmm_shapes", lambda t: t.addmm(t.ones(2, 2), t.ones(2, 3), t.ones(4, 2))),
    _call("special_logsumexp_dim", lambda t: t.special.logsumexp(t.ones(2), 3)),
    _call("special_multigammaln_p", lambda t: t.special.multigammaln(t.ones(2), 0)),
]

MODULE_CALLS = [
    _call("BatchNorm1d_4d", lambda t: t.nn.BatchNorm1d(3)(t.ones(2, 3, 4, 4))),
    _call("BatchNorm2d_3d", lambda t: t.nn.BatchNorm2d(3)(t.ones(2, 3, 4))),
    _call("BatchNorm2d_channels", lambda t: t.nn.BatchNorm2d(3)(t.ones(2, 4, 4, 4))),
    _call("InstanceNorm2d_2d", lambda t: t.nn.InstanceNorm2d(3)(t.ones(2, 3))),
    _call("InstanceNorm1d_affine_channels", lambda t: t.nn.InstanceNorm1d(3, affine=True)(t.ones(2, 4, 5))),
    _call("LayerNorm_shape", lambda t: t.nn.LayerNorm(4)(t.ones(2, 3))),
    _call("GroupNorm_groups", lambda t: t.nn.GroupNorm(2, 3)),
    _call("ReflectionPad2d_2d", lambda t: t.nn.ReflectionPad2d(1)(t.ones(2, 2))),
    _call("ConvTranspose2d_output_size_length", lambda t: t.nn.ConvTranspose2d(1, 1, 2)(
        t.ones(1, 1, 3, 3), output_size=(4, 4, 4))),
    _call("ConvTranspose2d_output_size_range", lambda t: t.nn.ConvTranspose2d(1, 1, 2, stride=2)(
        t.ones(1, 1, 3, 3), output_size=(20, 20))),
    _call("ConvTranspose2d_padding_mode", lambda t: t.nn.ConvTranspose2d(1, 1, 2, padding_mode="reflect")),
    _call("Conv2d_groups", lambda t: t.nn.Conv2d(3, 4, 2, groups=2)),
    _call("Conv2d_padding_string", lambda t: t.nn.Conv2d(3, 4, 2, padding="full")),
    _call("Conv2d_same_strided", lambda t: t.nn.Conv2d(3, 4, 2, padding="same", stride=2)),
    _call("Conv2d_padding_mode", lambda t: t.nn.Conv2d(3, 4, 2, padding_mode="wrap")),
    _call("Conv2d_channels", lambda t: t.nn.Conv2d(3, 4, 2)(t.ones(1, 2, 4, 4))),
    _call("Softmax2d_2d", lambda t: t.nn.Softmax2d()(t.ones(2, 2))),
    _call("Bilinear_features", lambda t: t.nn.Bilinear(3, 4, 2)(t.ones(2, 3), t.ones(2, 5))),
    _call("Embedding_float_indices", lambda t: t.nn.Embedding(3, 2)(t.ones(2))),
    _call("RNN_4d_input", lambda t: t.nn.RNN(3, 4)(t.ones(2, 2, 2, 3))),
    _call("LSTM_input_size", lambda t: t.nn.LSTM(3, 4)(t.ones(2, 2, 5))),
    _call("GRU_hidden_shape", lambda t: t.nn.GRU(3, 4)(t.ones(2, 2, 3), t.zeros(1, 3, 4))),
    _call("RNNCell_3d_input", lambda t: t.nn.RNNCell(3, 4)(t.ones(2, 2, 3))),
    _call("LSTM_proj_size", lambda t: t.nn.LSTM(3, 4, proj_size=5)),
    _call("Unflatten_float_sizes", lambda t: t.nn.Unflatten(1, (2.5, 2))),
    _call("AdaptiveAvgPool2d_3_sizes", lambda t: t.nn.AdaptiveAvgPool2d((2, 2, 2))(t.ones(1, 1, 4, 4))),
    _call("AdaptiveLogSoftmax_cutoffs", lambda t: t.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3])),
    _call("Sequential_add_int", lambda t: t.nn.Sequential() + 3),
    _call("Module_assign_int_weight", lambda t: setattr(t.nn.Linear(2, 2), "weight", 3)),
    _call("Module_to_int_dtype", lambda t: t.nn.Linear(2, 2).to(t.int64)),
    _call("load_state_dict_shape", lambda t: t.nn.Linear(2, 2).load_state_dict({"weight": t.ones(3, 3),
                                                                                 "bias": t.ones(2)})),
    _call("init_fan_1d", lambda t: t.nn.init.kaiming_uniform_(t.ones(3))),
    _call("init_mode", lambda t: t.nn.init.kaiming_uniform_(t.ones(3, 3), mode="x")),
    _call("init_gain_name", lambda t: t.nn.init.calculate_gain("x")),
    _call("init_dirac_2d", lambda t: t.nn.init.dirac_(t.ones(3, 3))),
    _call("init_trunc_normal_bounds", lambda t: t.nn.init.trunc_normal_(t.ones(3), a=2.0, b=-2.0)),
    _call("vector_to_parameters_list", lambda t: t.nn.utils.vector_to_parameters([1], t.nn.Linear(2, 2).parameters())),
    _call("vector_to_parameters_count", lambda t: t.nn.utils.vector_to_parameters(
        t.ones(3), t.nn.Linear(2, 2).parameters())),
    _call("vector_to_parameters_2d", lambda t: t.nn.utils.vector_to_parameters(
        t.ones(2, 3), t.nn.Linear(2, 2).parameters())),
    _call("pack_padded_lengths_count", lambda t: t.nn.utils.rnn.pack_padded_sequence(t.ones(3, 2, 1), [3, 2, 1])),
    _call("pack_padded_unsorted", lambda t: t.nn.utils.rnn.pack_padded_sequence(t.ones(3, 2, 1), [2, 3])),
    _call("pad_sequence_side", lambda t: t.nn.utils.rnn.pad_sequence([t.ones(2)], padding_side="mid")),
    _call("unpad_sequence_lengths", lambda t: t.nn.utils.rnn.unpad_sequence(t.ones(3, 2, 1), t.tensor([3, 2, 1]))),
    _call("weight_norm_missing", lambda t: t.nn.utils.weight_norm(t.nn.Linear(2, 2), "x")),
    _call("vmap_sizes", lambda t: t.vmap(lambda a, b: a + b)(t.ones(2), t.ones(3))),
    _call("vmap_in_dims", lambda t: t.vmap(lambda a: a, in_dims=3)(t.ones(2))),
    _call("distribution_scale", lambda t: t.distributions.Normal(t.zeros(2), -t.ones(2))),
    _call("multivariate_normal_log_prob_shape", lambda t: t.distributions.MultivariateNormal(
        t.zeros(2), t.eye(2)).log_prob(t.zeros(3))),
    _call("optimizer_lr", lambda t: t.optim.SGD(t.nn.Linear(2, 2).parameters(), lr=-1)),
    _call("tensor_dataset_sizes", lambda t: t.utils.data.TensorDataset(t.ones(2), t.ones(3))),
]


def _sgd(t):
    return t.optim.SGD(t.nn.Linear(2, 2).parameters(), lr=0.1)


DATA_AND_OPTIM_CALLS = [
    _call("TensorDataset_0d", lambda t: t.utils.data.TensorDataset(t.tensor(1.0))),
    _call("ConcatDataset_index", lambda t: t.utils.data.ConcatDataset([[1, 2]])[-5]),
    _call("random_split_sum", lambda t: t.utils.data.random_split([1, 2, 3], [1, 1])),
    _call("WeightedRandomSampler_too_many", lambda t: list(t.utils.data.WeightedRandomSampler(
        [0.5, 0.5], 3, replacement=False))),
    _call("WeightedRandomSampler_2d", lambda t: t.utils.data.WeightedRandomSampler([[0.5]], 1)),
    _call("RandomSampler_num_samples", lambda t: t.utils.data.RandomSampler([1, 2], num_samples=0)),
    _call("DataLoader_batch_size_0", lambda t: t.utils.data.DataLoader([1, 2], batch_size=0)),
    _call("DataLoader_sampler_and_shuffle", lambda t: t.utils.data.DataLoader([1, 2], sampler=[0, 1], shuffle=True)),
    _call("DataLoader_persistent_workers", lambda t: t.utils.data.DataLoader([1, 2], persistent_workers=True)),
    _call("default_collate_object", lambda t: t.utils.data.default_collate([object()])),
    _call("StackDataset_sizes", lambda t: t.utils.data.StackDataset([1], [1, 2])),
    _call("SGD_no_parameters", lambda t: t.optim.SGD([], lr=0.1)),
    _call("SGD_tensor_params", lambda t: t.optim.SGD(t.ones(2, requires_grad=True), lr=0.1)),
    _call("SGD_non_leaf", lambda t: t.optim.SGD([t.ones(2, requires_grad=True) * 2], lr=0.1)),
    _call("Adam_betas", lambda t: t.optim.Adam(t.nn.Linear(2, 2).parameters(), betas=(1.5, 0.9))),
    _call("optimizer_state_groups", lambda t: _sgd(t).load_state_dict({"state": {}, "param_groups": []})),
    _call("add_param_group_int", lambda t: _sgd(t).add_param_group(3)),
    _call("StepLR_int_optimizer", lambda t: t.optim.lr_scheduler.StepLR(3, 1)),
    _call("LambdaLR_count", lambda t: t.optim.lr_scheduler.LambdaLR(_sgd(t), [lambda e: 1, lambda e: 1])),
    _call("OneCycleLR_no_steps", lambda t: t.optim.lr_scheduler.OneCycleLR(_sgd(t), 0.1)),
    _call("ConstantLR_factor", lambda t: t.optim.lr_scheduler.ConstantLR(_sgd(t), factor=2.0)),
    _call("ReduceLROnPlateau_mode", lambda t: t.optim.lr_scheduler.ReduceLROnPlateau(_sgd(t), mode="x")),
    _call("ChainedScheduler_empty", lambda t: t.optim.lr_scheduler.ChainedScheduler([])),
    _call("spectral_norm_iterations", lambda t: t.nn.utils.spectral_norm(t.nn.Linear(2, 2), n_power_iterations=0)),
    _call("functional_call_int", lambda t: t.func.functional_call(t.nn.Linear(2, 2), {"weight": 3}, (t.ones(2),))),
    _call("out_tuple_count", lambda t: t.max(t.ones(2, 2), 0, out=(t.empty(2),))),
    _call("out_tensor_for_tuple", lambda t: t.max(t.ones(2, 2), 0, out=t.empty(2))),
    _call("out_int", lambda t: t.sin(t.ones(2), out=3)),
    _call("load_state_dict_missing_key", lambda t: t.nn.Linear(2, 2).load_state_dict({"weight": t.ones(2, 2)})),
]

def _x(t):
    return t.ones(2, 3)


# A dim outside [-ndim, ndim - 1] is PyTorch's IndexError, never another dim picked by dim % ndim.
DIM_OUT_OF_RANGE_CALLS = [
    _call("dim_tensor_split", lambda t: _x(t).tensor_split(2, dim=5)),
    _call("dim_chunk", lambda t: _x(t).chunk(2, dim=5)),
    _call("dim_unbind", lambda t: _x(t).unbind(5)),
    _call("dim_diff", lambda t: _x(t).diff(dim=5)),
    _call("dim_roll", lambda t: _x(t).roll(1, 5)),
    _call("dim_movedim", lambda t: _x(t).movedim(5, 0)),
    _call("dim_narrow", lambda t: _x(t).narrow(5, 0, 1)),
    _call("dim_normalize", lambda t: F(t).normalize(_x(t), dim=5)),
    _call("dim_cosine_similarity", lambda t: F(t).cosine_similarity(_x(t), _x(t), dim=5)),
    _call("dim_logsumexp", lambda t: _x(t).logsumexp(5)),
    _call("dim_std", lambda t: _x(t).std(5)),
    _call("dim_median", lambda t: _x(t).median(5)),
    _call("dim_quantile", lambda t: _x(t).quantile(0.5, dim=5)),
    _call("dim_cummax", lambda t: _x(t).cummax(5)),
    _call("dim_cumprod", lambda t: _x(t).cumprod(5)),
    _call("dim_kthvalue", lambda t: _x(t).kthvalue(1, 5)),
    _call("dim_unique_consecutive", lambda t: _x(t).unique_consecutive(dim=5)),
    _call("dim_repeat_interleave", lambda t: _x(t).repeat_interleave(2, dim=5)),
    _call("dim_gather", lambda t: _x(t).gather(5, t.zeros(2, 3, dtype=t.long))),
    _call("dim_glu", lambda t: F(t).glu(t.ones(2, 4), 2)),
    _call("dim_log_softmax", lambda t: F(t).log_softmax(_x(t), 5)),
    _call("dim_tensordot", lambda t: t.tensordot(_x(t), t.ones(3, 2), dims=([5], [0]))),
    _call("dim_matrix_norm", lambda t: t.linalg.matrix_norm(_x(t), dim=(0, 5))),
    _call("dim_matrix_norm_negative", lambda t: t.linalg.matrix_norm(_x(t), dim=(0, -3))),
    _call("dim_vector_norm", lambda t: t.linalg.vector_norm(_x(t), dim=5)),
    _call("dim_scatter_reduce", lambda t: _x(t).scatter_reduce(5, t.zeros(2, 3, dtype=t.long), _x(t), "sum")),
    _call("dim_scatter_reduce_0d", lambda t: t.scatter_reduce(t.tensor(1.0), 1, t.tensor(0), t.tensor(2.0), "sum")),
    _call("dim_slice_scatter", lambda t: t.slice_scatter(_x(t), _x(t), dim=5)),
    _call("dim_tensorsolve", lambda t: t.linalg.tensorsolve(t.eye(4).reshape(2, 2, 4), t.ones(2, 2), dims=(5,))),
    _call("dim_renorm", lambda t: _x(t).renorm(2, 2, 1.0)),
    _call("dim_cumulative_trapezoid", lambda t: t.cumulative_trapezoid(_x(t), dim=5)),
    _call("dim_stack", lambda t: t.stack([_x(t), _x(t)], 5)),
    _call("dim_Flatten", lambda t: t.nn.Flatten(5)(_x(t))),
    _call("dim_CosineSimilarity", lambda t: t.nn.CosineSimilarity(5)(_x(t), _x(t))),
]

def _builtin_type(error):
    """The built-in exception class `error` is an instance of: PyTorch's LinAlgError reads as RuntimeError."""
    return next(k for k in type(error).__mro__ if k.__module__ == "builtins")


@requires_torch
@pytest.mark.parametrize("call", FUNCTIONAL_CALLS + TENSOR_CALLS + LINALG_CALLS + MODULE_CALLS
                         + DATA_AND_OPTIM_CALLS + DIM_OUT_OF_RANGE_CALLS)
@pytest.mark.filterwarnings("ignore")
def test_a_wrong_call_raises_the_type_torch_raises(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(Exception) as got:
        call(cr)
    want = _builtin_type(expected.value)
    assert isinstance(got.value, want), (f"chainrule raised {type(got.value).__name__}: {got.value}; "
                                         f"torch raised {want.__name__}: {expected.value}")


# PyTorch has no integer kernel for these (NotImplementedError, a RuntimeError); chainrule checks the
# dtype first and raises DTypeError, a RuntimeError too.
MISSING_KERNEL_CALLS = [
    _call("softshrink_int", lambda t: F(t).softshrink(t.ones(2, dtype=t.long))),
    _call("hardshrink_int", lambda t: F(t).hardshrink(t.ones(2, dtype=t.long))),
    _call("rrelu_int", lambda t: F(t).rrelu(t.ones(2, dtype=t.long))),
    _call("bitwise_and_float", lambda t: t.ones(2) & t.ones(2)),
    _call("eigh_int", lambda t: t.linalg.eigh(t.ones(2, 2, dtype=t.long))),
    _call("lu_factor_int", lambda t: t.linalg.lu_factor(t.ones(2, 2, dtype=t.long))),
]


@requires_torch
@pytest.mark.parametrize("call", MISSING_KERNEL_CALLS)
def test_an_operand_torch_has_no_kernel_for_is_a_dtype_runtime_error(call):
    with pytest.raises(NotImplementedError):
        call(torch)
    with pytest.raises(cr.DTypeError) as got:
        call(cr)
    assert isinstance(got.value, RuntimeError) and isinstance(got.value, TypeError)


@requires_torch
def test_tanhshrink_of_integers_is_a_float_tensor_as_torchs():
    got = F(cr).tanhshrink(cr.tensor([-2, 0, 3]))
    want = F(torch).tanhshrink(torch.tensor([-2, 0, 3]))
    assert got.dtype == cr.float32 and want.dtype == torch.float32
    assert got.tolist() == pytest.approx(want.tolist(), rel=1e-6)
