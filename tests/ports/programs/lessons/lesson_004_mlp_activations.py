# Ported program (tests/ports): the PyTorch snippets of this project's source lesson 004, 多层感知机 (a chapter of
# 《动手学深度学习》 in its PyTorch version, /work/shared/seeds/004_023a12d1b12e0c60.txt), in the lesson's order.
# Changes, and why: the lesson's text lost its line breaks and its `=` signs and quotes inside code, so they are put
# back; its excerpt uses `d2l` without the book's import, so the book's `import d2lzh_pytorch as d2l` is added
# (after the lesson's `import sys`, which the book uses to reach that module) and d2lzh_pytorch.py beside this
# file stands in for the book's helper module (set_figsize and plt only, written for these tests).
import torch
import numpy as np
import matplotlib.pylab as plt
import sys
import d2lzh_pytorch as d2l  # PORT: the book's import, missing from the lesson's excerpt

def xyplot(x_vals, y_vals, name):
    d2l.set_figsize(figsize=(5, 2.5))
    d2l.plt.plot(x_vals.detach().numpy(), y_vals.detach().numpy())
    d2l.plt.xlabel('x')
    d2l.plt.ylabel(name + '(x)')

x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = x.relu()
xyplot(x, y, 'relu')

y.sum().backward()
xyplot(x, x.grad, 'grad of relu')
relu_grad = x.grad.clone()  # PORT: kept for the comparison with PyTorch (x.grad is zeroed below)

y = x.sigmoid()
xyplot(x, y, 'sigmoid')

x.grad.zero_()
y.sum().backward()
xyplot(x, x.grad, 'grad of sigmoid')
sigmoid_grad = x.grad.clone()  # PORT: kept for the comparison with PyTorch

y = x.tanh()
xyplot(x, y, 'tanh')

x.grad.zero_()
y.sum().backward()
xyplot(x, x.grad, 'grad of tanh')
