"""The brief on a terminal with rich: coloured markers, verdict badges, tables.

Page and model text only ever enters rich as ``Text`` objects built from
sanitised strings, never as markup: ``[bold]`` in a title prints literally, and
escape sequences in a page are stripped before they can reach the terminal.

Paragraphs are wrapped here, not by rich: a sentence's last word, its ``[n]``
markers and its badge are one unbreakable unit, so a marker never starts a line
away from the sentence it belongs to, whatever the width.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from summarizer.models import Status, Summary, SummarySentence
from summarizer.render.explain import Flag, flagged
from summarizer.render.text import source_url, stats_line, uncited_sources, verification_line
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


def _markers_text(ids: list[int]) -> str:
    return "".join(f"[{source_id}]" for source_id in ids)


def glued(text: str, tail: Text, style: str = "") -> list[Text]:
    """The words of ``text``, the last one carrying ``tail``, so the two never part."""
    words = [word for word in one_line(text).split(" ") if word]
    units = [Text(word, style=style) for word in words[:-1]]
    last = Text(words[-1] if words else "", style=style)
    if tail:
        if last:
            last.append(" ")
        last.append_text(tail)
    if last:
        units.append(last)
    return units


def _units(sentence: SummarySentence) -> list[Text]:
    """A sentence as wrap units: its words, the last with its markers and badge."""
    status = sentence.verdict.status
    tail = Text()
    markers = _markers_text(unique(sentence.citations))
    if markers:
        tail.append(markers + " ", style="cyan")
    badge, badge_style = BADGES[status]
    tail.append(badge, style=badge_style)
    return glued(sentence.text, tail, _TEXT_STYLE.get(status, ""))


def sentence_text(sentence: SummarySentence) -> Text:
    """A sentence, its cyan ``[n]`` markers and its verdict badge, as one Text."""
    return Text(" ").join(_units(sentence))


class Wrapped:
    """Units joined by spaces and wrapped only between units (see the module doc).

    A unit wider than the line is left to rich, which folds it.
    """

    def __init__(self, units: Sequence[Text]) -> None:
        self.units = list(units)

    @classmethod
    def paragraph(cls, sentences: Sequence[SummarySentence]) -> Wrapped:
        return cls([unit for sentence in sentences for unit in _units(sentence)])

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        line = Text()
        for unit in self.units:
            if line and cell_len(line.plain) + 1 + cell_len(unit.plain) > width:
                yield line
                line = Text()
            if line:
                line.append(" ")
            line.append_text(unit)
        if line:
            yield line


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
    """LLM calls, tokens and seconds: the cost of the run at a glance (as in the HTML)."""
    return Text(stats_line(summary), style="dim")


def _flag_view(flag: Flag) -> Group:
    """A flagged sentence under its badge, its reasons in an indented label/value grid."""
    badge, style = BADGES[flag.status]
    markers = Text(_markers_text(flag.citations), style="cyan")
    head = Wrapped([Text("•"), Text(badge, style=style), *glued(f"“{flag.text}”", markers)])
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    rows: list[tuple[str, str]] = []
    if flag.original is not None:
        was = "“" + flag.original + "”"
        if flag.original_citations:
            was += " " + _markers_text(flag.original_citations)
        rows.append(("was", was))
    if flag.repair:
        rows.append(("repair", ", ".join(flag.repair)))
    if flag.reason:
        rows.append(("reason", flag.reason))
    if flag.failed_checks:
        rows.append(("failed checks", "; ".join(flag.failed_checks)))
    for quote in flag.evidence:
        rows.append((f"evidence [{quote.source_id}]", f"“{quote.text}”"))
    for label, value in rows:
        grid.add_row(Text(label), Text(value))
    return Group(head, Padding(grid, (0, 0, 0, 4)))


def to_terminal(summary: Summary, console: Console, *, explain: bool = False) -> None:
    """Print the brief, its sources, failures and run statistics to ``console``.

    ``explain`` adds each flagged sentence with its reason, failed checks and evidence.
    """
    console.rule(safe_text(summary.title, "bold"))
    for paragraph in summary.paragraphs():
        console.print(Wrapped.paragraph(paragraph))
        console.print()
    counts = verification_line(summary)
    if counts:
        console.print(Text(counts, style="italic"))
        console.print()
    flags = flagged(summary) if explain else []
    if flags:
        console.print(Text("Flagged sentences", style="bold"))
        for flag in flags:
            console.print(_flag_view(flag))
        console.print()
    for table in (_sources_table(summary), _failures_table(summary)):
        if table is not None:
            console.print(table)
    console.print(stats_text(summary))
