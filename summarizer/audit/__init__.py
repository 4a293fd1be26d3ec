"""Audit a cited text written by anyone (the ``check`` command): verify, never repair.

The text is a brief in our ``[n]`` style with its reference list, or plain text
with ``[n]`` markers. Which source does ``[n]`` mean?

1. If the text's reference list gives ``[n]`` a URL that matches a given
   source (URL or final URL, compared loosely: scheme, ``www.``, trailing
   slash, fragment and tracking parameters ignored), that source. This lets a
   brief numbered from 1, or in another order, be checked against sources
   given in any order.
2. Otherwise the source whose ID is ``n`` (the n-th source given, from 0), as
   the README documents for plain text — unless a reference URL already
   claimed that source for another number.
3. Otherwise nothing: the sentence is UNSUPPORTED, "cites [n], which is not
   among the sources".

Uncited sentences are UNCITED; every other sentence gets the verifier's
verdict with its evidence, and ``Summary.stats`` holds the model calls this
audit made (metered per call, stage ``verify``). The caller decides what
failing means (``Summary.all_supported``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from summarizer.audit.parse import ParsedReference, parse_brief
from summarizer.errors import InputError
from summarizer.llm.seam import Model
from summarizer.llm.usage import UsageMeter
from summarizer.models import Citation, Source, Status, Summary, SummarySentence, Verdict
from summarizer.settings import Settings
from summarizer.text.urls import url_key
from summarizer.verify.verifier import verify_sentence

logger = logging.getLogger(__name__)

DEFAULT_TITLE = "Audited text"


def map_citations(
    markers: Sequence[int], references: dict[int, ParsedReference], sources: Sequence[Source]
) -> dict[int, int | None]:
    """Marker number → source ID (``None`` when it names no given source); see module doc."""
    by_url: dict[str, int] = {}
    for source in sources:
        for url in (source.url, source.final_url):
            if url:
                by_url.setdefault(url_key(url), source.id)
    ids = {s.id for s in sources}
    mapping: dict[int, int | None] = {}
    for marker, reference in references.items():
        if reference.url and url_key(reference.url) in by_url:
            mapping[marker] = by_url[url_key(reference.url)]
    claimed = {source_id for marker, source_id in mapping.items() if source_id != marker}
    for marker in sorted(set(markers) | set(references)):
        if marker in mapping:
            continue
        mapping[marker] = marker if marker in ids and marker not in claimed else None
    return mapping


async def audit_text(text: str, sources: list[Source], llm: Model, settings: Settings) -> Summary:
    """Every sentence of ``text`` with its verdict; raises InputError when there are none."""
    parsed = parse_brief(text)
    if not parsed.sentences:
        raise InputError("the text to check contains no sentences")
    markers = [c for s in parsed.sentences for c in s.citations]
    mapping = map_citations(markers, parsed.references, sources)
    ids = {s.id for s in sources}
    meter = UsageMeter()
    with meter.stage("verify"):
        sentences: list[SummarySentence] = []
        for item in parsed.sentences:
            unknown = [c for c in item.citations if mapping.get(c) is None]
            known = [m for c in item.citations if (m := mapping.get(c)) is not None]
            # An unknown marker stays in the trail as itself, unless that number is a
            # real source's ID (which a reference URL gave to another marker).
            strays = [c for c in unknown if c not in ids]
            citations = list(dict.fromkeys([*known, *strays]))
            sentence = SummarySentence(
                text=item.text, citations=citations, paragraph=item.paragraph
            )
            if unknown:
                reason = "; ".join(f"cites [{c}], which is not among the sources" for c in unknown)
                sentence.verdict = Verdict(
                    status=Status.UNSUPPORTED,
                    reason=reason,
                    citations=[Citation(source_id=c, supports=None) for c in citations],
                )
            else:
                sentence.verdict = await verify_sentence(sentence, sources, llm, settings)
            sentences.append(sentence)
    summary = Summary(
        title=parsed.title or DEFAULT_TITLE,
        sentences=sentences,
        sources=list(sources),
        stats=meter.stats(),
        model=llm.model_name,
        options={
            "audit": True,
            "citation_map": {str(k): v for k, v in sorted(mapping.items())},
            "support_threshold": settings.support_threshold,
        },
    )
    failing = sum(1 for s in sentences if s.status not in (Status.SUPPORTED, Status.REPAIRED))
    logger.info("audit: %d of %d sentences not supported", failing, len(sentences))
    return summary
