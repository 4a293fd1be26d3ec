"""Prompt templates are files in ``prompts/``, loaded strictly.

A template uses ``$name`` placeholders (``string.Template``; a literal dollar is
``$$``); a stray ``$`` fails when the file is loaded, and rendering with a missing
variable fails loudly instead of sending a half-filled prompt. The hash
of every template used is part of every LLM cache key, so editing a prompt
invalidates exactly the cached answers that depended on it.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from summarizer.errors import PromptError

_PACKAGE = Path(__file__).resolve().parent
# In a wheel the templates are installed inside the package; in a checkout they
# live in the top-level prompts/ folder.
PROMPTS_DIR = next(
    (d for d in (_PACKAGE / "prompts", _PACKAGE.parent / "prompts") if d.is_dir()),
    _PACKAGE.parent / "prompts",
)


@dataclass(frozen=True)
class Prompt:
    name: str
    template: str

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.template.encode()).hexdigest()[:16]

    @property
    def variables(self) -> set[str]:
        found: set[str] = set()
        for match in string.Template.pattern.finditer(self.template):
            name = match.group("named") or match.group("braced")
            if name:
                found.add(name)
        return found

    def render(self, **values: object) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise PromptError(f"prompt {self.name!r} needs {', '.join(sorted(missing))}")
        extra = values.keys() - self.variables
        if extra:
            raise PromptError(f"prompt {self.name!r} has no variable {', '.join(sorted(extra))}")
        return string.Template(self.template).substitute({k: str(v) for k, v in values.items()})


def _check_placeholders(path: Path, template: str) -> None:
    """Refuse a ``$`` that is no placeholder ("$2 million"): it would fail at the first
    render, deep inside a run, instead of here."""
    for match in string.Template.pattern.finditer(template):
        if match.group("invalid") is not None:
            start = match.start()  # the "invalid" group is empty, after the "$"
            line = template.count("\n", 0, start) + 1
            column = start - (template.rfind("\n", 0, start) + 1) + 1
            raise PromptError(
                f"prompt template {path} has a stray '$' at line {line}, column {column}"
                " (write $$ for a dollar sign)"
            )


@cache
def load_prompt(name: str) -> Prompt:
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        template = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"prompt template {path} cannot be read: {exc.strerror}") from exc
    _check_placeholders(path, template)
    return Prompt(name, template)
