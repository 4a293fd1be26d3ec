"""Evidence selection: the few passages of a cited source that bear on a sentence.

Showing the judge a whole article costs prompt time (the local model reads
~150 tokens/s) and dilutes a small model's attention; a sentence of a news
brief is nearly always supported by one to three sentences of its source that
share its names and numbers. So evidence is the top ``k`` passages by BM25
against the sentence (IDF computed within the source), optionally with the
passage before each for context ("He said..." needs its antecedent), merged
into contiguous spans in source order. Every span keeps its offsets, so the
output can show exactly what the verdict was based on.
"""

from __future__ import annotations

from collections.abc import Sequence

from summarizer.models import Passage, Source, Span
from summarizer.text.lexical import BM25, tokenize

# A passage longer than this is cut down around its best-matching words: one run-on
# "sentence" (a table, a list flattened by extraction) must not eat the prompt.
MAX_SPAN_CHARS = 700


def passages_of(source: Source) -> list[Passage]:
    """The source's passages; segmented on the fly for a source built without them."""
    return source.segmented()


def best_passages(claim: str, source: Source, k: int, *, neighbours: int = 0) -> list[Passage]:
    """The ``k`` passages most relevant to ``claim`` (plus ``neighbours`` before each), in order."""
    passages = passages_of(source)
    if not passages or k <= 0:
        return []
    index = BM25([tokenize(p.text) for p in passages])
    best = index.top(tokenize(claim), k)
    chosen: set[int] = set()
    for position in best:
        for offset in range(neighbours, -1, -1):
            if position - offset >= 0:
                chosen.add(position - offset)
    return [passages[i] for i in sorted(chosen)]


def relevance(claim: str, source: Source) -> float:
    """Best BM25 score of any passage of ``source`` for ``claim`` (0 when nothing matches)."""
    passages = passages_of(source)
    if not passages:
        return 0.0
    scores = BM25([tokenize(p.text) for p in passages]).scores(tokenize(claim))
    return max(scores, default=0.0)


def merge_spans(source: Source, passages: Sequence[Passage]) -> list[Span]:
    """Contiguous passages become one span; offsets always index ``source.text``."""
    spans: list[Span] = []
    for passage in sorted(passages, key=lambda p: p.start):
        if spans and passage.start - spans[-1].end <= 2 and _adjacent(source, spans[-1], passage):
            last = spans[-1]
            spans[-1] = Span(
                source_id=source.id,
                start=last.start,
                end=passage.end,
                text=source.text[last.start : passage.end],
            )
        else:
            spans.append(passage.span())
    return spans


def _adjacent(source: Source, span: Span, passage: Passage | Span) -> bool:
    return not source.text[span.end : passage.start].strip()


def trim_span(claim: str, span: Span, limit: int = MAX_SPAN_CHARS) -> Span:
    """A span cut to ``limit`` characters around where the claim's words cluster."""
    if len(span.text) <= limit:
        return span
    wanted = set(tokenize(claim))
    step = max(1, limit // 4)
    best_start, best_hits = 0, -1
    for offset in range(0, len(span.text) - limit + step, step):
        window = span.text[offset : offset + limit]
        hits = sum(1 for t in set(tokenize(window)) if t in wanted)
        if hits > best_hits:
            best_start, best_hits = offset, hits
    start = min(best_start, len(span.text) - limit)
    # Cut at whitespace so no word is split.
    while start > 0 and not span.text[start - 1].isspace() and start > best_start - 40:
        start -= 1
    end = min(len(span.text), start + limit)
    while end < len(span.text) and not span.text[end].isspace() and end < start + limit + 40:
        end += 1
    return Span(
        source_id=span.source_id,
        start=span.start + start,
        end=span.start + end,
        text=span.text[start:end],
    )


def select_evidence(claim: str, source: Source, k: int, *, neighbours: int = 0) -> list[Span]:
    """Evidence spans from one source for ``claim``: see the module docstring.

    Each passage is trimmed on its own before contiguous ones are merged, so k
    passages may show up to k × ``MAX_SPAN_CHARS`` (one run-on passage cannot
    crowd out the others).
    """
    chosen = best_passages(claim, source, k, neighbours=neighbours)
    trimmed = [trim_span(claim, passage.span()) for passage in chosen]
    return _merge_trimmed(source, trimmed)


def _merge_trimmed(source: Source, spans: Sequence[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start >= merged[-1].end and _adjacent(source, merged[-1], span):
            last = merged[-1]
            merged[-1] = Span(
                source_id=source.id,
                start=last.start,
                end=span.end,
                text=source.text[last.start : span.end],
            )
        else:
            merged.append(span)
    return merged


def joint_evidence(
    claim: str, sources: Sequence[Source], k: int, *, neighbours: int = 0
) -> list[Span]:
    """Evidence from every cited source (``k`` passages each), source by source."""
    spans: list[Span] = []
    for source in sources:
        spans.extend(select_evidence(claim, source, k, neighbours=neighbours))
    return spans


def evidence_text(spans: Sequence[Span]) -> str:
    """The spans' text joined, for the deterministic checks."""
    return "\n".join(span.text for span in spans)
