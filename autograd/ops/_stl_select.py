"""PyTorch's CPU topk order for ties: a port of the C++ standard library algorithms it calls.

PyTorch's CPU `topk` (aten TopKImpl.h) puts (value, index) pairs in a vector and calls
`std::partial_sort` when k·64 <= n, else `std::nth_element` followed by `std::sort` of the
first k-1, comparing values only (NaN counts as the largest). Neither algorithm is stable,
so among equal values the indices it returns depend on the exact steps of GCC's libstdc++
(introselect, introsort with insertion sort below 16 elements, heap select). Those steps are
reproduced here, step for step, so that a tie sends the gradient to the same element as in
PyTorch. It runs in Python, so `topk` uses it only for the rows where ties decide the answer.
"""
from __future__ import annotations

import math

_THRESHOLD = 16  # libstdc++'s _S_threshold: introsort hands ranges this short to insertion sort


def _lg(n: int) -> int:
    return n.bit_length() - 1


class _Range:
    """A list of (value, index) pairs and libstdc++'s algorithms on it, with `less` comparing values."""

    def __init__(self, items: list, less):
        self.a, self.less = items, less

    def _comp(self, i: int, j: int) -> bool:
        return self.less(self.a[i][0], self.a[j][0])

    def _swap(self, i: int, j: int) -> None:
        self.a[i], self.a[j] = self.a[j], self.a[i]

    # --------------------------------------------------------------- partitioning (std::__introselect, __introsort_loop)
    def _move_median_to_first(self, result: int, a: int, b: int, c: int) -> None:
        comp = self._comp
        if comp(a, b):
            if comp(b, c):
                self._swap(result, b)
            elif comp(a, c):
                self._swap(result, c)
            else:
                self._swap(result, a)
        elif comp(a, c):
            self._swap(result, a)
        elif comp(b, c):
            self._swap(result, c)
        else:
            self._swap(result, b)

    def _unguarded_partition(self, first: int, last: int, pivot: int) -> int:
        a, less = self.a, self.less
        while True:
            while less(a[first][0], a[pivot][0]):
                first += 1
            last -= 1
            while less(a[pivot][0], a[last][0]):
                last -= 1
            if not first < last:
                return first
            a[first], a[last] = a[last], a[first]
            first += 1

    def _partition_pivot(self, first: int, last: int) -> int:
        self._move_median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
        return self._unguarded_partition(first + 1, last, first)

    # --------------------------------------------------------------- insertion sort
    def _linear_insert(self, last: int) -> None:
        a, less = self.a, self.less
        value = a[last]
        previous = last - 1
        while less(value[0], a[previous][0]):
            a[last] = a[previous]
            last = previous
            previous -= 1
        a[last] = value

    def _insertion_sort(self, first: int, last: int) -> None:
        a, less = self.a, self.less
        for i in range(first + 1, last):
            if less(a[i][0], a[first][0]):
                value = a[i]
                a[first + 1:i + 1] = a[first:i]
                a[first] = value
            else:
                self._linear_insert(i)

    # --------------------------------------------------------------- heaps (std::__heap_select, __sort_heap)
    def _push_heap(self, first: int, hole: int, top: int, value) -> None:
        a, less = self.a, self.less
        parent = (hole - 1) // 2
        while hole > top and less(a[first + parent][0], value[0]):
            a[first + hole] = a[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[first + hole] = value

    def _adjust_heap(self, first: int, hole: int, length: int, value) -> None:
        a, less = self.a, self.less
        top = child = hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if less(a[first + child][0], a[first + child - 1][0]):
                child -= 1
            a[first + hole] = a[first + child]
            hole = child
        if length % 2 == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole] = a[first + child - 1]
            hole = child - 1
        self._push_heap(first, hole, top, value)

    def _make_heap(self, first: int, last: int) -> None:
        length = last - first
        if length < 2:
            return
        for parent in range((length - 2) // 2, -1, -1):
            self._adjust_heap(first, parent, length, self.a[first + parent])

    def _pop_heap(self, first: int, last: int, result: int) -> None:
        value = self.a[result]
        self.a[result] = self.a[first]
        self._adjust_heap(first, 0, last - first, value)

    def _heap_select(self, first: int, middle: int, last: int) -> None:
        self._make_heap(first, middle)
        for i in range(middle, last):
            if self._comp(i, first):
                self._pop_heap(first, middle, i)

    # --------------------------------------------------------------- the three entry points
    def partial_sort(self, first: int, middle: int, last: int) -> None:
        self._heap_select(first, middle, last)
        while middle - first > 1:
            middle -= 1
            self._pop_heap(first, middle, middle)

    def sort(self, first: int, last: int) -> None:
        if first == last:
            return
        self._introsort_loop(first, last, _lg(last - first) * 2)
        if last - first > _THRESHOLD:
            self._insertion_sort(first, first + _THRESHOLD)
            for i in range(first + _THRESHOLD, last):
                self._linear_insert(i)
        else:
            self._insertion_sort(first, last)

    def _introsort_loop(self, first: int, last: int, depth: int) -> None:
        while last - first > _THRESHOLD:
            if depth == 0:
                self.partial_sort(first, last, last)
                return
            depth -= 1
            cut = self._partition_pivot(first, last)
            self._introsort_loop(cut, last, depth)
            last = cut

    def nth_element(self, first: int, nth: int, last: int) -> None:
        if first == last or nth == last:
            return
        depth = _lg(last - first) * 2
        while last - first > 3:
            if depth == 0:
                self._heap_select(first, nth + 1, last)
                self._swap(first, nth)
                return
            depth -= 1
            cut = self._partition_pivot(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self._insertion_sort(first, last)


def _larger(x: float, y: float) -> bool:
    return (math.isnan(x) and not math.isnan(y)) or x > y


def _smaller(x: float, y: float) -> bool:
    return (not math.isnan(x) and math.isnan(y)) or x < y


def torch_topk_order(values, k: int, largest: bool) -> list:
    """The k indices PyTorch's CPU topk (sorted=True) returns for one row of values."""
    n = len(values)
    if k == 0:
        return []
    row = _Range([(float(v), j) for j, v in enumerate(values)], _larger if largest else _smaller)
    if k * 64 <= n:
        row.partial_sort(0, k, n)
    else:
        row.nth_element(0, k - 1, n)
        row.sort(0, k - 1)
    return [j for _, j in row.a[:k]]
