"""The plan stage: choose what the brief says from all sources, before the model writes.

Deterministic and model-free ("attribute first, then generate", Slobodkin et al.,
ACL 2024): every usable source's sentences are grouped into *facts* (a sentence and
its closest counterpart in each other source, when the TF-IDF cosine says they
state the same thing), each fact is scored, and facts are chosen up to the brief's
length with redundancy control (MMR) and a coverage floor: every usable source
contributes at least one planned sentence when the length allows. Each chosen fact
becomes a :class:`~summarizer.models.PlanSlot` whose evidence spans are the
sentence's only allowed citations.

Score of a fact = LexRank centrality of its seed sentence (normalised to [0, 1])
+ ``outlet`` × the share of other sources that state it + ``lead`` /
(1 + position of the seed in its source) + ``focus`` × BM25 relevance to
``settings.focus`` (normalised); the weights are :class:`PlanWeights`.

The shipped weights were searched by ``bench/plan_weights.py`` (coordinate descent,
plan-extractive ROUGE-1 + ROUGE-2 against gold) on Multi-News validation rows
50–249 and checked on rows 0–49: the best training weights (cluster 0.3,
redundancy 0.3) scored R1 41.6 on the held-out rows against 42.0 for these
(paired delta −0.41 [−0.95, +0.08]), so the search found nothing that transfers
and these stay.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from summarizer.models import Passage, Plan, PlanSlot, Source
from summarizer.settings import Settings
from summarizer.text.boilerplate import is_notice
from summarizer.text.centrality import lexrank_scores, sentence_like, tfidf_matrix
from summarizer.text.lexical import BM25, tokenize


@dataclass(frozen=True)
class PlanWeights:
    """The planner's free parameters, in one place so a bench can search them."""

    cluster_cosine: float = 0.25  # two sentences of different sources state the same fact
    redundancy_cosine: float = 0.5  # a fact this close to a chosen one says it again
    mmr_lambda: float = 0.7  # relevance vs novelty when choosing the next fact
    outlet: float = 0.5
    lead: float = 0.3
    focus: float = 1.0


WEIGHTS = PlanWeights()
MAX_EVIDENCE = 3  # spans per slot: the seed and the closest sentences of other sources
WORDS_PER_SENTENCE = 22  # turns --words into a number of slots
LEAD_PARAGRAPH = 2
PARAGRAPH = 4


@dataclass
class _Fact:
    seed: int  # index into the flat candidate list
    members: list[int]  # seed first, then other sources' sentences, closest first
    score: float


def _candidates(sources: Sequence[Source]) -> tuple[list[Passage], dict[int, int]]:
    """Sentence-like passages of every usable source but questions (for a source with
    none, its questions; with none of those either, all its passages but notices to the
    reader: a source that is only "join our mailing list" has nothing to say), and each
    source's passage count (for relative positions)."""
    flat: list[Passage] = []
    lengths: dict[int, int] = {}
    for source in sources:
        passages = source.segmented()
        lengths[source.id] = len(passages)
        chosen = [p for p in passages if sentence_like(p.text)]
        flat.extend(
            [p for p in chosen if not is_question(p.text)]
            or chosen
            or [p for p in passages if len(p.text.split()) >= 3 and not is_notice(p.text)]
        )
    return flat, lengths


def is_question(text: str) -> bool:
    """A brief states what the sources report; a question ("Ask The Big Question: Is the
    USA really only the 21st best country?", "Is there something wrong with it?") states
    nothing, so it is planned only from a source that has nothing else to say."""
    return text.rstrip().rstrip("\"”’')]").endswith("?")


def _length(settings: Settings, usable: int) -> int:
    if settings.target_sentences is None and settings.target_words:
        return max(1, round(settings.target_words / WORDS_PER_SENTENCE))
    return settings.sentences_for(usable)


def plan_brief(
    sources: Sequence[Source], settings: Settings, weights: PlanWeights = WEIGHTS
) -> Plan:
    """The plan for a brief of ``sources``: the same input always gives the same plan."""
    usable = [s for s in sources if s.ok]
    flat, lengths = _candidates(usable)
    target = _length(settings, len(usable))
    if not flat:
        return Plan(slots=[], target=target, candidates=0)
    vectors = tfidf_matrix([tokenize(p.text) for p in flat])
    similarity = vectors @ vectors.T
    centrality = lexrank_scores(similarity)
    top = float(centrality.max()) or 1.0
    focus = _focus_relevance(flat, settings.focus)
    facts = _facts(flat, similarity, centrality, weights.cluster_cosine)
    others = max(1, len(usable) - 1)
    for fact in facts:
        seed = flat[fact.seed]
        outlets = len({flat[m].source_id for m in fact.members}) - 1
        fact.score = (
            float(centrality[fact.seed]) / top
            + weights.outlet * outlets / others
            + weights.lead / (1 + seed.index)
            + weights.focus * focus[fact.seed]
        )
    chosen = _select(facts, flat, similarity, target, [s.id for s in usable], weights)
    ordered = _order(chosen, flat, lengths)
    slots = [
        PlanSlot(
            index=index,
            paragraph=_paragraph(index, len(ordered)),
            source_ids=sorted({flat[m].source_id for m in fact.members[:MAX_EVIDENCE]}),
            evidence=[flat[m].span() for m in fact.members[:MAX_EVIDENCE]],
            score=round(fact.score, 6),
        )
        for index, fact in enumerate(ordered)
    ]
    return Plan(slots=slots, target=target, candidates=len(facts))


def _focus_relevance(flat: Sequence[Passage], focus: str | None) -> list[float]:
    if not focus or not tokenize(focus):
        return [0.0] * len(flat)
    scores = BM25([tokenize(p.text) for p in flat]).scores(tokenize(focus))
    best = max(scores, default=0.0)
    return [s / best if best > 0 else 0.0 for s in scores]


def _facts(
    flat: Sequence[Passage], similarity: np.ndarray, centrality: np.ndarray, threshold: float
) -> list[_Fact]:
    """Group sentences into facts, most central seeds first; each sentence joins one fact."""
    order = sorted(
        range(len(flat)), key=lambda i: (-round(float(centrality[i]), 12), flat[i].index, i)
    )
    assigned: set[int] = set()
    facts: list[_Fact] = []
    for seed in order:
        if seed in assigned:
            continue
        members = [seed]
        sources = {flat[seed].source_id}
        for j in np.argsort(-similarity[seed], kind="stable"):
            j = int(j)
            if similarity[seed, j] < threshold:
                break
            if j in assigned or flat[j].source_id in sources:
                continue
            members.append(j)
            sources.add(flat[j].source_id)
        assigned.update(members)
        facts.append(_Fact(seed=seed, members=members, score=0.0))
    return facts


def _select(
    facts: list[_Fact],
    flat: Sequence[Passage],
    similarity: np.ndarray,
    target: int,
    source_ids: Sequence[int],
    weights: PlanWeights,
) -> list[_Fact]:
    """Coverage floor first (each source's best fact, when the length allows), then MMR."""
    chosen: list[_Fact] = []

    def redundancy(fact: _Fact) -> float:
        return max((float(similarity[fact.seed, c.seed]) for c in chosen), default=0.0)

    def covered() -> set[int]:
        return {flat[m].source_id for c in chosen for m in c.members[:MAX_EVIDENCE]}

    ranked = sorted(facts, key=lambda f: (-f.score, f.seed))
    if ranked:
        chosen.append(ranked[0])  # the lead fact
    if len(source_ids) <= target:
        for source_id in source_ids:
            if source_id in covered():
                continue
            own = [  # facts whose evidence (not just membership) includes this source
                f for f in ranked
                if f not in chosen
                and source_id in {flat[m].source_id for m in f.members[:MAX_EVIDENCE]}
                and redundancy(f) <= weights.redundancy_cosine
            ]  # fmt: skip
            if own and len(chosen) < target:
                chosen.append(own[0])
    while len(chosen) < target:
        best: _Fact | None = None
        best_value = -math.inf
        for fact in ranked:
            if fact in chosen:
                continue
            overlap = redundancy(fact)
            if overlap > weights.redundancy_cosine:
                continue
            value = weights.mmr_lambda * fact.score - (1 - weights.mmr_lambda) * overlap
            if value > best_value:
                best, best_value = fact, value
        if best is None:
            break
        chosen.append(best)
    return chosen


def _order(chosen: list[_Fact], flat: Sequence[Passage], lengths: dict[int, int]) -> list[_Fact]:
    """Lead fact first; the rest in the order the sources tell them (relative position)."""
    if not chosen:
        return []

    def position(fact: _Fact) -> tuple[float, int]:
        seed = flat[fact.seed]
        length = max(1, lengths[seed.source_id])
        return (seed.index / length, fact.seed)

    return [chosen[0], *sorted(chosen[1:], key=position)]


def _paragraph(index: int, count: int) -> int:
    """A short lead paragraph, then paragraphs of up to four sentences."""
    if count <= LEAD_PARAGRAPH + 1:
        return 0
    if index < LEAD_PARAGRAPH:
        return 0
    rest = count - LEAD_PARAGRAPH
    groups = math.ceil(rest / PARAGRAPH)
    size = math.ceil(rest / groups)
    return 1 + (index - LEAD_PARAGRAPH) // size
