"""The LLM seam: one client per run, the only code that talks to the endpoint."""

from summarizer.llm.client import LLM

__all__ = ["LLM"]
