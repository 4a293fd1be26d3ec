"""A deterministic split of a compound sentence into the facts it states (bench only).

Issue 13's lever "compound sentences split into atomic facts, each judged, the sentence
scored by its weakest fact". No model: the split points are clause boundaries a news
sentence marks with punctuation and a conjunction or a relative pronoun:

* ``A; B`` and ``A, and|but|while|whereas|although B`` → ``A.`` and ``B.`` when ``B``
  opens with a subject (a name, a number, a pronoun or a determiner);
* a leading subordinate clause, ``While|Although|After|Before|Since|When|As A, B`` →
  ``A.`` and ``B.``;
* a relative clause after a capitalised name, ``... Gosnell, 72, who still faces ...`` →
  ``... Gosnell, 72.`` and ``Gosnell still faces ...`` (``where``: ``At Name, ...``).

A part keeps at least ``MIN_WORDS`` words, else the split is not made; a sentence with
no split point is one fact. The parts lose the relation between them (the "after" of
"after A, B"); each is judged on the evidence retrieved for it.
"""

from __future__ import annotations

import re

MIN_WORDS = 4
_COORD_RE = re.compile(r";\s+|,\s+(?=(?:and|but|while|whereas|although|though)\s)")
_LEADING_RE = re.compile(
    r"^(?:While|Although|Though|After|Before|Since|When|As|Because|Once)\s+(?P<clause>[^,]{12,}?),\s+(?P<rest>.+)$"
)
_RELATIVE_RE = re.compile(
    r"(?P<name>(?:[A-Z][\w.'’-]*\s+){0,5}[A-Z][\w.'’-]*)(?P<apposition>,\s+\d{1,3})?,\s+"
    r"(?P<pronoun>who|which|where)\s+(?P<clause>[^,;]+?)(?=,\s|[.;!?]?$)"
)
_LEAD_WORD_RE = re.compile(r"^(?:and|but|while|whereas|although|though)\s+")
# A coordinated part must open a clause of its own (a subject), else "A, and would be
# confined to X" would leave a fact with no subject: such a sentence stays whole.
_CLAUSE_OPENERS = frozenset(
    "he she it they we i you the a an his her its their our this that these those there"  # noqa: SIM905
    " some many most all several both no one each another".split()
)


def _words(text: str) -> int:
    return len(text.split())


def _sentence(text: str) -> str:
    text = text.strip(" ,;")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?\"'”’" else text + "."


def _coordinated(text: str) -> list[str]:
    parts = [_LEAD_WORD_RE.sub("", p) for p in _COORD_RE.split(text)]
    if len(parts) < 2 or any(_words(p) < MIN_WORDS for p in parts):
        return [text]
    if not all(_opens_clause(p) for p in parts[1:]):
        return [text]
    return parts


def _opens_clause(part: str) -> bool:
    first = part.split()[0]
    return first[0].isupper() or first[0].isdigit() or first.lower() in _CLAUSE_OPENERS


def _leading(text: str) -> list[str]:
    match = _LEADING_RE.match(text)
    if not match or _words(match["rest"]) < MIN_WORDS or _words(match["clause"]) < MIN_WORDS - 1:
        return [text]
    return [match["clause"], match["rest"]]


def _relative(text: str) -> list[str]:
    match = _RELATIVE_RE.search(text)
    if not match or _words(match["clause"]) < MIN_WORDS - 1:
        return [text]
    name = match["name"]
    after = text[match.end() :]
    if after.startswith(","):  # a clause inside the sentence: "Name, who ..., said" → "Name said"
        after = after[1:]
    main = (text[: match.start()] + name + (match["apposition"] or "") + after).strip()
    if match["pronoun"] == "where":
        fact = f"At {name}, {match['clause']}"
    else:
        fact = f"{name} {match['clause']}"
    if _words(main) < MIN_WORDS:
        return [text]
    return [main, fact]


def facts_of(sentence: str) -> list[str]:
    """The facts ``sentence`` states, each a sentence of its own (one if no split point)."""
    text = sentence.strip().rstrip(".")
    out: list[str] = []
    for part in _coordinated(text):
        for lead in _leading(part.strip()):
            out.extend(_relative(lead.strip()))
    facts = [_sentence(f) for f in out if f.strip()]
    return facts if len(facts) > 1 else [sentence]
