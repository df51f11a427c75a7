# %% [markdown]
# # 04 · Computation graphs and gradient flow
#
# Every operation on a tensor that requires grad is *recorded*: the result keeps a `grad_fn`, a node
# that knows its backward rule and the nodes its inputs came from. `backward()` walks this graph from the
# loss to the leaves, applying the chain rule at each node. This notebook draws that graph for a small
# model, shows how `nn.Module`s group its nodes, and then uses the graph and `nn.utils.plot_grad_flow`
# to *see* gradients vanish in a deep sigmoid network — and not in a ReLU network with Kaiming
# initialisation.
#
# Drawing needs the graphviz Python package and the Graphviz `dot` program
# (`pip install graphviz`, `apt-get install graphviz`); `autograd.print_graph` needs neither.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import nn.functional as F
from autograd.viz import record_gradient_norms
from nn.utils.grad_flow import plot_grad_flow

_ = ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80})

# %% [markdown]
# ## A small model and its graph
#
# An encoder (`Linear` then `Tanh`) and a linear head, with a mean-squared-error loss on a batch of 5.

# %%
class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        return self.head(self.encoder(x))


model = TinyNet()
x, target = ag.randn(5, 3), ag.randn(5, 1)
loss = F.mse_loss(model(x), target)
print(model)
print("loss:", loss, "\nloss.grad_fn:", loss.grad_fn, "→", loss.grad_fn.next_functions)

# %% [markdown]
# `draw_graph` follows `grad_fn` and `next_functions` from the loss back to the leaves. Arrows point the
# way data flows forward; edges are labelled with shapes. Operations are named by their backward node
# (`LinearBackward`, `TanhBackward`); passing `params=model` names the parameter leaves as
# `named_parameters()` does. Each operation recorded inside an `nn.Module` call is drawn inside that
# module's box, nested as the modules are (`TinyNet` ⊃ `encoder` ⊃ `encoder.0`). The input `x` and the
# target do not require grad, so they are not part of the graph.

# %%
ag.draw_graph(loss, params=model)

# %% [markdown]
# The same graph as text. The mean-squared error computes $d = \hat y - y$ once and uses it twice in
# $d \cdot d$: the graph is a DAG, not a tree, and backward **adds** the gradients arriving along both
# edges.

# %%
ag.print_graph(loss, params=model)

# %% [markdown]
# The engine visits the nodes in topological order (each node before the nodes it sends gradient to).
# The leaves are `AccumulateGrad` nodes: they add the incoming gradient into `.grad`.

# %%
order = ag.engine.topological_order([loss.grad_fn])
print(" → ".join(node.name() for node in order))
leaves = [node for node in order if node.name() == "AccumulateGrad"]
assert len(leaves) == len(list(model.parameters())) == 4
assert order[0] is loss.grad_fn

# %% [markdown]
# After `backward()` the graph can colour every parameter and edge by the norm of its gradient
# (`show_grads=True`; call `record_gradient_norms(loss)` *before* backward to also colour the
# intermediate edges). The backward pass frees the saved tensors, but the drawing needs only the graph's
# structure, so it still works.

# %%
record_gradient_norms(loss)
loss.backward()
ag.draw_graph(loss, params=model, show_grads=True, show_shapes=False)

# %%
for name, p in model.named_parameters():
    print(f"{name:17s} ‖grad‖ = {np.linalg.norm(p.grad.numpy()):.3g}")
assert all(p.grad is not None and np.isfinite(p.grad.numpy()).all() for p in model.parameters())

# %% [markdown]
# ## Gradient flow in deep networks
#
# Now two 10-layer networks of width 32: one with sigmoid activations and PyTorch's default `Linear`
# initialisation, one with ReLU and Kaiming initialisation. Backpropagation multiplies the gradient by
# each layer's weights and activation derivative on the way back. The sigmoid's derivative is at most
# 0.25 (notebook 01), and the default initialisation does not make up for it, so the gradient shrinks at
# every layer; ReLU's derivative is 1 where it is active, and Kaiming's scale keeps the product near 1.

# %% image=notebooks/images/gradient_flow.png
def deep_net(activation, init=None, depth=10, width=32):
    layers = [nn.Linear(16, width), activation()]
    for _ in range(depth - 2):
        layers += [nn.Linear(width, width), activation()]
    layers.append(nn.Linear(width, 1))
    net = nn.Sequential(*layers)
    if init is not None:
        for module in net:
            if isinstance(module, nn.Linear):
                init(module.weight)
                nn.init.zeros_(module.bias)
    return net


_ = ag.manual_seed(0)
inputs, targets = ag.randn(64, 16), ag.randn(64, 1)
nets = {
    "sigmoid, default init": deep_net(nn.Sigmoid),
    "ReLU, Kaiming init": deep_net(nn.ReLU, lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
}
for net in nets.values():
    F.mse_loss(net(inputs), targets).backward()

fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
for ax, (name, net) in zip(axes, nets.items()):
    plot_grad_flow(net.named_parameters(), ax=ax, title=name)
fig.tight_layout()

# %% [markdown]
# The sigmoid net's weight gradients fall like a staircase from the output (right) to the input (left);
# the ReLU/Kaiming net's stay level. (In both, the output layer — a single unit right next to the loss —
# gets the largest gradient.) In numbers — mean |gradient| of each weight matrix, input side first:

# %%
def mean_abs_grad(net):
    weights = [m.weight for m in net if isinstance(m, nn.Linear)]
    return np.array([np.abs(w.grad.numpy()).mean() for w in weights])


for name, net in nets.items():
    print(f"{name:22s}", " ".join(f"{g:.1e}" for g in mean_abs_grad(net)))

sigmoid_flow, relu_flow = mean_abs_grad(nets["sigmoid, default init"]), mean_abs_grad(nets["ReLU, Kaiming init"])
assert sigmoid_flow[0] / sigmoid_flow[-1] < 1e-6            # vanished by more than six orders of magnitude ...
assert np.all(np.diff(np.log(sigmoid_flow)) > 0)            # ... shrinking at every layer towards the input
hidden = relu_flow[:-1]
assert hidden.max() / hidden.min() < 5                       # ReLU + Kaiming: level through the hidden layers

# %% [markdown]
# The same story on the graph itself, for 6-layer versions (drawn left to right, without module boxes):
# with `record_gradient_norms`, every edge is coloured by the norm of the gradient flowing along it —
# from green near the loss to blue, "vanishing", near the input in the sigmoid net.

# %%
_ = ag.manual_seed(0)
small = deep_net(nn.Sigmoid, depth=6, width=8)
loss = F.mse_loss(small(inputs), targets)
record_gradient_norms(loss)
loss.backward()
ag.draw_graph(loss, params=small, show_grads=True, show_shapes=False, group_modules=False, rankdir="LR")

# %% [markdown]
# ## Takeaways
#
# * The graph is built during the forward pass; `grad_fn.next_functions` are its edges, and backward
#   visits it in topological order, summing gradients where a tensor is used more than once.
# * Modules give the graph structure you can see: each `nn.Module` call is a named box.
# * Plot the gradient flow when a deep network will not train: a staircase falling towards the input means
#   vanishing gradients — change the activation, the initialisation, or add normalisation or residual
#   connections.
