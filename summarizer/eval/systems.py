"""The systems an eval compares side by side, by name.

``full`` is the product pipeline (attribute first: plan → write → verify → repair),
``draft`` the same plan and writing without verification, ``freeform`` the earlier
pipeline (one free-form draft call that chooses content and citations, then verify +
repair), kept to measure the change side by side; ``lead`` and ``central`` are the
extractive baselines. Each is an async function
``(sources, settings, llm) -> Summary``; only LLM systems receive an LLM.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.errors import InputError
from summarizer.eval.baselines import central_baseline, lead_baseline
from summarizer.models import Source, Summary
from summarizer.settings import Settings

if TYPE_CHECKING:
    from summarizer.llm import LLM

SystemFn = Callable[[list[Source], Settings, "LLM | None"], Awaitable[Summary]]


@dataclass(frozen=True)
class System:
    name: str
    run: SystemFn
    needs_llm: bool = False
    description: str = ""


def _require(llm: LLM | None, name: str) -> LLM:
    if llm is None:
        raise InputError(f"system {name!r} needs an LLM")
    return llm


async def _full(sources: list[Source], settings: Settings, llm: LLM | None) -> Summary:
    from summarizer.pipeline import summarize_sources

    return await summarize_sources(
        sources, settings.with_overrides(verify=True, drafter="plan"), _require(llm, "full")
    )


async def _freeform(sources: list[Source], settings: Settings, llm: LLM | None) -> Summary:
    from summarizer.pipeline import summarize_sources

    chosen = settings.with_overrides(verify=True, drafter="freeform")
    return await summarize_sources(sources, chosen, _require(llm, "freeform"))


async def _draft(sources: list[Source], settings: Settings, llm: LLM | None) -> Summary:
    from summarizer.pipeline import summarize_sources

    return await summarize_sources(
        sources,
        settings.with_overrides(verify=False, on_unsupported="mark", drafter="plan"),
        _require(llm, "draft"),
    )


async def _lead(sources: list[Source], settings: Settings, llm: LLM | None) -> Summary:
    return lead_baseline(sources, settings)


async def _central(sources: list[Source], settings: Settings, llm: LLM | None) -> Summary:
    return central_baseline(sources, settings)


SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System("full", _full, needs_llm=True, description="plan → write → verify → repair"),
        System(
            "freeform", _freeform, needs_llm=True, description="free-form draft → verify → repair"
        ),
        System("draft", _draft, needs_llm=True, description="plan → write (no verification)"),
        System("lead", _lead, description="first sentences of each source, round-robin"),
        System("central", _central, description="LexRank-central sentences, redundancy-filtered"),
    )
}
DEFAULT_SYSTEMS = tuple(SYSTEMS)


def resolve_systems(requested: Sequence[str | System] | None) -> list[System]:
    """Names (or ready ``System`` objects) → systems, in the order given, without repeats."""
    chosen: list[System] = []
    for item in requested or DEFAULT_SYSTEMS:
        if isinstance(item, System):
            system = item
        else:
            key = item.strip().lower()
            if key not in SYSTEMS:
                raise InputError(
                    f"unknown system {item!r}; choose from {', '.join(DEFAULT_SYSTEMS)}"
                )
            system = SYSTEMS[key]
        if all(system.name != c.name for c in chosen):
            chosen.append(system)
    return chosen
