"""The plan stage on hand-written sources, and the writer's schema around it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from support.fake_model import FakeModel, Messages

from summarizer.draft.write import slot_model, write_brief
from summarizer.ingest import make_source
from summarizer.models import Plan, Source, Status
from summarizer.plan import plan_brief
from summarizer.settings import Settings
from summarizer.verify import repair_summary, verify_summary

SHARED = "The Halden ferry crews walked out on Monday over a pay dispute with the operator."
SOURCES = [
    (
        f"{SHARED} "
        "The operator said talks would resume on Thursday with a mediator present. "
        "Commuters queued for the replacement buses at the harbour before dawn."
    ),
    (
        "Ferry crews in Halden walked out on Monday in a pay dispute with the ferry operator. "
        "The union wants a raise of six percent for all deck and engine staff this year. "
        "Schools on the outer islands closed for the day because teachers could not travel."
    ),
    (
        "Halden's ferry crews walked out Monday after pay talks with the operator collapsed. "
        "The island council opened an emergency shelter for stranded travellers overnight. "
        "A local bakery handed out free coffee to people waiting at the pier all morning."
    ),
    (
        "A minor note: the harbour cafe will extend its opening hours during the strike period "
        "to serve the crowds waiting for buses."
    ),
]


def sources(texts: list[str] = SOURCES) -> list[Source]:
    return [make_source(i, text, url=f"doc{i}", title=f"Story {i}") for i, text in enumerate(texts)]


def settings(**overrides: Any) -> Settings:
    return Settings(home=Path("/tmp/unused-home"), cache=False, **overrides)


def test_a_fact_three_outlets_state_is_one_slot_citing_all_three() -> None:
    plan = plan_brief(sources(), settings())
    lead = plan.slots[0]
    assert lead.source_ids == [0, 1, 2], "the strike is reported by three outlets"
    assert "walked out" in lead.evidence[0].text
    assert all("walked out" not in s.evidence[0].text for s in plan.slots[1:]), "said once"
    for slot in plan.slots:
        for span in slot.evidence:
            source = sources()[span.source_id]
            assert source.text[span.start : span.end] == span.text


def test_a_fact_only_one_outlet_has_is_a_one_source_slot() -> None:
    plan = plan_brief(sources(), settings())
    union = [s for s in plan.slots if any("six percent" in e.text for e in s.evidence)]
    assert len(union) == 1 and union[0].source_ids == [1]


def test_length_is_two_sentences_per_source_between_5_and_12() -> None:
    assert plan_brief(sources(), settings()).target == 8
    assert plan_brief(sources()[:2], settings()).target == 5
    assert plan_brief(sources(), settings(target_sentences=3)).target == 3
    assert len(plan_brief(sources(), settings(target_sentences=3)).slots) == 3


def test_the_coverage_floor_brings_in_a_minor_source() -> None:
    plan = plan_brief(sources(), settings(target_sentences=4))
    covered = {i for slot in plan.slots for i in slot.source_ids}
    assert covered == {0, 1, 2, 3}, "the one-sentence note is heard too"


def test_a_source_that_is_only_a_notice_contributes_no_slot() -> None:
    notice = "Just fill in your contact details below to join our mailing list today."
    plan = plan_brief(sources([*SOURCES[:3], notice]), settings(target_sentences=4))
    covered = {i for slot in plan.slots for i in slot.source_ids}
    assert covered == {0, 1, 2}, "the coverage floor does not force a sign-up line in"
    assert all("mailing list" not in e.text for s in plan.slots for e in s.evidence)


def test_a_question_is_not_planned_unless_its_source_has_nothing_else() -> None:
    question = "Will the Halden ferry crews walk out again on Monday over the pay dispute?"
    texts = [SOURCES[0], f"{question} {SOURCES[1]}", SOURCES[2]]
    planned = [e.text for s in plan_brief(sources(texts), settings()).slots for e in s.evidence]
    assert planned and question not in planned
    only = "Will the ferry crews in Halden walk out again over the pay dispute next week?"
    plan = plan_brief(sources([*SOURCES[:3], only]), settings(target_sentences=4))
    assert only in [e.text for s in plan.slots for e in s.evidence], "the floor still hears it"


def test_focus_changes_the_plan() -> None:
    plain = plan_brief(sources(), settings(target_sentences=5))
    focused = plan_brief(sources(), settings(target_sentences=5, focus="bakery free coffee pier"))
    text = [" ".join(e.text for e in s.evidence) for s in focused.slots]
    assert any("bakery" in t for t in text)
    assert plain != focused


def test_the_same_input_gives_the_same_plan() -> None:
    first = plan_brief(sources(), settings())
    again = plan_brief([s.model_copy(deep=True) for s in sources()], settings())
    assert first == again and first.model_dump_json() == again.model_dump_json()


def test_paragraphs_lead_then_groups() -> None:
    plan = plan_brief(sources(), settings())
    paragraphs = [s.paragraph for s in plan.slots]
    assert paragraphs == sorted(paragraphs) and paragraphs[:2] == [0, 0] and max(paragraphs) >= 1


def test_the_schema_refuses_a_citation_outside_the_slot() -> None:
    model = slot_model((0, 2))
    schema = model.model_json_schema()
    assert schema["properties"]["source_ids"]["items"]["enum"] == [0, 2]
    ok = model.model_validate(
        {"text": "Crews walked out.", "source_ids": [2]}, context={"source_ids": [0, 2]}
    )
    assert ok.source_ids == [2]
    with pytest.raises(ValidationError, match="is not in this sentence's evidence"):
        model.model_validate(
            {"text": "Crews walked out.", "source_ids": [1]}, context={"source_ids": [0, 2]}
        )


def _writer(bad_slot_text: str) -> Any:
    def answer(name: str, messages: Messages) -> dict[str, Any]:
        if name == "BriefTitle":
            return {"title": "Halden ferry crews strike"}
        evidence = messages[-1]["content"]
        if "six percent" in evidence:
            return {"text": bad_slot_text, "source_ids": [1]}
        first = evidence.split('<source id="', 1)[1]
        source_id, text = first.split('">\n', 1)
        return {"text": text.split("\n</source>", 1)[0], "source_ids": [int(source_id)]}

    return answer


def _judge(messages: Messages) -> float:
    content = messages[-1]["content"]
    return 0.0 if "nine percent" in content.split("<claim>", 1)[1] else 1.0


async def test_a_slot_whose_rewrite_fails_is_back_filled_not_dropped(tmp_path: Path) -> None:
    wrong = "The union wants a raise of nine percent for the crews."
    fake = FakeModel(answer=_writer(wrong), judge=_judge)
    chosen = Settings(home=tmp_path, cache=False, lexical_weight=0.0, check_penalty=1.0)
    usable = sources()
    plan = plan_brief(usable, chosen)
    written = await write_brief(plan, usable, fake, chosen)
    assert written.title == "Halden ferry crews strike"
    verified = await verify_summary(written, fake, chosen)
    repaired = await repair_summary(verified, fake, chosen)
    assert len(repaired.shown_sentences) == len(plan.slots), "every slot is filled"
    union = next(s for s in repaired.sentences if "percent" in s.text)
    assert union.extracted and union.status is Status.REPAIRED
    assert union.text == next(
        " ".join(e.text.split()) for s in plan.slots for e in s.evidence if "six percent" in e.text
    )
    assert union.citations == [1] and union.original_text == wrong
    assert [a.action for a in union.attempts][-1] == "backfill"
    assert isinstance(repaired.plan, Plan) and repaired.plan == plan


async def test_an_attribution_the_evidence_does_not_make_is_cut_before_verification(
    tmp_path: Path,
) -> None:
    """The 1.5B writer adds "according to a study" to evidence that names no study."""
    added = (
        "The union wants a raise of six percent for all deck and engine staff, "
        "according to a study."
    )
    fake = FakeModel(answer=_writer(added), judge=lambda messages: 1.0)
    chosen = Settings(home=tmp_path, cache=False)
    usable = sources()
    written = await write_brief(plan_brief(usable, chosen), usable, fake, chosen)
    union = next(s for s in written.sentences if "six percent" in s.text)
    assert union.text == "The union wants a raise of six percent for all deck and engine staff."
    assert union.citations == [1] and not union.extracted
