"""Stand-in for the book's d2lzh_pytorch helper module, written for tests/ports: only what lesson 004 uses."""
import matplotlib.pyplot as plt


def set_figsize(figsize=(3.5, 2.5)):
    plt.rcParams['figure.figsize'] = figsize
