"""Site furniture in page text: sign-up calls, cookie banners, notices, credits.

Two strengths, from one list. A short *line* of an extracted page that so much as
mentions cookies, logging in or advertising is dropped at ingest (trafilatura
returns banners as text). A *sentence* the planner or a baseline could put in a
brief is dropped only when it is an unmistakable notice to the reader ("Just fill
in your contact details ... to join our mailing list"), so a news sentence about
cookies or a log-in outage stays. Both only for short text: a long sentence that
mentions a newsletter is reporting, not furniture.
"""

from __future__ import annotations

import re

MAX_WORDS = 30

_NOTICES = (
    r"newsletters?|mailing list|subscribe|sign(?:ing)? up|contact details|e-?mail alerts"
    r"|follow us|click here|share (?:this|on)|all rights reserved|privacy (?:policy|notice)"
    r"|terms (?:of|and) (?:use|service|conditions)|ad ?blocker|enable javascript"
    r"|javascript is disabled|contributed to this report"
)
_NOTICE_RE = re.compile(rf"\b(?:{_NOTICES})\b", re.I)
_LINE_RE = re.compile(
    rf"\b(?:{_NOTICES}|cookies?|subscription|log ?in|advertisement|javascript)\b", re.I
)


def is_boilerplate_line(line: str) -> bool:
    """A short page line that reads as site furniture (dropped at extraction)."""
    return len(line.split()) <= MAX_WORDS and bool(_LINE_RE.search(line))


def is_notice(sentence: str) -> bool:
    """A short sentence addressed to the site's reader, not news (never planned or quoted)."""
    return len(sentence.split()) <= MAX_WORDS and bool(_NOTICE_RE.search(sentence))
