"""Context: a name or figure must sit where the evidence says what the claim says of it.

The names and numbers checks ask only whether "Ted Poe" or "$19,000" occur somewhere
in the cited text. The abstractive error they miss, and the small judge misses too, is
a swap inside the same article: the claim gives one person's act to another person the
article also mentions, or attaches a figure to the wrong thing ("a special election
costing about $19,000", where $19,000 is what the ballot measure cost).

For each name, figure and year (an *anchor*) of each clause of the claim: how much of the
clause's other content words does the best passage mentioning the anchor cover (a
passage is a sentence with one neighbour each side, so the anchor may be up to two
sentences from the fact), against the best passage anywhere? When some passage
states the clause well (≥ ``MIN_BEST``) and much better (by ≥ ``MIN_GAP``) than any
passage with the anchor, the anchor was moved: the check fails naming it. An anchor the
evidence never mentions is the names and numbers checks' business, not this one's, and
a possessive ("Lima's adrenal gland") is skipped: the article often refers to its
subject by a pronoun there. ``MIN_GAP`` and ``MIN_BEST`` were chosen by
``bench/context_check.py`` on the paraphrase validation set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from summarizer.models import Check
from summarizer.text.lexical import tokenize
from summarizer.text.sentences import split_spans
from summarizer.verify.checks._text import words
from summarizer.verify.checks.dates import dates_in
from summarizer.verify.checks.entities import is_name_word, name_key, names_in
from summarizer.verify.checks.numbers import numbers_in

MIN_GAP = 0.25
MIN_BEST = 0.4
MIN_CLAUSE_WORDS = 2  # content words besides the anchor: fewer say too little to place it
# Where a claim is cut into clauses, each stating one thing of its anchors.
_CLAUSES = re.compile(
    r"[;,:]\s+|\s+(?:and|but|while|where|whereas|after|before|because|since|as|who|whom|"
    r"which|when)\s+"
)
_POSSESSIVE = re.compile(r"['’]s?$")
_SHARED_PREFIX = 6  # "Ethiopian" is placed by "Ethiopia"


@dataclass(frozen=True)
class _Passage:
    """A sentence of the evidence with its neighbours, pre-tokenised once."""

    tokens: frozenset[str]
    words: frozenset[str]  # every folded word, stopwords too ("all", "may")
    names: frozenset[str]
    figures: frozenset[float]
    dates: frozenset[str]


@lru_cache(maxsize=16)
def passages(evidence: str) -> tuple[_Passage, ...]:
    """Every sentence of ``evidence`` with one neighbour each side (cached: the verifier
    checks each sentence of a brief against the same sources)."""
    sentences = [evidence[a:b] for a, b in split_spans(evidence)]
    out = []
    for i in range(len(sentences)):
        text = " ".join(sentences[max(0, i - 1) : i + 2])
        out.append(
            _Passage(
                tokens=frozenset(tokenize(text)),
                words=frozenset(words(text)),
                names=frozenset(name_key(w) for w in re.findall(r"[\w'’-]+", text)),
                figures=frozenset(v for values in numbers_in(text).values() for v in values),
                dates=frozenset(dates_in(text).values()),
            )
        )
    return tuple(out)


def covered(wanted: Sequence[str], passage: _Passage) -> float:
    return sum(w in passage.tokens for w in wanted) / len(wanted)


def clauses(claim: str) -> list[str]:
    """The claim cut where it may start to say a new thing of its anchors."""
    return [c for c in _CLAUSES.split(claim) if c]


def _mentions_name(key: str) -> Callable[[_Passage], bool]:
    def mentions(passage: _Passage) -> bool:
        if key in passage.names:
            return True
        prefix = key[:_SHARED_PREFIX]
        return len(key) >= _SHARED_PREFIX and any(
            n.startswith(prefix) and abs(len(n) - len(key)) <= 3 for n in passage.names
        )

    return mentions


def _mentions_figure(values: set[float]) -> Callable[[_Passage], bool]:
    def mentions(passage: _Passage) -> bool:
        return bool(values & passage.figures)

    return mentions


def _mentions_date(canonical: str) -> Callable[[_Passage], bool]:
    def mentions(passage: _Passage) -> bool:
        return canonical in passage.dates

    return mentions


def _anchors(clause: str) -> list[tuple[str, set[str], Callable[[_Passage], bool]]]:
    """(label, the anchor's own tokens, does a passage mention it) for each anchor."""
    found: list[tuple[str, set[str], Callable[[_Passage], bool]]] = []
    for name in names_in(clause):
        if _POSSESSIVE.search(name):
            continue
        keys = [name_key(w) for w in name.split() if is_name_word(w)]
        keys = [k for k in keys if len(k) >= 3]
        if keys:  # the last word: a surname, or the one word of a place
            found.append((name, set(tokenize(name)), _mentions_name(keys[-1])))
    for label, values in numbers_in(clause, claim=True).items():
        found.append((label, set(tokenize(label)), _mentions_figure(values)))
    for label, canonical in dates_in(clause, claim=True).items():
        if canonical.isdigit():  # a year (months and weekdays were not measured as anchors)
            found.append((label, set(tokenize(label)), _mentions_date(canonical)))
    return found


def misplaced(claim: str, evidence: str) -> tuple[bool, list[str]]:
    """(whether the claim has an anchor to place, the anchors placed elsewhere)."""
    every = passages(evidence)
    checked = False
    moved: list[str] = []
    for clause in clauses(claim):
        for label, own, mentions in _anchors(clause):
            wanted = [t for t in tokenize(clause) if t not in own]
            if len(wanted) < MIN_CLAUSE_WORDS:
                continue
            near = [p for p in every if mentions(p)]
            if not near:
                continue
            checked = True
            best = max(covered(wanted, p) for p in every)
            local = max(covered(wanted, p) for p in near)
            if best >= MIN_BEST and best - local >= MIN_GAP:
                moved.append(label)
    return checked, list(dict.fromkeys(moved))


def check_context(claim: str, evidence: str) -> Check | None:
    checked, moved = misplaced(claim, evidence)
    if not checked:
        return None
    return Check(kind="context", passed=not moved, missing=moved)
