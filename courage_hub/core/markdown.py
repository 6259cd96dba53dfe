"""Markdown for descriptions: rendered, then sanitized so that no raw HTML survives."""

from __future__ import annotations

import html as html_module
import re
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code", "pre", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> Markup:
    """Markdown → safe HTML: raw HTML is escaped first, then only a small set of tags and http(s) links remain."""
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 - sanitized by nh3 just above


@lru_cache(maxsize=1024)
def plain_text(text: str, limit: int | None = None) -> str:
    """Markdown → plain text on one line (no tags, no Markdown marks), cut at a word boundary to ``limit`` characters.

    For places that take text, not HTML: meta descriptions, feed summaries, the API. Like the rendered page it leaves
    out raw HTML and comments. Pure, so each worker keeps its last 1,024 answers (see :func:`markdown_to_text`).
    """
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    words = html_module.unescape(nh3.clean(html, tags=set())).split()
    plain = " ".join(words)
    if limit is None or len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:–-") + "…"


@lru_cache(maxsize=1024)
def markdown_to_text(text: str) -> str:
    """Markdown → plain text (for feeds, metadata, summaries and the API): no Markdown signs, one line.

    Parsing Markdown costs about half a millisecond per text, which adds up in a list of a hundred; the function is
    pure, so each worker keeps its last 1,024 answers.

    The writer's own characters stay as they are (``<`` or ``&`` in a name is text here, not markup); the output
    is text that each format escapes in its own way.
    """
    rendered = md.markdown(html_module.escape(text or "", quote=False), extensions=["sane_lists"], output_format="html")
    # Block ends become spaces, so that "Satz.</p><p>Neuer" does not run together.
    spaced = re.sub(r"</(p|li|h\d|blockquote|pre)>|<br\s*/?>", " ", rendered)
    stripped = nh3.clean(spaced, tags=set(), strip_comments=True)
    return " ".join(html_module.unescape(stripped).split())
