"""`RemovableHandle`: what every `register_*hook` returns, for tensors, graph nodes and modules alike."""
from __future__ import annotations

import itertools

_ids = itertools.count()


class RemovableHandle:
    """Removes its hook from the dict it was registered in: `.remove()`, or leaving a `with` block."""

    __slots__ = ("hooks_dict", "id")

    def __init__(self, hooks_dict: dict):
        self.hooks_dict = hooks_dict
        self.id = next(_ids)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def add_hook(hooks_dict: dict, hook) -> RemovableHandle:
    """Register `hook` in `hooks_dict` (run in insertion order) and return its handle."""
    handle = RemovableHandle(hooks_dict)
    hooks_dict[handle.id] = hook
    return handle
