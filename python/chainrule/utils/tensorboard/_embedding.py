"""add_embedding's files, as torch.utils.tensorboard writes them for the Projector plugin.

Under <logdir>/<step, 5 digits>/<tag, '%' and '/' escaped>/: tensors.tsv (one row per point, values
tab-separated), metadata.tsv (a label per row, or a header and columns), sprite.png (the label
images on a square grid); <logdir>/projector_config.pbtxt lists every embedding the writer added.
"""
import math
import os

import numpy as np
from google.protobuf import text_format
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo

from chainrule.utils.tensorboard._image import encode_png, image_grid


def escape_tag(tag):
    """The tag as one folder name: '%', '/' and '\\' written as %25, %2f, %5c (PyTorch's _encode)."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def write_tsv(path, rows):
    with open(path, "wb") as f:
        f.write(("\n".join(rows) + "\n").encode("utf-8"))


def write_metadata(folder, metadata, header=None):
    if header:
        if len(header) != len(metadata[0]):
            raise ValueError(f"add_embedding: metadata_header has {len(header)} columns, the metadata rows "
                             f"{len(metadata[0])}")
        rows = ["\t".join(str(e) for e in row) for row in [header] + list(metadata)]
    else:
        rows = [str(label) for label in metadata]
    write_tsv(os.path.join(folder, "metadata.tsv"), rows)


def write_vectors(folder, mat):
    write_tsv(os.path.join(folder, "tensors.tsv"), ["\t".join(str(v.item()) for v in row) for row in mat])


def write_sprite(folder, label_img):
    """label_img (N, C, H, W) in 0..1 on a square grid of ceil(sqrt(N)) images a side, as sprite.png."""
    side = math.ceil(label_img.shape[0] ** 0.5)
    grid = image_grid(label_img, columns=side).transpose(1, 2, 0)
    square = np.zeros((grid.shape[1], grid.shape[1], 3))
    square[:grid.shape[0]] = grid
    with open(os.path.join(folder, "sprite.png"), "wb") as f:
        f.write(encode_png(np.uint8((square * 255).clip(0, 255))))


def embedding_info(subdir, tag, global_step, has_metadata, label_img):
    info = EmbeddingInfo(tensor_name=f"{tag}:{str(global_step).zfill(5)}", tensor_path=f"{subdir}/tensors.tsv")
    if has_metadata:
        info.metadata_path = f"{subdir}/metadata.tsv"
    if label_img is not None:
        info.sprite.image_path = f"{subdir}/sprite.png"
        info.sprite.single_image_dim.extend([label_img.shape[3], label_img.shape[2]])
    return info


def write_projector_config(logdir, config):
    with open(os.path.join(logdir, "projector_config.pbtxt"), "wb") as f:
        f.write(text_format.MessageToString(config).encode("utf-8"))
