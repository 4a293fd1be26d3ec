"""The draft stage: fit the sources into the context window and ask for a cited brief.

``write``: the attribute-first writer (one sentence per plan slot, from that
slot's evidence only, and a written title). The free-form drafter:
``context``, the token budget and which passages are shown; ``schema``, the
response model and its provenance validators; ``stage``, the prompt and
``draft_summary``.
"""

from summarizer.draft.stage import draft_summary
from summarizer.draft.write import write_brief

__all__ = ["draft_summary", "write_brief"]
