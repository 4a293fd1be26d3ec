"""Sentence centrality for extractive selection: TF-IDF cosine and LexRank.

Shared by the ``central`` baseline and the planner, which choose what a brief
says from all sources by the same measure (Erkan & Radev, 2004: a sentence that
many other sentences resemble states what the cluster is about).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from summarizer.text.boilerplate import is_notice

MIN_WORDS = 6
MAX_WORDS = 80
_ENDINGS = (".", "!", "?", '"', "”", "’", "'", ")")

LEXRANK_THRESHOLD = 0.1
LEXRANK_DAMPING = 0.15  # teleport probability


def sentence_like(text: str) -> bool:
    """A real sentence, not a headline, caption, byline, 'Advertisement' or a notice
    to the site's reader ("join our mailing list").

    Scraped news carries boilerplate; copying it would put it in a brief and make
    the baselines look worse than a lead/centrality method really is.
    """
    words = text.split()
    stripped = text.rstrip()
    return (
        MIN_WORDS <= len(words) <= MAX_WORDS
        and stripped.endswith(_ENDINGS)
        and any(c.islower() for c in stripped)
        and not is_notice(stripped)
    )


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
