"""summarizer: multi-source news briefs in which every sentence is cited and verified."""

from typing import TYPE_CHECKING, Any

from summarizer.errors import SummarizerError
from summarizer.models import (
    Check,
    Citation,
    Passage,
    RepairAction,
    RepairAttempt,
    RunStats,
    Source,
    Span,
    Status,
    Summary,
    SummarySentence,
    Verdict,
)
from summarizer.models import use_renderer as _use_renderer
from summarizer.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "Check",
    "Citation",
    "Passage",
    "RepairAction",
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


def _render(item: Summary | Source | SummarySentence, fmt: str) -> str:
    # The package root wires models to render (models import no stage); render
    # pulls in rich, so it is loaded on the first to_markdown()/to_html().
    if isinstance(item, Source):
        from summarizer.render.notebook import source_html

        return source_html(item)
    if isinstance(item, SummarySentence):
        from summarizer.render.notebook import sentence_html

        return sentence_html(item)
    from summarizer.render import for_models

    return for_models(item, fmt)


_use_renderer(_render)

if TYPE_CHECKING:
    from summarizer.pipeline import asummarize, summarize


def __getattr__(name: str) -> Any:
    # The pipeline pulls in httpx, trafilatura, openai and instructor: load it on
    # first use so `import summarizer` and `summarizer --version` stay fast.
    if name in ("summarize", "asummarize"):
        from summarizer import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
