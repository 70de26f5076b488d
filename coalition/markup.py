"""Markdown to safe HTML: rendered without raw HTML, then cleaned with an allow-list.

A text's HTML depends on nothing but the text, so each text is rendered once per process and kept
under a hash of the text (a bounded LRU): a new revision is a new text and gets its own entry, and
an entry can never be stale. What is kept is the sanitised output.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from hashlib import blake2b

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
# At most this many characters of rendered HTML are kept per process (about 8 MiB at worst).
CACHE_CHARS = 4_000_000

_rendered: OrderedDict[bytes, Markup] = OrderedDict()
_held = [0]  # characters of HTML held in `_rendered`
_lock = threading.Lock()


def _render(text: str) -> Markup:
    html = _md.render(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)


def render_markdown(text: str | None) -> Markup:
    """Render Markdown text as sanitised HTML (once per distinct text and process)."""
    text = text or ""
    key = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
    with _lock:
        hit = _rendered.get(key)
        if hit is not None:
            _rendered.move_to_end(key)
            return hit
    html = _render(text)
    if len(html) <= CACHE_CHARS // 4:
        with _lock:
            if key not in _rendered:
                _rendered[key] = html
                _held[0] += len(html)
                while _held[0] > CACHE_CHARS:
                    _held[0] -= len(_rendered.popitem(last=False)[1])
    return html


def forget_renders() -> None:
    """Empty the render cache (tests, and anyone changing the rules above at run time)."""
    with _lock:
        _rendered.clear()
        _held[0] = 0
