"""What meeting pages build is kept under a hash of exactly what it is built from."""
from datetime import datetime, timezone

from coalition.meetings.rendered import ContentCache, content_key


def test_a_value_is_built_once_per_distinct_content():
    cache = ContentCache(8)
    built = []

    def build(label):
        return lambda: built.append(label) or f"<{label}>"

    moment = datetime(2031, 5, 6, 16, tzinfo=timezone.utc)
    assert cache.get(("a", 1, moment), build("first")) == "<first>"
    assert cache.get(("a", 1, moment), build("second")) == "<first>"
    assert cache.get(("a", 2, moment), build("third")) == "<third>"
    assert built == ["first", "third"]


def test_parts_that_print_alike_in_other_shapes_are_other_keys():
    assert content_key(("1", 2)) != content_key((1, 2))
    assert content_key(("a", "b")) != content_key(("a, b",))
    assert content_key((None,)) != content_key(("None",))


def test_the_least_recently_used_entry_goes_first():
    cache = ContentCache(2)
    cache.get(("one",), lambda: 1)
    cache.get(("two",), lambda: 2)
    cache.get(("one",), lambda: -1)  # used again: "two" is now the oldest
    cache.get(("three",), lambda: 3)
    assert len(cache) == 2
    assert cache.get(("one",), lambda: -1) == 1
    assert cache.get(("two",), lambda: 22) == 22
