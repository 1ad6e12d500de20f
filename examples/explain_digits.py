"""Explain the digits CNN: its summary, its autograd graph and five attribution maps per test digit.

Loads the weights that examples/train_digits.py saves (out/digits/digits_cnn.safetensors) or, when
there are none, trains the CNN for a few epochs. Then it prints chainrule.inspect.summary, writes the
autograd graph of the loss (SVG when Graphviz's `dot` is installed, its DOT text otherwise) and
saves, into the output folder, one PNG per attribution method (the test digits above, the method's
map below, each with a colour bar) and explain_digits.png with all of them side by side:

    python examples/explain_digits.py --out out/explain           # about 10 s with saved weights
    python examples/explain_digits.py --weights none --epochs 3   # train first
    python examples/explain_digits.py --device cuda   # on a GPU (the default when chainrule sees one)

Every map explains the score y of the digit's true class (docs/inspect.md has the math). Saliency
and SmoothGrad are magnitudes (black to yellow); Integrated Gradients, Grad-CAM and occlusion are
signed: red pixels raise y, blue ones lower it.
"""
import argparse
import os
import sys

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.datasets import Digits
from chainrule.inspect import (IntegratedGradients, LayerAttribution, LayerGradCam, NoiseTunnel, Occlusion,
                               Saliency, graph, summary, write_graph)
from chainrule.utils.data import DataLoader, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_digits  # noqa: E402
from mlp_digits import add_device_option  # noqa: E402

LAST_CONV = "features.7"


def load_or_train(weights, epochs, device):
    cr.manual_seed(0)
    model = train_digits.DigitsCNN().to(device)
    if weights != "none" and os.path.exists(weights):
        model.load_state_dict(cr.load(weights))
        print(f"weights loaded from {weights}")
        return model.eval()
    print(f"no weights at {weights!r}: training {epochs} epoch(s) with Adam")
    loader = DataLoader(TensorDataset(*Digits(train=True).tensors()), batch_size=32, shuffle=True)
    optimizer = cr.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(epochs):
        model.train()
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            loss = F.cross_entropy(model(train_digits.random_shift(images)), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    test_loader = DataLoader(TensorDataset(*Digits(train=False).tensors()), batch_size=256)
    print(f"test accuracy: {train_digits.evaluate(model, test_loader, device):.4f}")
    return model.eval()


def test_digits(count, device):
    """The first `count` test digits of different classes, and their labels, on `device`."""
    images, labels = Digits(train=False).tensors()
    first_of_class = {}
    for i, label in enumerate(labels.tolist()):
        first_of_class.setdefault(label, i)
    chosen = sorted(first_of_class.values())[:count]
    index = cr.tensor(chosen)
    return images[index].to(device), labels[index].to(device)


def attribution_maps(model, images, labels):
    """{file name: (title, (N, 1, 8, 8) map, signed)} of each method, explaining each digit's true class."""
    cr.manual_seed(0)    # SmoothGrad's noise
    cam = LayerGradCam(model, LAST_CONV).attribute(images, target=labels)
    return {
        "saliency": ("Saliency |dy/dx|", Saliency(model).attribute(images, target=labels), False),
        "smoothgrad": ("SmoothGrad: |dy/dx| averaged over 25 noisy copies (sigma 0.2)",
                       NoiseTunnel(Saliency(model)).attribute(images, nt_type="smoothgrad", nt_samples=25,
                                                              stdevs=0.2, target=labels), False),
        "integrated_gradients": ("Integrated Gradients from a black image (50 steps)",
                                 IntegratedGradients(model).attribute(images, target=labels, n_steps=50), True),
        "grad_cam": (f"Grad-CAM at {LAST_CONV} (4x4, bilinear to 8x8)",
                     LayerAttribution.interpolate(cam, (8, 8), "bilinear"), True),
        "occlusion": ("Occlusion: y(x) - y(x with a 2x2 patch blacked out)",
                      Occlusion(model).attribute(images, sliding_window_shapes=(1, 2, 2), strides=(1, 1, 1),
                                                 target=labels), True),
    }


def show(ax, fig, image, signed, title):
    """One 8x8 map with its colour bar: signed maps on a red-blue scale centred on 0."""
    if signed:
        limit = max(abs(image.min()), abs(image.max()), 1e-12)
        drawn = ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    else:
        drawn = ax.imshow(image, cmap="gray_r" if title is None else "inferno", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    fig.colorbar(drawn, ax=ax, fraction=0.046, pad=0.04)


def digit_titles(model, images, labels):
    with cr.no_grad():
        probabilities = F.softmax(model(images), dim=1)
    predicted = probabilities.argmax(1).tolist()
    return [f"digit {label}: predicted {p}\n(p = {probabilities[i, p].item():.2f})"
            for i, (label, p) in enumerate(zip(labels.tolist(), predicted))]


def save_method_figures(plt, maps, images, labels, titles, out):
    pictures = images.cpu().numpy()[:, 0]
    for name, (title, values, signed) in maps.items():
        count = len(pictures)
        fig, axes = plt.subplots(2, count, figsize=(2.6 * count, 5.4), squeeze=False)
        for i in range(count):
            show(axes[0, i], fig, pictures[i], False, None)
            axes[0, i].set_title(titles[i], fontsize=9)
            below = (f"red raises, blue lowers y[{labels[i]}]" if signed
                     else f"how much y[{labels[i]}] reacts")
            show(axes[1, i], fig, values.cpu().numpy()[i, 0], signed, below)
        fig.suptitle(title)
        fig.tight_layout()
        path = os.path.join(out, f"{name}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        print(f"wrote {path}")


def save_overview(plt, maps, images, titles, path):
    """All methods side by side: a row per digit, the input first."""
    count, columns = images.shape[0], len(maps) + 1
    fig, axes = plt.subplots(count, columns, figsize=(2.5 * columns, 2.3 * count), squeeze=False)
    for i in range(count):
        show(axes[i, 0], fig, images.cpu().numpy()[i, 0], False, None)
        axes[i, 0].set_title(titles[i].replace("\n", " "), fontsize=8)
        for j, (name, (_, values, signed)) in enumerate(maps.items(), start=1):
            show(axes[i, j], fig, values.cpu().numpy()[i, 0], signed, name.replace("_", " ") if i == 0 else "")
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/explain", help="folder for the pictures and the graph")
    parser.add_argument("--weights", default="out/digits/digits_cnn.safetensors",
                        help="weights saved by train_digits.py ('none': train here)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of training when there are no weights")
    parser.add_argument("--count", type=int, default=4, help="how many test digits to explain (at most 10)")
    add_device_option(parser)
    args = parser.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("explain_digits.py draws with matplotlib: pip install matplotlib")
    os.makedirs(args.out, exist_ok=True)
    model = load_or_train(args.weights, args.epochs, args.device)
    images, labels = test_digits(args.count, args.device)
    summary(model, input_size=tuple(images.shape))

    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    dot = graph(loss, params=dict(model.named_parameters()), show_values=True)
    print(f"wrote {write_graph(dot, os.path.join(args.out, 'autograd_graph.svg'))}")
    model.zero_grad()

    maps = attribution_maps(model, images, labels)
    titles = digit_titles(model, images, labels)
    save_method_figures(plt, maps, images, labels.tolist(), titles, args.out)
    save_overview(plt, maps, images, titles, os.path.join(args.out, "explain_digits.png"))


if __name__ == "__main__":
    main()
