"""Small, dependency-free lexical retrieval: tokenizer and Okapi BM25.

Used to pick the passages worth showing the model when the sources do not fit
its context (``summarizer.draft.context``), to pick evidence for the verifier,
and for the one word-overlap score (:func:`coverage`) the verifier and the
eval's offline judge share.
Lexical matching is deliberate: it is cheap, deterministic and explainable, and
news sentences that support a claim nearly always share its names and numbers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

# Numbers keep their inner separators ("3.5", "1,200") so they match exactly;
# other tokens are runs of letters/digits in any script.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+")

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say may might according told
    mr mrs ms
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def _stem(token: str) -> str:
    """Fold the commonest English inflections so 'strikes' matches 'strike'.

    Deliberately crude (no dictionary): over-merging a few words costs little in
    ranking, under-merging plurals costs recall on almost every query.
    """
    if token.isdigit() or len(token) <= 3:
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-cased, lightly stemmed word and number tokens of ``text``."""
    tokens = (m.group(0).lower() for m in _TOKEN.finditer(text))
    return [_stem(t) for t in tokens if keep_stopwords or t not in STOPWORDS]


def frequent_terms(docs: Iterable[Sequence[str]], k: int) -> list[str]:
    """The ``k`` terms found in the most documents (ties: most occurrences, then A-Z).

    Document frequency rather than raw counts, so one long source cannot dictate
    what the whole cluster is about.
    """
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
        tf.update(doc)
    ranked = sorted(df, key=lambda t: (-df[t], -tf[t], t))
    return ranked[:k]


class BM25:
    """Okapi BM25 over pre-tokenized documents.

    ``BM25(docs).scores(query)[i]`` is the relevance of ``docs[i]`` to ``query``.
    IDF is the non-negative Lucene variant, so terms present in every document
    score (slightly) positive instead of penalising the match.
    """

    def __init__(self, docs: Sequence[Sequence[str]], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._tfs: list[Counter[str]] = [Counter(doc) for doc in docs]
        self._lengths: list[int] = [len(doc) for doc in docs]
        count = len(docs)
        self._avg_length = (sum(self._lengths) / count) if count else 0.0
        df: Counter[str] = Counter()
        for tf in self._tfs:
            df.update(tf.keys())
        self.idf: dict[str, float] = {
            term: math.log((count - n + 0.5) / (n + 0.5) + 1.0) for term, n in df.items()
        }

    def __len__(self) -> int:
        return len(self._tfs)

    def score(self, query_tokens: Sequence[str], index: int) -> float:
        """BM25 score of document ``index``; repeated query terms count once each time."""
        tf = self._tfs[index]
        norm = (
            1.0
            - self.b
            + self.b * (self._lengths[index] / self._avg_length if self._avg_length else 0.0)
        )
        total = 0.0
        for term in query_tokens:
            freq = tf.get(term, 0)
            if freq:
                total += self.idf[term] * freq * (self.k1 + 1.0) / (freq + self.k1 * norm)
        return total

    def scores(self, query_tokens: Sequence[str]) -> list[float]:
        """Scores of every document, in document order."""
        return [self.score(query_tokens, i) for i in range(len(self._tfs))]

    def top(self, query_tokens: Sequence[str], k: int) -> list[int]:
        """Indices of the ``k`` best documents, best first (ties: earlier document first)."""
        scored = self.scores(query_tokens)
        return sorted(range(len(scored)), key=lambda i: (-scored[i], i))[:k]


def coverage(claim: str, text: str) -> float:
    """Share of the claim's content words (stemmed, no stopwords) that occur in ``text``.

    The lexical layer of the verifier and the eval's offline judge: unsupported
    summary sentences usually bring words the source never uses. A claim with no
    content words states nothing to check: 1.0, so overlap never decides it alone.
    """
    wanted = tokenize(claim)
    if not wanted:
        return 1.0
    present = set(tokenize(text))
    return sum(1 for token in wanted if token in present) / len(wanted)
