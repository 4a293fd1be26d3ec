"""What every output format says the same way: references, status words, counts.

Page text and model output are untrusted; the sanitising itself (escapes,
controls, markdown) is the text kernel's (``summarizer.text.clean``), and every
renderer passes such text through it before it reaches the output.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from summarizer.models import Source, Status, Summary, SummarySentence
from summarizer.text.clean import one_line

_STATUS_WORD = {
    Status.UNVERIFIED: "unverified",
    Status.UNSUPPORTED: "unsupported",
    Status.UNCITED: "uncited",
}
VERIFIED = (Status.SUPPORTED, Status.REPAIRED)


def safe_href(url: str | None) -> str | None:
    """The URL if it may be used as a link target (http/https only), else None."""
    if not url:
        return None
    cleaned = one_line(url)
    if not cleaned or " " in cleaned:
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return cleaned


def source_url(source: Source) -> str:
    """The URL to show for a source: where it ended up after redirects, if known."""
    return source.final_url or source.url


def unique(ids: Iterable[int]) -> list[int]:
    """Citation IDs in order, without repeats (``[1][1]`` says nothing more)."""
    seen: set[int] = set()
    out: list[int] = []
    for source_id in ids:
        if source_id not in seen:
            seen.add(source_id)
            out.append(source_id)
    return out


def status_word(status: Status) -> str | None:
    """The word shown next to a sentence the reader must not take as verified."""
    return _STATUS_WORD.get(status)


def reference_parts(source: Source) -> tuple[str | None, list[str]]:
    """(title, [outlet, published, url]) of a source, sanitised, empty fields dropped."""
    title = one_line(source.title) or None
    rest = [one_line(source.outlet), one_line(source.published), one_line(source_url(source))]
    return title, [part for part in rest if part]


def verification_line(summary: Summary) -> str | None:
    """One plain sentence of counts saying how much of the brief was verified."""
    shown = summary.shown_sentences
    removed = len(summary.sentences) - len(shown)
    if not summary.sentences:
        return None
    if not shown:
        noun = "sentence was" if removed == 1 else "sentences were"
        return f"All {removed} {noun} removed as unsupported."
    verified = sum(1 for s in shown if s.verdict.status in VERIFIED)
    repaired = sum(1 for s in shown if s.verdict.status is Status.REPAIRED)
    noun = "sentence" if len(shown) == 1 else "sentences"
    line = f"{verified} of {len(shown)} {noun} verified against their sources"
    threshold = support_threshold(summary)
    if threshold is not None:
        line += f" at support threshold {threshold:g}"
    if repaired:
        line += f" ({repaired} after repair)"
    clauses = []
    for status in (Status.UNSUPPORTED, Status.UNVERIFIED, Status.UNCITED):
        count = sum(1 for s in shown if s.verdict.status is status)
        if count:
            clauses.append(f"{count} marked {_STATUS_WORD[status]}")
    if clauses:
        line += "; " + ", ".join(clauses)
    if removed:
        line += f"; {removed} removed as unsupported"
    return line + ". " + coverage_line(summary)


def support_threshold(summary: Summary) -> float | None:
    """The judge score a sentence needed, as recorded with the result, when it was verified.

    A result loaded from JSON may carry anything under ``options``, so only a number
    between 0 and 1 is shown; a run with verification off has no threshold to show.
    """
    options = summary.options
    value = options.get("support_threshold")
    if options.get("verify") is False or isinstance(value, bool):
        return None
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        return None
    return float(value)


def uncited_sources(summary: Summary) -> list[int]:
    """IDs of usable sources that no shown sentence cites (tagged in every format)."""
    cited = set(summary.cited_sources())
    return [s.id for s in summary.sources if s.ok and s.id not in cited]


def coverage_line(summary: Summary) -> str:
    """'Cites 3 of 3 sources.' or 'Cites 2 of 3 sources; source 2 is not cited.'"""
    usable = [s for s in summary.sources if s.ok]
    if not usable:
        return ""
    missing = uncited_sources(summary)
    noun = "source" if len(usable) == 1 else "sources"
    line = f"Cites {len(usable) - len(missing)} of {len(usable)} {noun}"
    if missing:
        names = ", ".join(str(i) for i in missing)
        verb = "is" if len(missing) == 1 else "are"
        line += f"; {'source' if len(missing) == 1 else 'sources'} {names} {verb} not cited"
    return line + "."


def stats_line(summary: Summary, sep: str = " · ") -> str:
    """LLM calls, tokens, seconds and model: the cost of a run, said alike in every format."""
    stats = summary.stats
    seconds = stats.timings.get("total", sum(stats.timings.values()))
    calls = "call" if stats.llm_calls == 1 else "calls"
    parts = [
        f"{stats.llm_calls} LLM {calls} ({stats.cache_hits} cached)",
        f"{stats.prompt_tokens + stats.completion_tokens} tokens "
        f"({stats.prompt_tokens} prompt + {stats.completion_tokens} completion)",
        f"{seconds:.1f} s",
    ]
    model = one_line(summary.model)
    if model:
        parts.append(f"model {model}")
    return sep.join(parts)


def score_text(sentence: SummarySentence) -> str:
    """The verifier's score as a short string, or '' when there is none."""
    score = sentence.verdict.score
    return "" if score is None else f"{score:.2f}"
