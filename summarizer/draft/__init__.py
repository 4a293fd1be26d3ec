"""The draft stage: fit the sources into the context window and ask for a cited brief.

``context``: the token budget and which passages are shown; ``schema``: the
response model and its provenance validators; ``stage``: the prompt and
``draft_summary``.
"""

from summarizer.draft.stage import draft_summary

__all__ = ["draft_summary"]
