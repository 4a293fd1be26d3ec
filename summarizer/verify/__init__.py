"""Verification: evidence selection, deterministic checks, the entailment judge, verdicts."""

from summarizer.verify.verifier import Assessment, assess, combine, verify_sentence, verify_summary

__all__ = ["Assessment", "assess", "combine", "verify_sentence", "verify_summary"]
