"""The verify stage: each sentence checked against what it cites, then repaired.

``evidence`` picks the cited text a sentence is judged on, ``checks`` runs the
deterministic checks, ``judge`` asks the model for P(yes), ``verifier`` turns
them into verdicts, and ``repair`` applies the unsupported-sentence policy.
"""

from summarizer.verify.repair import repair_summary
from summarizer.verify.verifier import Assessment, assess, combine, verify_sentence, verify_summary

__all__ = ["Assessment", "assess", "combine", "repair_summary", "verify_sentence", "verify_summary"]
