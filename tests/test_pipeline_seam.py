"""The stages over the model seam with an in-process fake: no server, same accounting."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from support.fake_model import FakeModel, Messages

from summarizer.ingest import make_source
from summarizer.llm.seam import Model
from summarizer.models import Status
from summarizer.pipeline import summarize_sources
from summarizer.settings import Settings

TEXTS = (
    "The river barrier closed for the first time on Sunday. Its nine gates shut in 38 minutes.",
    "Storm Vela brought gusts of 130 km/h to the coast. About 40,000 homes lost power.",
)
INVENTED = "The mayor resigned on Monday."
_CLAIM = re.compile(r"<claim>\s*(.*?)\s*</claim>", re.DOTALL)


def draft(name: str, messages: Messages) -> dict[str, Any]:
    if name == "Draft":
        return {
            "title": "Storm week",
            "sentences": [
                {"text": "Its nine gates shut in 38 minutes.", "source_ids": [0]},
                {"text": "About 40,000 homes lost power.", "source_ids": [1]},
                {"text": INVENTED, "source_ids": [0]},
            ],
        }
    return {"text": INVENTED, "source_ids": [0]}  # a rewrite that never verifies


def judge(messages: Messages) -> float:
    claim = _CLAIM.search(messages[-1]["content"])
    return 0.0 if claim is None or "mayor" in claim.group(1) else 1.0


async def test_fake_model_runs_the_stages_and_the_meter_counts_each_call(tmp_path: Path) -> None:
    fake = FakeModel(answer=draft, judge=judge)
    model: Model = fake  # the fake satisfies the seam the stages depend on
    sources = [make_source(i, text, url=f"doc{i}") for i, text in enumerate(TEXTS)]
    settings = Settings(
        home=tmp_path, cache=False, lexical_weight=0.0, check_penalty=1.0, drafter="freeform"
    )
    brief = await summarize_sources(sources, settings, model)

    assert [s.status for s in brief.sentences] == [
        Status.SUPPORTED,
        Status.SUPPORTED,
        Status.REMOVED,
    ]
    stats = brief.stats
    assert stats.stages["draft"].llm_calls == 1
    # the two true sentences copy their sources word for word: only the invented one is judged
    assert stats.stages["verify"].llm_calls == 1
    assert stats.llm_calls == len(fake.calls) == sum(s.llm_calls for s in stats.stages.values())
    assert stats.prompt_tokens == 10 * len(fake.calls)
    assert fake.calls.count("structured") == 1 + settings.repair_rounds  # draft + rewrites
