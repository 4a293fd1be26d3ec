"""The brief's stylesheet: colours from variables, so it reads in light and dark.

The brief's own rules (``BRIEF_CSS``) never fix the text colour or a background:
text inherits from wherever the brief is shown (a dark Jupyter theme included),
marker colours come from the host's link colour when it has one, and status tints
are translucent so they work on any background. Only the standalone page
(``PAGE_CSS``) owns its canvas, with a light palette and a
``prefers-color-scheme: dark`` one. The markup reads as a brief with none of
this: the stylesheet only adds colour, the focus outline and the evidence peek.
"""

from __future__ import annotations

from collections.abc import Iterable

BRIEF_CSS = """
.sb-brief{
  --sb-link:var(--jp-content-link-color,var(--vscode-textLink-foreground,currentColor));
  --sb-muted:currentColor;--sb-focus:var(--sb-link);--sb-rule:rgba(128,128,128,.5);
  --sb-hover:rgba(66,133,244,.13);--sb-warn:rgba(230,126,34,.2);--sb-bad:rgba(220,53,69,.18);
  --sb-info:rgba(130,90,220,.16);--sb-ok:rgba(40,167,69,.18);
  font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:46rem;
  line-height:1.6;overflow-wrap:anywhere}
.sb-brief *{box-sizing:border-box;max-width:100%}
.sb-brief a{color:var(--sb-link)}
.sb-brief h1{font-size:1.6em;line-height:1.25;margin:.4em 0 .3em}
.sb-brief h2{font-size:1.1em;margin:1.4em 0 .4em}
.sb-brief .hint{font-size:.85em;margin:0 0 1em;color:var(--sb-muted)}
.sb-brief .paragraph{margin:0 0 .2em}
.sb-brief .block{margin:0 0 1em}
.sb-brief .sentence{border-radius:3px;cursor:pointer}
.sb-brief .sentence:hover{background:var(--sb-hover)}
.sb-brief .sentence:focus,.sb-brief .sentence:focus-within{background:var(--sb-hover)}
.sb-brief .sentence:focus,.sb-brief a:focus-visible,.sb-brief summary:focus-visible{
  outline:2px solid var(--sb-focus);outline-offset:2px}
.sb-brief .status-unsupported{background:var(--sb-warn);text-decoration:underline wavy}
.sb-brief .status-unverified{background:var(--sb-info)}
.sb-brief .status-uncited{background:var(--sb-bad);text-decoration:underline dotted}
.sb-brief .cite{font-size:.8em;vertical-align:super;line-height:1;text-decoration:none;
  color:var(--sb-link)}
.sb-brief .cite:hover{text-decoration:underline}
.sb-brief .cite.missing{color:var(--sb-muted)}
.sb-brief .badge{font-size:.75em;padding:0 .45em;border-radius:.7em;white-space:nowrap;
  border:1px solid var(--sb-rule);text-decoration:none}
.sb-brief .badge-unsupported{background:var(--sb-warn)}
.sb-brief .badge-unverified{background:var(--sb-info)}
.sb-brief .badge-uncited{background:var(--sb-bad)}
.sb-brief .badge-repaired{background:var(--sb-ok)}
.sb-brief details{margin:.1em 0 .4em}
.sb-brief summary{cursor:pointer;font-size:.85em;color:var(--sb-muted);width:fit-content}
.sb-brief .notes,.sb-brief .trail{margin:.3em 0 .2em;padding-left:.2em;list-style:none;
  font-size:.88em;line-height:1.45}
.sb-brief .notes>li,.sb-brief .trail>li{margin:.35em 0;padding:.15em .3em;border-radius:3px}
.sb-brief .note-label{font-style:italic}
.sb-brief .quote{margin:.2em 0 .2em .2em;padding-left:.5em;border-left:3px solid var(--sb-rule)}
.sb-brief .verification,.sb-brief .stats{color:var(--sb-muted);font-style:italic;font-size:.9em}
.sb-brief .sources li{margin:.2em 0}
.sb-brief .sources .uncited,.sb-brief .sources .error{font-style:italic;color:var(--sb-muted)}
/* Peek: a focused sentence (clicked or reached with Tab) shows its own evidence
   note under its paragraph, even while the paragraph's "Evidence" is closed. */
.sb-brief .block:has(.sentence:focus-within)>details.evidence:not([open]) .note{display:none}
.sb-brief .block:has(.sentence:focus-within)>details.evidence:not([open])::details-content{
  content-visibility:visible}
"""

PAGE_CSS = """
:root{color-scheme:light dark;--sb-page-bg:#ffffff;--sb-page-fg:#1b1b1b;
  --sb-page-link:#1a56b0;--sb-page-muted:#595959}
@media (prefers-color-scheme:dark){:root{--sb-page-bg:#121212;--sb-page-fg:#e6e6e6;
  --sb-page-link:#8ab4f8;--sb-page-muted:#b3b3b3}}
body{margin:0;padding:1rem;background:var(--sb-page-bg);color:var(--sb-page-fg)}
body>.sb-brief{--sb-link:var(--sb-page-link);--sb-muted:var(--sb-page-muted);margin:0 auto}
"""


def peek_css(pairs: Iterable[tuple[str, str]]) -> str:
    """One rule per (sentence id, note id): the focused sentence's note is the one shown."""
    return "".join(
        f".sb-brief .block:has(#{sentence}:focus-within) #{note}"
        "{display:list-item;background:var(--sb-hover)}\n"
        for sentence, note in pairs
    )
