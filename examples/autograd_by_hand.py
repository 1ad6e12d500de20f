"""The chain rule, by hand: the gradients of a tiny network worked out step by step, then checked.

The network is  x -> Linear(W1, b1) -> ReLU -> Linear(W2, b2) -> cross-entropy  on a few inputs.
We first run the forward pass keeping every intermediate, then walk backwards through it, applying
the chain rule one operation at a time with plain tensor code (no autograd). Then we let chainrule
do the same thing with loss.backward(), print both side by side, and finally ask
chainrule.autograd.gradcheck to compare the analytic gradients with finite differences.

    python examples/autograd_by_hand.py

Everything is float64, so the hand-derived and the automatic gradients agree to ~1e-16.
"""
import argparse

import chainrule as cr
import chainrule.nn.functional as F

N, D, H, C = 4, 3, 5, 3  # 4 inputs of 3 features, 5 hidden units, 3 classes


def make_problem(seed=0):
    """A batch of inputs, their labels and the four parameters, all float64."""
    cr.manual_seed(seed)
    x = cr.randn(N, D, dtype=cr.float64)
    labels = cr.tensor([0, 2, 1, 2])
    params = {
        "W1": cr.randn(D, H, dtype=cr.float64) * 0.5,
        "b1": cr.randn(H, dtype=cr.float64) * 0.1,
        "W2": cr.randn(H, C, dtype=cr.float64) * 0.5,
        "b2": cr.randn(C, dtype=cr.float64) * 0.1,
    }
    return x, labels, params


def forward(x, labels, W1, b1, W2, b2):
    """The network as a function of its parameters; returns the mean cross-entropy loss."""
    hidden = (x @ W1 + b1).relu()
    logits = hidden @ W2 + b2
    return F.cross_entropy(logits, labels)


def gradients_by_hand(x, labels, W1, b1, W2, b2):
    """dL/dW1, dL/db1, dL/dW2, dL/db2 with the chain rule written out, one operation at a time."""
    # ---- forward pass, keeping every intermediate the backward pass will need --------------------
    z1 = x @ W1 + b1                          # (N, H) pre-activations
    h = z1.relu()                             # (N, H) hidden layer
    logits = h @ W2 + b2                      # (N, C)
    shifted = logits - logits.max(1, keepdim=True).values   # same softmax, no overflow in exp
    p = shifted.exp() / shifted.exp().sum(1, keepdim=True)  # (N, C) softmax probabilities
    onehot = F.one_hot(labels, C).to(cr.float64)             # (N, C) 1 at the true class
    loss = -(onehot * p.log()).sum() / N      # mean over the batch of -log p[true class]

    # ---- backward pass: start from dL/dL = 1 and go back through each operation -----------------
    # Softmax followed by cross-entropy has the famously simple derivative p - onehot for one
    # sample; the loss is a mean over N samples, so each sample contributes 1/N of it.
    dlogits = (p - onehot) / N                # (N, C)

    # logits = h @ W2 + b2. For a matrix product Y = A @ B: dA = dY @ B^T and dB = A^T @ dY.
    # The bias is added to every row, so its gradient sums the rows.
    dW2 = h.T @ dlogits                       # (H, N) @ (N, C) -> (H, C)
    db2 = dlogits.sum(0)                      # (C,)
    dh = dlogits @ W2.T                       # (N, C) @ (C, H) -> (N, H)

    # h = relu(z1): the gradient passes where z1 > 0 and is blocked where z1 <= 0.
    dz1 = dh * (z1 > 0).to(cr.float64)        # (N, H)

    # z1 = x @ W1 + b1: the same rule as for the second layer (we do not need dL/dx).
    dW1 = x.T @ dz1                           # (D, N) @ (N, H) -> (D, H)
    db1 = dz1.sum(0)                          # (H,)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def gradients_by_autograd(x, labels, params):
    """The same gradients from chainrule's autograd: record the forward pass, call backward()."""
    leaves = {name: p.detach().requires_grad_() for name, p in params.items()}
    loss = forward(x, labels, **leaves)
    loss.backward()
    return loss, {name: leaf.grad for name, leaf in leaves.items()}


def show_side_by_side(name, by_hand, by_autograd):
    """Prints the two gradients of one parameter next to each other, flattened, with their max difference."""
    print(f"\ndL/d{name}  shape {tuple(by_hand.shape)}   max |difference| = "
          f"{(by_hand - by_autograd).abs().max().item():.2e}")
    print(f"  {'by hand':>12}  {'autograd':>12}")
    for a, b in zip(by_hand.reshape(-1).tolist(), by_autograd.reshape(-1).tolist()):
        print(f"  {a:12.8f}  {b:12.8f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs and parameters")
    args = parser.parse_args()
    x, labels, params = make_problem(args.seed)
    loss_hand, grads_hand = gradients_by_hand(x, labels, **params)
    loss_auto, grads_auto = gradients_by_autograd(x, labels, params)
    print(f"loss by hand {loss_hand.item():.12f}   loss from F.cross_entropy {loss_auto.item():.12f}")
    for name in params:
        show_side_by_side(name, grads_hand[name], grads_auto[name])
    worst = max((grads_hand[n] - grads_auto[n]).abs().max().item() for n in params)
    print(f"\nlargest difference over all parameters: {worst:.2e}")

    # gradcheck nudges every parameter entry by +-eps, measures the change of the loss (finite
    # differences) and compares it with what backward() computes: a third, independent check.
    # The random points are far from the ReLU kink at 0, where finite differences would mislead.
    inputs = [p.detach().requires_grad_() for p in params.values()]
    ok = cr.autograd.gradcheck(lambda W1, b1, W2, b2: forward(x, labels, W1, b1, W2, b2), inputs)
    print(f"chainrule.autograd.gradcheck (finite differences vs backward): {'passed' if ok else 'FAILED'}")


if __name__ == "__main__":
    main()
