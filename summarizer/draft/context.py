"""Fit long inputs into the model's context window.

Token counts are *estimated*, not measured: ``max(chars / 4, words * 1.3)``,
rounded up. Four characters per token is the usual figure for English with
BPE tokenizers (Qwen2.5's included); the word-based bound catches text with
many short tokens (numbers, names, non-English). Over-estimating wastes a few
passages; under-estimating makes the server reject or truncate the prompt.

When the sources do not fit, :func:`select_passages` keeps the passages most
relevant to the cluster (BM25 against a pseudo-query) and to lead position,
takes them round-robin so every source stays represented, and returns them in
source order with their original IDs, so citations stay exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from summarizer.models import Passage, Source
from summarizer.text.lexical import BM25, frequent_terms, tokenize

CHARS_PER_TOKEN = 4.0
TOKENS_PER_WORD = 1.3
# "[S12.34] " before each passage line plus the newline after it.
PASSAGE_OVERHEAD_TOKENS = 6
# <source id=".." title=".." ...> and </source>, before the title itself.
SOURCE_OVERHEAD_TOKENS = 20
# How many cluster-wide frequent terms join the pseudo-query.
QUERY_TERMS = 12
# News puts the gist first: a passage at index i gets LEAD_WEIGHT / (1 + i) on top of
# its relevance, which is normalised to [0, 1].
LEAD_WEIGHT = 0.3


def estimate_tokens(text: str) -> int:
    """Conservative token estimate for ``text`` (see module docstring)."""
    if not text:
        return 0
    return math.ceil(max(len(text) / CHARS_PER_TOKEN, len(text.split()) * TOKENS_PER_WORD))


def passage_id(passage: Passage) -> str:
    """The ID the model sees for a passage: ``S<source>.<index>``."""
    return f"S{passage.source_id}.{passage.index}"


def passage_cost(passage: Passage) -> int:
    return estimate_tokens(passage.text) + PASSAGE_OVERHEAD_TOKENS


def source_cost(source: Source) -> int:
    """Tokens of a source's fencing and metadata, without its passages."""
    meta = " ".join(x for x in (source.title, source.outlet, source.published) if x)
    return estimate_tokens(meta) + SOURCE_OVERHEAD_TOKENS


def total_cost(sources: Sequence[Source]) -> int:
    """Estimated tokens to show every passage of every usable source."""
    return sum(source_cost(s) + sum(passage_cost(p) for p in s.passages) for s in _usable(sources))


def pseudo_query(sources: Sequence[Source], focus: str | None = None) -> list[str]:
    """Query tokens standing in for 'what this cluster is about'.

    Titles, the user's focus question (counted twice: the user asked for it) and
    the terms found in most sources.
    """
    usable = _usable(sources)
    query: list[str] = []
    for source in usable:
        query.extend(tokenize(source.title or ""))
    if focus:
        query.extend(tokenize(focus) * 2)
    docs = [tokenize(" ".join(p.text for p in s.passages)) for s in usable]
    query.extend(frequent_terms(docs, QUERY_TERMS))
    return query


def select_passages(
    sources: Sequence[Source], budget_tokens: int, focus: str | None = None
) -> dict[int, list[Passage]]:
    """Passages to show per source ID so the estimated total fits ``budget_tokens``.

    Every usable source (``ok`` with passages) gets a key. If everything fits,
    everything is returned. Otherwise passages are ranked per source by
    relevance + lead bonus and taken round-robin (each source's best first), so a
    long source cannot crowd out a short one; a passage that does not fit is
    skipped in favour of later, shorter ones. Lists keep source order.
    """
    usable = _usable(sources)
    selected: dict[int, list[Passage]] = {s.id: [] for s in usable}
    if not usable or total_cost(usable) <= budget_tokens:
        return {s.id: list(s.passages) for s in usable}

    flat = [p for s in usable for p in s.passages]
    bm25 = BM25([tokenize(p.text) for p in flat])
    raw = bm25.scores(pseudo_query(usable, focus))
    top = max(raw, default=0.0)
    score = {
        (p.source_id, p.index): (r / top if top > 0 else 0.0) + LEAD_WEIGHT / (1 + p.index)
        for p, r in zip(flat, raw, strict=True)
    }
    ranked = {
        s.id: sorted(s.passages, key=lambda p: (-score[(p.source_id, p.index)], p.index))
        for s in usable
    }
    # Sources whose best passage is most relevant pick first in every round.
    order = sorted(usable, key=lambda s: (-score[_key(ranked[s.id][0])], s.id))
    header = {s.id: source_cost(s) for s in usable}

    remaining = budget_tokens
    rounds = max(len(s.passages) for s in usable)
    for round_index in range(rounds):
        for source in order:
            candidates = ranked[source.id]
            if round_index >= len(candidates):
                continue
            passage = candidates[round_index]
            cost = passage_cost(passage) + (0 if selected[source.id] else header[source.id])
            if cost <= remaining:
                selected[source.id].append(passage)
                remaining -= cost
    return {sid: sorted(chosen, key=lambda p: p.index) for sid, chosen in selected.items()}


def _key(passage: Passage) -> tuple[int, int]:
    return (passage.source_id, passage.index)


def _usable(sources: Sequence[Source]) -> list[Source]:
    return [s for s in sources if s.ok and s.passages]
