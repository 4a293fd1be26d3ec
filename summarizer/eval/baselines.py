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
``settings.target_sentences``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from summarizer.models import Passage, Source, Summary, SummarySentence
from summarizer.settings import Settings
from summarizer.text.lexical import tokenize

MIN_WORDS = 6
MAX_WORDS = 80
_ENDINGS = (".", "!", "?", '"', "”", "’", "'", ")")

LEXRANK_THRESHOLD = 0.1
LEXRANK_DAMPING = 0.15  # teleport probability
REDUNDANCY_COSINE = 0.5


def sentence_like(text: str) -> bool:
    """A real sentence, not a headline, caption, byline or 'Advertisement'.

    Scraped news carries boilerplate; copying it would make the baselines look
    worse than a lead/centrality method really is.
    """
    words = text.split()
    stripped = text.rstrip()
    return (
        MIN_WORDS <= len(words) <= MAX_WORDS
        and stripped.endswith(_ENDINGS)
        and any(c.islower() for c in stripped)
    )


def _clean(text: str) -> str:
    return " ".join(text.split())


def _candidates(sources: Sequence[Source]) -> list[list[Passage]]:
    """Per usable source, its sentence-like passages in order."""
    return [
        [p for p in s.passages if sentence_like(p.text)] for s in sources if s.ok and s.passages
    ]


def _reached(words: int, count: int, settings: Settings) -> bool:
    if settings.target_words:
        return words >= settings.target_words
    return count >= settings.target_sentences


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
            if _reached(words, len(chosen), settings):
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


def tfidf_matrix(token_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """Rows = L2-normalised TF-IDF vectors; each sentence is a document for IDF, as in LexRank."""
    vocab: dict[str, int] = {}
    for tokens in token_lists:
        for tok in tokens:
            vocab.setdefault(tok, len(vocab))
    n = len(token_lists)
    matrix = np.zeros((n, max(len(vocab), 1)))
    df: Counter[str] = Counter()
    for tokens in token_lists:
        df.update(set(tokens))
    for row, tokens in enumerate(token_lists):
        for tok, tf in Counter(tokens).items():
            matrix[row, vocab[tok]] = tf * math.log(n / df[tok]) if n > 1 else tf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return unit


def lexrank_scores(
    similarity: np.ndarray, *, iterations: int = 100, tol: float = 1e-8
) -> np.ndarray:
    """Stationary distribution of the thresholded, row-normalised similarity graph."""
    n = similarity.shape[0]
    adjacency = (similarity > LEXRANK_THRESHOLD).astype(float)
    np.fill_diagonal(adjacency, 0.0)
    degree = adjacency.sum(axis=1, keepdims=True)
    # A sentence with no neighbour links everywhere uniformly (dangling node).
    transition = np.where(degree > 0, adjacency / np.where(degree > 0, degree, 1.0), 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(iterations):
        updated: np.ndarray = LEXRANK_DAMPING / n + (1.0 - LEXRANK_DAMPING) * transition.T @ scores
        if float(np.abs(updated - scores).sum()) < tol:
            return updated
        scores = updated
    return scores


def central_baseline(sources: Sequence[Source], settings: Settings) -> Summary:
    """LexRank-central sentences, redundancy-filtered, in source-position order."""
    flat = [p for queue in _candidates(sources) for p in queue]
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
        if _reached(words, len(picked), settings):
            break
        if any(similarity[i, j] > REDUNDANCY_COSINE for j in picked):
            continue
        picked.append(i)
        words += len(flat[i].text.split())
    chosen = sorted((flat[i] for i in picked), key=lambda p: (p.index, p.source_id))
    return _summary("central", chosen, sources)
