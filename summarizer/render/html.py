"""The brief as a self-contained HTML page (or a fragment for Jupyter).

No scripts and no external assets: hovering (or focusing) a sentence shows its
evidence and verdict through CSS alone, so the page works offline and under a
strict Content-Security-Policy. All page and model text goes through
``html.escape``; URLs become links only for http(s).
"""

from __future__ import annotations

from html import escape

from summarizer.models import Source, Status, Summary, SummarySentence
from summarizer.render.text import (
    safe_href,
    score_text,
    source_url,
    uncited_sources,
    verification_line,
)
from summarizer.text.cited import unique
from summarizer.text.clean import one_line

_BADGES = {
    Status.REPAIRED: "↻ repaired",
    Status.UNSUPPORTED: "⚠ unsupported",
    Status.UNVERIFIED: "? unverified",
    Status.UNCITED: "✗ uncited",
}

_CSS = """
.sb-brief{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:46rem;
  line-height:1.6;color:#1b1b1b}
.sb-brief h1{font-size:1.6em;margin:.4em 0 .6em}
.sb-brief h2{font-size:1.1em;margin:1.4em 0 .4em}
.sb-brief .sentence{position:relative;border-radius:3px;outline:none}
.sb-brief .sentence:hover,.sb-brief .sentence:focus{background:#eef3ff}
.sb-brief .status-unsupported{background:#fff0e0;text-decoration:underline wavy #c9302c}
.sb-brief .status-unverified{background:#f4f0ff}
.sb-brief .status-uncited{background:#fdecec;text-decoration:underline dotted #c9302c}
.sb-brief .cite{font-size:.8em;vertical-align:super;text-decoration:none;color:#1d5fbf}
.sb-brief .cite.missing{color:#999}
.sb-brief .badge{font-size:.72em;padding:0 .4em;margin-left:.25em;border-radius:.7em;
  white-space:nowrap;background:#eee;color:#333}
.sb-brief .badge-unsupported{background:#f8d7b5;color:#7a3a00}
.sb-brief .badge-unverified{background:#e3dcfa;color:#3d2a7a}
.sb-brief .badge-uncited{background:#f6c6c6;color:#7a0000}
.sb-brief .badge-repaired{background:#dcefe0;color:#1e5a2a}
.sb-brief .evidence{display:none;position:absolute;left:0;top:100%;z-index:10;
  width:min(32rem,90vw);padding:.5rem .7rem;background:#fff;color:#1b1b1b;
  border:1px solid #bbb;border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,.15);
  font-size:.85em;line-height:1.45;text-decoration:none}
.sb-brief .sentence:hover>.evidence,.sb-brief .sentence:focus>.evidence{display:block}
.sb-brief .evidence>span{display:block;margin:.15em 0}
.sb-brief .evidence .quote{color:#444;border-left:3px solid #ccd;padding-left:.4em}
.sb-brief .verification,.sb-brief .stats{color:#555;font-style:italic;font-size:.9em}
.sb-brief .sources li,.sb-brief .failures li{margin:.2em 0;overflow-wrap:anywhere}
.sb-brief .failures{color:#7a0000}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _h(text: str | None) -> str:
    """Sanitised, escaped text: the only way page or model text enters the HTML."""
    return escape(one_line(text), quote=True)


def _link(url: str) -> str:
    href = safe_href(url)
    if href is None:
        return f'<span class="url">{_h(url)}</span>'
    return f'<a href="{escape(href, quote=True)}" rel="noopener noreferrer nofollow">{_h(url)}</a>'


def _evidence(sentence: SummarySentence) -> str:
    verdict = sentence.verdict
    head = f"Verdict: {verdict.status.value}"
    score = score_text(sentence)
    if score:
        head += f" (score {score})"
    parts = [f'<span class="verdict">{_h(head)}</span>']
    if verdict.reason.strip():
        parts.append(f'<span class="reason">{_h(verdict.reason)}</span>')
    for check in verdict.checks:
        if not check.passed:
            missing = ", ".join(one_line(m) for m in check.missing)
            text = f"Check failed: {check.kind}" + (f" (missing: {missing})" if missing else "")
            parts.append(f'<span class="check">{_h(text)}</span>')
    for span in verdict.evidence:
        parts.append(f'<span class="quote"><b>[{span.source_id}]</b> {_h(span.text)}</span>')
    if not verdict.evidence:
        parts.append('<span class="quote">No evidence recorded.</span>')
    return f'<span class="evidence" role="tooltip">{"".join(parts)}</span>'


class SentenceView:
    """A sentence plus the IDs that can be linked (usable sources)."""

    def __init__(self, sentence: SummarySentence, linkable: set[int]) -> None:
        self.sentence = sentence
        self.linkable = linkable

    def html(self) -> str:
        status = self.sentence.verdict.status
        pieces = [_h(self.sentence.text)]
        for source_id in unique(self.sentence.citations):
            if source_id in self.linkable:
                pieces.append(f'<a class="cite" href="#ref-{source_id}">[{source_id}]</a>')
            else:
                pieces.append(
                    f'<span class="cite missing" title="source {source_id} is not available">'
                    f"[{source_id}]</span>"
                )
        badge = _BADGES.get(status)
        if badge:
            pieces.append(f'<span class="badge badge-{status.value}">{escape(badge)}</span>')
        body = " ".join(p for p in pieces if p)
        return (
            f'<span class="sentence status-{status.value}" tabindex="0">'
            f"{body}{_evidence(self.sentence)}</span>"
        )


def _reference(source: Source, cited: bool = True) -> str:
    pieces: list[str] = []
    title = one_line(source.title)
    if title:
        pieces.append(f"“{_h(title)}”")
    tail = [_h(field) for field in (source.outlet, source.published) if one_line(field)]
    url = one_line(source_url(source))
    if url:
        tail.append(_link(url))
    if tail:
        pieces.append(", ".join(tail))
    if not cited:
        pieces.append('<em class="uncited">(not cited)</em>')
    return f'<li id="ref-{source.id}" value="{source.id}">{" ".join(pieces)}</li>'


def _stats(summary: Summary) -> str:
    stats = summary.stats
    seconds = stats.timings.get("total", sum(stats.timings.values()))
    text = (
        f"{stats.llm_calls} LLM calls ({stats.cache_hits} cached), "
        f"{stats.prompt_tokens + stats.completion_tokens} tokens, {seconds:.1f} s"
    )
    if summary.model:
        text += f", model {one_line(summary.model)}"
    return f'<p class="stats">{_h(text)}</p>'


def _body(summary: Summary) -> str:
    usable = sorted((s for s in summary.sources if s.error is None), key=lambda s: s.id)
    failed = sorted((s for s in summary.sources if s.error is not None), key=lambda s: s.id)
    linkable = {s.id for s in usable}
    out: list[str] = []
    if one_line(summary.title):
        out.append(f"<h1>{_h(summary.title)}</h1>")
    for paragraph in summary.paragraphs():
        spans = " ".join(SentenceView(s, linkable).html() for s in paragraph)
        out.append(f'<p class="paragraph">{spans}</p>')
    counts = verification_line(summary)
    if counts:
        out.append(f'<p class="verification">{_h(counts)}</p>')
    if usable:
        missing = set(uncited_sources(summary))
        items = "".join(_reference(s, cited=s.id not in missing) for s in usable)
        out.append(f'<h2>Sources</h2><ol class="sources">{items}</ol>')
    if failed:
        items = "".join(
            f"<li>[{s.id}] {_link(one_line(source_url(s)))} — {_h(s.error)}</li>" for s in failed
        )
        out.append(f'<h2>Sources that could not be used</h2><ul class="failures">{items}</ul>')
    out.append(_stats(summary))
    return "\n".join(out)


def to_html(summary: Summary, standalone: bool = True) -> str:
    """A full HTML page, or (``standalone=False``) a styled fragment for notebooks."""
    body = _body(summary)
    if not standalone:
        return f'<div class="sb-brief"><style>{_CSS}</style>\n{body}\n</div>'
    title = _h(summary.title) or "Brief"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n"
        f'<body>\n<article class="sb-brief">\n{body}\n</article>\n</body>\n</html>\n'
    )
