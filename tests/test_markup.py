"""Markdown is rendered once per text, and what is kept is the sanitised HTML."""
from coalition import markup


def test_the_same_text_is_rendered_once_and_a_new_revision_anew(monkeypatch):
    markup.forget_renders()
    calls = []
    real = markup._render
    monkeypatch.setattr(markup, "_render", lambda text: calls.append(text) or real(text))
    first = markup.render_markdown("# Acta\n\n- uno")
    again = markup.render_markdown("# Acta\n\n- uno")
    changed = markup.render_markdown("# Acta\n\n- uno\n- dos")
    assert calls == ["# Acta\n\n- uno", "# Acta\n\n- uno\n- dos"]
    assert again == first == "<h1>Acta</h1>\n<ul>\n<li>uno</li>\n</ul>\n"
    assert "<li>dos</li>" in changed


def test_a_kept_render_is_the_sanitised_one():
    markup.forget_renders()
    text = "<script>alert(1)</script>\n\n[clic](javascript:alert(1)) **ok**"
    for _ in range(2):
        html = markup.render_markdown(text)
        assert "<script" not in html and 'href="javascript:' not in html
        assert "<strong>ok</strong>" in html


def test_the_cache_keeps_at_most_its_bound_of_html(monkeypatch):
    markup.forget_renders()
    monkeypatch.setattr(markup, "CACHE_CHARS", 400)
    for n in range(50):
        markup.render_markdown(f"párrafo número {n} " * 3)
    assert 0 < markup._held[0] <= 400
    assert markup._held[0] == sum(len(html) for html in markup._rendered.values())
    # A text too long for the bound is rendered every time, not kept.
    long_text = "x" * 500
    assert markup.render_markdown(long_text) == f"<p>{long_text}</p>\n"
    assert all(long_text not in html for html in markup._rendered.values())
    markup.forget_renders()
