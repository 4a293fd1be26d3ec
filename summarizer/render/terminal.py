"""The brief on a terminal with rich: coloured markers, verdict badges, tables.

Page and model text only ever enters rich as ``Text`` objects built from
sanitised strings, never as markup: ``[bold]`` in a title prints literally, and
escape sequences in a page are stripped before they can reach the terminal.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from summarizer.models import Status, Summary, SummarySentence
from summarizer.render.text import source_url, uncited_sources, verification_line
from summarizer.text.cited import unique
from summarizer.text.clean import one_line

BADGES: dict[Status, tuple[str, str]] = {
    Status.SUPPORTED: ("✓", "bold green"),
    Status.REPAIRED: ("↻", "bold blue"),
    Status.UNSUPPORTED: ("⚠ unsupported", "bold yellow"),
    Status.UNVERIFIED: ("? unverified", "bold magenta"),
    Status.UNCITED: ("✗ uncited", "bold red"),
    Status.REMOVED: ("✗ removed", "dim"),
}
_TEXT_STYLE = {
    Status.UNSUPPORTED: "yellow",
    Status.UNCITED: "red",
}


def safe_text(text: str | None, style: str = "") -> Text:
    """Untrusted text as a rich Text: no markup, no emoji codes, no escapes."""
    return Text(one_line(text), style=style)


def sentence_text(sentence: SummarySentence) -> Text:
    """A sentence, its cyan ``[n]`` markers and its verdict badge."""
    status = sentence.verdict.status
    out = Text()
    out.append(one_line(sentence.text), style=_TEXT_STYLE.get(status, ""))
    for source_id in unique(sentence.citations):
        out.append(f" [{source_id}]", style="cyan")
    badge, style = BADGES[status]
    out.append(" ")
    out.append(badge, style=style)
    return out


def _sources_table(summary: Summary) -> Table | None:
    usable = sorted((s for s in summary.sources if s.error is None), key=lambda s: s.id)
    if not usable:
        return None
    table = Table(title="Sources", title_justify="left", expand=False)
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("title")
    table.add_column("outlet")
    table.add_column("date", no_wrap=True)
    table.add_column("url", overflow="fold")
    missing = set(uncited_sources(summary))
    for source in usable:
        title = safe_text(source.title)
        if source.id in missing:
            title.append(" (not cited)", style="yellow")
        table.add_row(
            Text(str(source.id)),
            title,
            safe_text(source.outlet),
            safe_text(source.published),
            safe_text(source_url(source)),
        )
    return table


def _failures_table(summary: Summary) -> Table | None:
    failed = sorted((s for s in summary.sources if s.error is not None), key=lambda s: s.id)
    if not failed:
        return None
    table = Table(title="Sources that could not be used", title_justify="left")
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("url", overflow="fold")
    table.add_column("reason", style="red")
    for source in failed:
        table.add_row(Text(str(source.id)), safe_text(source_url(source)), safe_text(source.error))
    return table


def stats_text(summary: Summary) -> Text:
    """LLM calls, tokens and seconds: the cost of the run at a glance."""
    stats = summary.stats
    seconds = stats.timings.get("total", sum(stats.timings.values()))
    line = (
        f"{stats.llm_calls} LLM calls ({stats.cache_hits} cached) · "
        f"{stats.prompt_tokens + stats.completion_tokens} tokens "
        f"({stats.prompt_tokens} prompt + {stats.completion_tokens} completion) · "
        f"{seconds:.1f} s"
    )
    if summary.model:
        line += f" · {one_line(summary.model)}"
    return Text(line, style="dim")


def to_terminal(summary: Summary, console: Console) -> None:
    """Print the brief, its sources, failures and run statistics to ``console``."""
    console.rule(safe_text(summary.title, "bold"))
    for paragraph in summary.paragraphs():
        line = Text()
        for index, sentence in enumerate(paragraph):
            if index:
                line.append(" ")
            line.append_text(sentence_text(sentence))
        console.print(line)
        console.print()
    counts = verification_line(summary)
    if counts:
        console.print(Text(counts, style="italic"))
        console.print()
    for table in (_sources_table(summary), _failures_table(summary)):
        if table is not None:
            console.print(table)
    console.print(stats_text(summary))
