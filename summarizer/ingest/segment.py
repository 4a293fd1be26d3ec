"""Split extracted text into sentence passages with exact character offsets.

Citations and evidence spans point into ``source.text`` by offset, so the one
guarantee that matters is ``text[p.start:p.end] == p.text``. Where sentences
and paragraphs start is the text kernel's one splitter
(``summarizer.text.sentences.passage_spans``); this module makes passages of it.
"""

from __future__ import annotations

from summarizer.models import Passage
from summarizer.text.sentences import passage_spans


def segment(text: str, source_id: int) -> list[Passage]:
    """Passages for ``text``; ``text[p.start:p.end] == p.text`` holds for every one."""
    return Passage.from_spans(text, source_id, passage_spans(text))
