"""SummaryWriter: writes scalars, histograms, images, text, precision-recall curves, hyperparameters,
embeddings and the model's graph to TensorBoard event files, with torch.utils.tensorboard.SummaryWriter's
signatures and defaults.

    writer = SummaryWriter()                  # runs/<Mon DD_HH-MM-SS>_<host><comment>
    writer.add_scalar("loss/train", loss, step)
    writer.close()                            # or: with SummaryWriter(...) as writer:

Every add_* takes chainrule tensors, NumPy arrays and Python numbers. Bad input raises before anything
is queued, so the event file never holds a half-written record. PyTorch's methods not here
(add_video, add_audio, add_mesh, ...) raise AttributeError saying so.
"""
import os
import socket
import time
from datetime import datetime

import numpy as np
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

from chainrule._missing import missing_attribute
from chainrule.utils.tensorboard import _embedding
from chainrule.utils.tensorboard._convert import to_numpy
from chainrule.utils.tensorboard._file_writer import FileWriter
from chainrule.utils.tensorboard._graph import model_graph
from chainrule.utils.tensorboard._histogram import TENSORFLOW_BINS, histogram_summary
from chainrule.utils.tensorboard._hparams import hparams_summaries
from chainrule.utils.tensorboard._image import figure_to_chw, image_summary
from chainrule.utils.tensorboard._pr_curve import pr_curve_summary
from chainrule.utils.tensorboard._scalar import scalar_summary
from chainrule.utils.tensorboard._text import text_summary


def default_log_dir(comment=""):
    """PyTorch's default: runs/<current time as %b%d_%H-%M-%S>_<host name><comment>."""
    return os.path.join("runs", datetime.now().strftime("%b%d_%H-%M-%S") + "_" + socket.gethostname() + comment)


class SummaryWriter:
    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        self.log_dir = log_dir or default_log_dir(comment)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.default_bins = TENSORFLOW_BINS
        self.file_writer = self.all_writers = None
        self._get_file_writer()

    def __getattr__(self, name):
        raise missing_attribute("'SummaryWriter' object", "torch.utils.tensorboard.SummaryWriter", name)

    def _get_file_writer(self):
        """The writer of log_dir's event file, made again after close(). With purge_step, the first events
        tell TensorBoard to drop what an earlier run logged at steps >= purge_step."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step,
                                                 session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        summary = scalar_summary(tag, scalar_value, new_style=new_style, double_precision=double_precision)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """One chart `main_tag` with a line per key: each key is written to its own run,
        <log_dir>/<main_tag with '/' as '_'>_<key>, as PyTorch does."""
        walltime = time.time() if walltime is None else walltime
        summaries = {tag: scalar_summary(main_tag, value) for tag, value in tag_scalar_dict.items()}
        log_dir = self._get_file_writer().get_logdir()
        for tag, summary in summaries.items():
            run_dir = log_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            if run_dir not in self.all_writers:
                self.all_writers[run_dir] = FileWriter(run_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers[run_dir].add_summary(summary, global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        self._get_file_writer().add_summary(histogram_summary(tag, values, bins, max_bins), global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        summary = image_summary(tag, img_tensor, dataformats, f"add_image('{tag}')")
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        summary = image_summary(tag, img_tensor, dataformats, f"add_images('{tag}')")
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or a list of them, drawn side by side) as an image."""
        if isinstance(figure, list):
            self.add_image(tag, np.stack([figure_to_chw(f, close) for f in figure]), global_step, walltime, "NCHW")
        else:
            self.add_image(tag, figure_to_chw(figure, close), global_step, walltime, "CHW")

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._get_file_writer().add_summary(text_summary(tag, text_string), global_step, walltime)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None,
                     walltime=None):
        """The precision-recall curve of `predictions` (probabilities in [0, 1]) against bool/0-1 `labels`."""
        labels, predictions = to_numpy(labels, "add_pr_curve"), to_numpy(predictions, "add_pr_curve")
        summary = pr_curve_summary(tag, labels, predictions, num_thresholds, weights)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None, global_step=None):
        """The hyperparameters and the metrics they gave, as a sub-run <log_dir>/<run_name or the time> for
        the HParams tab; the metrics are also written there as scalars."""
        experiment, start, end = hparams_summaries(hparam_dict, metric_dict, hparam_domain_discrete)
        log_dir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=log_dir) as run:
            for summary in (experiment, start, end):
                run.file_writer.add_summary(summary, global_step)
            for tag, value in metric_dict.items():
                run.add_scalar(tag, value, global_step)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Points (N, D) for the Projector tab, with a label per point (metadata) and images (label_img, NCHW)."""
        mat = to_numpy(mat, f"add_embedding('{tag}')")
        if mat.ndim != 2:
            raise ValueError(f"add_embedding('{tag}'): mat should be 2-D (points, dimensions), got shape {mat.shape}")
        if metadata is not None and len(metadata) != mat.shape[0]:
            raise ValueError(f"add_embedding('{tag}'): {len(metadata)} labels for {mat.shape[0]} points")
        if label_img is not None:
            label_img = to_numpy(label_img, f"add_embedding('{tag}')")
            if label_img.ndim != 4 or label_img.shape[0] != mat.shape[0]:
                raise ValueError(f"add_embedding('{tag}'): label_img should be (N, C, H, W) with N = {mat.shape[0]} "
                                 f"points, got shape {label_img.shape}")
        global_step = 0 if global_step is None else global_step
        subdir = f"{str(global_step).zfill(5)}/{_embedding.escape_tag(tag)}"
        folder = os.path.join(self._get_file_writer().get_logdir(), subdir)
        if os.path.isdir(folder):
            print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
        os.makedirs(folder, exist_ok=True)
        if metadata is not None:
            _embedding.write_metadata(folder, metadata, metadata_header)
        if label_img is not None:
            _embedding.write_sprite(folder, label_img)
        _embedding.write_vectors(folder, mat)
        self._projector_config = self.__dict__.get("_projector_config") or ProjectorConfig()
        self._projector_config.embeddings.append(
            _embedding.embedding_info(subdir, tag, global_step, metadata is not None, label_img))
        _embedding.write_projector_config(self._get_file_writer().get_logdir(), self._projector_config)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The autograd graph of model(*input_to_model) for the Graphs tab (see _graph.py). use_strict_trace is
        PyTorch's tracer option; chainrule does not trace, and follows outputs in lists and dicts always."""
        self._get_file_writer().add_graph(model_graph(model, input_to_model, verbose))

    def flush(self):
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self):
        """Flushes and closes every event file; a later add_* opens a new one (closing twice is harmless)."""
        for writer in (self.all_writers or {}).values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()
