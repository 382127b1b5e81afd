"""html_to_text: readable text from HTML-only mail."""

from __future__ import annotations

from plugins.inbox.html_text import html_to_text


def test_paragraphs_breaks_lists_and_links() -> None:
    html = (
        "<div>Hello&nbsp;team,</div><p>Line one<br>line two</p>"
        "<ol><li>first</li><li>second</li></ol>"
        '<p><a href="https://x.example/a">https://x.example/a</a> and '
        '<a href="mailto:help@msp.example">mail us</a></p>'
    )
    assert html_to_text(html) == (
        "Hello team,\n\nLine one\nline two\n\n- first\n- second\n\n"
        "https://x.example/a and mail us <help@msp.example>"
    )


def test_style_script_head_and_comments_are_dropped() -> None:
    html = (
        "<html><head><title>T</title><style>.a{}</style></head><body>"
        "<!--[if mso]>junk<![endif]--><script>var x=1;</script>Visible</body></html>"
    )
    assert html_to_text(html) == "Visible"


def test_blockquote_becomes_quoted_lines() -> None:
    html = "Reply<blockquote>old line<br>second<blockquote>older</blockquote></blockquote>"
    assert html_to_text(html) == "Reply\n> old line\n> second\n> > older"


def test_broken_markup_does_not_raise() -> None:
    assert html_to_text("<p>unclosed <b>bold <a href=x>link") == "unclosed bold link"
    assert html_to_text("") == ""
