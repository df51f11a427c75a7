"""The table of export rules: one function per op class, found the way an op's derivative is.

A rule is registered under the op class's dotted path (`autograd.ops.arithmetic.Add`,
`nn.functional.conv._Conv`), so the table can name ops of `nn` without importing it, and a
test checks that every key still names a class. `rule(g, node)` receives the graph builder and
the recorded call, and returns the ONNX names of the op's outputs (one name, or a tuple).
An op with no rule stops the export with an error naming it (never a model that computes
something else). Users add rules for their own ops with `@autograd.onnx.register(MyOp)`.
"""
from __future__ import annotations

RULES: dict = {}


class ExportError(RuntimeError):
    """The model cannot be exported as it is: says which op, in which module, and what to do."""


def op_key(cls) -> str:
    """The key an op class is registered under: its module and qualified name."""
    return f"{cls.__module__}.{cls.__qualname__}"


def register(*ops):
    """Decorator: `@register(Add, Sub)` or `@register("nn.functional.conv._Conv")` makes the function the
    export rule of those op classes (replacing any rule they had)."""
    keys = [op if isinstance(op, str) else op_key(op) for op in ops]

    def decorate(fn):
        for key in keys:
            RULES[key] = fn
        return fn
    return decorate


def lookup(cls):
    """The rule for an op class, or None."""
    return RULES.get(op_key(cls))
