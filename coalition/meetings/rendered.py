"""What the meeting pages build from data, kept per process under a hash of exactly that data.

The key is a hash of everything the built value is made from, read afresh on each request, so an
entry can never be stale: a change to any input is a different key, and old entries simply age out
of the LRU. No invalidation, no hooks, nothing shared between processes.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from hashlib import blake2b
from typing import Generic, TypeVar

T = TypeVar("T")


def content_key(parts: tuple) -> bytes:
    """A hash of `parts` (plain values: str, int, datetime, None and tuples of them)."""
    return blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=20).digest()


class ContentCache(Generic[T]):
    """A bounded LRU of values built from `parts`, keyed by the parts' hash."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[bytes, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, parts: tuple, build: Callable[[], T]) -> T:
        """The value built from `parts`: kept from an earlier call, or built now by `build()`."""
        key = content_key(parts)
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                return value
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
