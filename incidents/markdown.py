"""Markdown for post bodies, rendered once when a post is written.

Raw HTML is not parsed (markdown-it's html=False), and nh3 then removes anything a
browser could run: scripts, event handlers, and javascript: or data: URLs.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False}
).enable(["table", "strikethrough"])

_ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str) -> str:
    html = _markdown.render(text)
    # Headings start at h2: the page's only <h1> is its title.
    for level in (5, 4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    return _clean(html)


def safe_html(html: str) -> SafeString:
    """Stored post HTML for a template, cleaned again on the way out: nothing that missed
    render_markdown (an old row, one written by hand) reaches a page unsanitized."""
    cleaned = _clean(html)
    # Safe: nh3 has just removed anything a browser could run.
    return mark_safe(cleaned)  # noqa: S308  # nosec B308 B703


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
