"""Extractive baselines: what an LLM brief has to beat to be worth its cost.

Both are pure functions ``(sources, settings) -> Summary`` that copy source
sentences verbatim and cite the one source each came from, so their citations
are exact by construction; the judge then scores them like any other system.

* ``lead`` — news puts the gist first: the first sentences of each source,
  taken round-robin (sentence 1 of every source, then sentence 2, ...).
* ``central`` — LexRank (Erkan & Radev, 2004) with a threshold graph: TF-IDF
  cosine between all source sentences, PageRank-style centrality on the graph
  of pairs above 0.1, then the most central sentences, skipping any too similar
  to one already chosen (a cluster repeats its key facts across sources).

Both stop at the brief's target length: ``settings.target_words`` if set, else
``settings.sentences_for(usable sources)`` (the length every system aims for).
"""

from __future__ import annotations

from collections.abc import Sequence

from summarizer.models import Passage, Source, Summary, SummarySentence
from summarizer.settings import Settings
from summarizer.text.centrality import lexrank_scores, sentence_like, tfidf_matrix
from summarizer.text.lexical import tokenize

REDUNDANCY_COSINE = 0.5


def _clean(text: str) -> str:
    return " ".join(text.split())


def _candidates(sources: Sequence[Source]) -> list[list[Passage]]:
    """Per usable source, its sentence-like passages in order."""
    return [
        [p for p in s.passages if sentence_like(p.text)] for s in sources if s.ok and s.passages
    ]


def _reached(words: int, count: int, settings: Settings, usable: int) -> bool:
    if settings.target_words:
        return words >= settings.target_words
    return count >= settings.sentences_for(usable)


def _summary(name: str, chosen: Sequence[Passage], sources: Sequence[Source]) -> Summary:
    sentences = [
        SummarySentence(text=_clean(p.text), citations=[p.source_id], paragraph=0) for p in chosen
    ]
    return Summary(
        title=f"{name} baseline",
        sentences=sentences,
        sources=list(sources),
        model=None,
        options={"system": name},
    )


def lead_baseline(sources: Sequence[Source], settings: Settings) -> Summary:
    """First sentences of each source, round-robin, until the target length."""
    queues = _candidates(sources)
    chosen: list[Passage] = []
    seen: set[str] = set()
    words = 0
    for rank in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if _reached(words, len(chosen), settings, len(queues)):
                return _summary("lead", chosen, sources)
            if rank >= len(queue):
                continue
            passage = queue[rank]
            key = _clean(passage.text).lower()
            if key in seen:  # wire copy repeated verbatim by another outlet
                continue
            seen.add(key)
            chosen.append(passage)
            words += len(passage.text.split())
    return _summary("lead", chosen, sources)


def central_baseline(sources: Sequence[Source], settings: Settings) -> Summary:
    """LexRank-central sentences, redundancy-filtered, in source-position order."""
    queues = _candidates(sources)
    usable = len(queues)
    flat = [p for queue in queues for p in queue]
    if not flat:
        return _summary("central", [], sources)
    vectors = tfidf_matrix([tokenize(p.text) for p in flat])
    similarity = vectors @ vectors.T
    scores = lexrank_scores(similarity)
    # Most central first; ties go to the earlier sentence (lead position matters in news).
    order = sorted(range(len(flat)), key=lambda i: (-round(float(scores[i]), 12), flat[i].index, i))
    picked: list[int] = []
    words = 0
    for i in order:
        if _reached(words, len(picked), settings, usable):
            break
        if any(similarity[i, j] > REDUNDANCY_COSINE for j in picked):
            continue
        picked.append(i)
        words += len(flat[i].text.split())
    chosen = sorted((flat[i] for i in picked), key=lambda p: (p.index, p.source_id))
    return _summary("central", chosen, sources)
