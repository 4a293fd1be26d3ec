"""summarizer: multi-source news briefs in which every sentence is cited and verified."""

from summarizer.errors import SummarizerError
from summarizer.models import (
    Check,
    Citation,
    Passage,
    RepairAttempt,
    RunStats,
    Source,
    Span,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "Check",
    "Citation",
    "Passage",
    "RepairAttempt",
    "RunStats",
    "Settings",
    "Source",
    "Span",
    "Status",
    "Summary",
    "SummarizerError",
    "SummarySentence",
    "Verdict",
    "__version__",
]
