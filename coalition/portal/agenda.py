"""Placeholder: being built (issue 14)."""
from coalition.errors import NotFound


def __getattr__(name):
    def missing(*args, **kwargs):
        raise NotFound()
    return missing
