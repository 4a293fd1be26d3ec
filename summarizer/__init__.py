"""summarizer: multi-source news briefs in which every sentence is cited and verified."""

from typing import TYPE_CHECKING, Any

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
    "SummarizerError",
    "Summary",
    "SummarySentence",
    "Verdict",
    "__version__",
    "asummarize",
    "summarize",
]

if TYPE_CHECKING:
    from summarizer.pipeline import asummarize, summarize


def __getattr__(name: str) -> Any:
    # The pipeline pulls in httpx, trafilatura, openai and instructor: load it on
    # first use so `import summarizer` and `summarizer --version` stay fast.
    if name in ("summarize", "asummarize"):
        from summarizer import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
