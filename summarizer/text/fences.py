"""Fencing untrusted text as data inside a prompt.

Page text and claims go into prompts between tags (``<source>``, ``<evidence>``,
``<claim>``, ``<sentence>``). Any fence-like tag inside them is defused first
(``<evidence`` → ``‹evidence``), so page text cannot close the fence and talk to
the model as the user. Citation-like markers already in page text
(Wikipedia-style ``[3]``, fake passage IDs) would invite the model to copy them;
they are removed from what the model sees, never from the source.
"""

from __future__ import annotations

import re

_FENCE_RE = re.compile(r"<\s*/?\s*(?:evidence|claim|source|sentence)\b", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")
_PAGE_MARKER_RE = re.compile(r"\[\s*(?:S\s*)?\d+(?:\.\d+)?\s*\]|【\s*\d+\s*】")
ATTRIBUTE_MAX_CHARS = 200


def defuse(text: str) -> str:
    """``text`` on one line with fence tags made harmless (``<evidence`` → ``‹evidence``)."""
    text = _FENCE_RE.sub(lambda m: m.group(0).replace("<", "‹"), text)
    return _SPACE_RE.sub(" ", text).strip()


def clean_passage(text: str) -> str:
    """A source passage as the model sees it: defused, without citation-like markers."""
    return defuse(_PAGE_MARKER_RE.sub("", text))


def attribute(value: str) -> str:
    """A value safe inside a double-quoted tag attribute, on one line, at most 200 chars."""
    cleaned = " ".join(value.split()).replace('"', "'").replace("<", "‹").replace(">", "›")
    return cleaned[:ATTRIBUTE_MAX_CHARS]
