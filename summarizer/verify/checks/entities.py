"""Names: capitalised words of a claim (people, places, organisations) must be in the evidence.

Compared folded (case, accents: "Müller" = "Muller"), possessives stripped, and
tolerant of transliteration ("Gaddafi", "Qaddafi", "Kadhafi"): a name word that
is not in the evidence exactly passes when an evidence word of about the same
length has the same consonant skeleton or nearly so. A different name
("Cruz" for "Rubio", "Ukrainians" for "Poles") still fails.
"""

from __future__ import annotations

import difflib
import re

from summarizer.models import Check
from summarizer.text.lexical import STOPWORDS
from summarizer.verify.checks._text import MONTHS, WEEKDAYS, at_sentence_start, fold

_CONNECTORS = frozenset(
    ["of", "de", "da", "del", "van", "von", "der", "al", "bin", "la", "le", "du"]
)
_CAP_RE = re.compile(
    r"(?<![\w'’])([A-Z][\w'’.-]*(?:[ \t]+(?:(?:"
    + "|".join(sorted(_CONNECTORS))
    + r")[ \t]+)?[A-Z][\w'’.-]*)*)"
)
# Capitalised words that are not names, beyond the stopwords: titles, days, months
# (checked as dates) and words capitalised by headline style.
_NOT_NAMES = (
    frozenset(
        [
            "i",
            "mr",
            "mrs",
            "ms",
            "dr",
            "prof",
            "sir",
            "madam",
            "president",
            "minister",
            "senator",
            "governor",
            "mayor",
            "chief",
            "officer",
            "sergeant",
            "general",
            "captain",
            "judge",
            "king",
            "queen",
            "prince",
            "princess",
            "lord",
            "lady",
            "north",
            "south",
            "east",
            "west",
            "northern",
            "southern",
            "eastern",
            "western",
            "new",
            "old",
            "first",
            "second",
            "third",
            "last",
            "next",
            "breaking",
            "update",
            "updated",
            "exclusive",
            "watch",
            "read",
            "photo",
            "video",
            "live",
        ]
    )
    | STOPWORDS
)
# Transliteration variants reduced to one spelling before comparing.
_SKELETON_RULES = [
    (r"[^a-z]", ""), (r"kh", "k"), (r"dh", "d"), (r"th", "t"), (r"ph", "f"), (r"gh", "g"),
    (r"ck", "k"), (r"q", "k"), (r"^g", "k"), (r"c(?=[aou]|$)", "k"), (r"ou", "u"),
    (r"oo", "u"), (r"y", "i"), (r"ee", "i"), (r"w", "v"), (r"z", "s"), (r"(.)\1+", r"\1"),
]  # fmt: skip
# Close enough to be one name respelled ("Brandt" and "Berndt" stay two names).
VARIANT_RATIO = 0.85
# Common short forms a paraphrase expands or contracts ("U.S." → "American").
_ALIASES: dict[str, frozenset[str]] = {
    key: frozenset(group)
    for group in (
        {"us", "usa", "america", "american", "americans", "united", "states"},
        {"uk", "britain", "british", "england", "english"},
        {"un", "nations"},
        {"eu", "europe", "european"},
        {"california", "calif", "ca"},
        {"texas", "tex", "tx"},
        {"democrat", "democrats", "democratic", "d"},
        {"republican", "republicans", "gop", "r"},
    )
    for key in group
}


def names_in(text: str) -> list[str]:
    """Capitalised words and runs of them, minus common words and a lone sentence opener."""
    names: list[str] = []
    for match in _CAP_RE.finditer(text):
        words = [_strip_dot(w) for w in match.group(1).split()]
        if at_sentence_start(text, match.start(1)) and len(words) == 1:
            # A single capitalised word may be capitalised only because it starts the
            # sentence; a run ("Paul Merson said") is a name even there.
            continue
        kept = [w for w in words if is_name_word(w) or w in _CONNECTORS]
        while kept and kept[0] in _CONNECTORS:
            kept.pop(0)
        while kept and kept[-1] in _CONNECTORS:
            kept.pop()
        if kept:
            names.append(" ".join(kept))
    return names


def _strip_dot(word: str) -> str:
    """'Meredith.' → 'Meredith' but 'U.S.' stays."""
    return word if "." in word[:-1] else word.rstrip(".")


def is_name_word(word: str) -> bool:
    folded = name_key(word)
    if len(folded) < 2 or folded in _NOT_NAMES or folded in MONTHS or folded in WEEKDAYS:
        return False
    return any(c.isalpha() for c in folded)


def name_key(word: str) -> str:
    """'Townsend's' → 'townsend'; 'U.S.' → 'us'."""
    word = re.sub(r"['’]s?$", "", word)
    return re.sub(r"[^\w]", "", fold(word))


def skeleton(key: str) -> str:
    """A spelling-neutral form of a folded name: 'qaddafi' and 'kadhafi' → 'kadafi'."""
    for pattern, replacement in _SKELETON_RULES:
        key = re.sub(pattern, replacement, key)
    return key


def is_variant(key: str, candidates: set[str]) -> bool:
    """Whether ``key`` is a transliteration of one of ``candidates`` (folded name keys)."""
    if len(key) < 4:
        return False
    wanted = skeleton(key)
    for other in candidates:
        if abs(len(other) - len(key)) > 2 or len(other) < 4:
            continue
        theirs = skeleton(other)
        if theirs == wanted:
            return True
        if difflib.SequenceMatcher(None, wanted, theirs).ratio() >= VARIANT_RATIO and (
            abs(len(theirs) - len(wanted)) <= 1
        ):
            return True
    return False


def check_names(claim: str, evidence: str) -> Check | None:
    names = names_in(claim)
    if not names:
        return None
    available = {name_key(w) for w in re.findall(r"[\w'’.-]+", evidence)}
    available |= {name_key(w) for w in re.findall(r"\w+", evidence)}
    capitalised = {name_key(w) for w in re.findall(r"\b[A-Z][\w'’-]+", evidence)}
    missing: list[str] = []
    for name in names:
        absent = [
            w
            for w in name.split()
            if name_key(w) not in available
            and not (_ALIASES.get(name_key(w), frozenset()) & available)
            and not is_variant(name_key(w), capitalised)
        ]
        if absent:
            missing.append(" ".join(absent))
    return Check(kind="names", passed=not missing, missing=list(dict.fromkeys(missing)))
