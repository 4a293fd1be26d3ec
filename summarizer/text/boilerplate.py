"""Site furniture in page text: sign-up calls, cookie banners, notices, credits.

Two strengths. A short *line* of an extracted page that so much as mentions
cookies, logging in, advertising or a privacy policy is dropped at ingest
(trafilatura returns banners as text). A *sentence* the planner or a baseline
could put in a brief is dropped only when it is an unmistakable notice to the
reader ("Just fill in your contact details ... to join our mailing list"), so a
news sentence about cookies, a log-in outage or a new privacy policy stays. Both
only for short text: a long sentence that mentions a newsletter is reporting.
"""

from __future__ import annotations

import re

MAX_WORDS = 30

# Said to the site's reader, never in reporting.
_NOTICES = (
    r"newsletters?|mailing list|subscribe|sign(?:ing)? up|contact details|e-?mail alerts"
    r"|follow us|click here|share this|all rights reserved|ad ?blocker|enable javascript"
    r"|javascript is disabled|contributed to this report"
)
# Page chrome as well, but also news words ("changed its privacy policy", "a share on").
_CHROME = (
    r"cookies?|subscription|log ?in|advertisement|javascript|share on"
    r"|privacy (?:policy|notice)|terms (?:of|and) (?:use|service|conditions)"
)
_NOTICE_RE = re.compile(rf"\b(?:{_NOTICES})\b", re.I)
_LINE_RE = re.compile(rf"\b(?:{_NOTICES}|{_CHROME})\b", re.I)


def is_boilerplate_line(line: str) -> bool:
    """A short page line that reads as site furniture (dropped at extraction)."""
    return len(line.split()) <= MAX_WORDS and bool(_LINE_RE.search(line))


def is_notice(sentence: str) -> bool:
    """A short sentence addressed to the site's reader, not news (never planned or quoted)."""
    return len(sentence.split()) <= MAX_WORDS and bool(_NOTICE_RE.search(sentence))
