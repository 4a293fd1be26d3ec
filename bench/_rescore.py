"""Rescoring a saved verifier run under a judging policy (bench only).

``second_look.py`` and ``atomic_facts.py`` each judge some sentences of the saved
``bench/verifier.py`` run again and ask how the verifier would have scored had it used
those judgements. What they share lives here: a copy of the run with the policy's P(yes)
put in, the row of figures per policy, and the table they print.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from judge_prior import summarise
from verifier import LABELLED, ItemRecord, SentenceRecord, at_defaults

Rescore = Callable[[str, str, int, SentenceRecord], None]
"""Changes one sentence record in place: set name, item id, sentence index, record."""


def rescored(data: dict[str, list[ItemRecord]], rescore: Rescore) -> dict[str, list[ItemRecord]]:
    """A deep copy of ``data`` with ``rescore`` applied to every sentence record."""
    out = copy.deepcopy(data)
    for name, records in out.items():
        for record in records:
            for index, sentence in enumerate(record.sentences):
                rescore(name, record.id, index, sentence)
    return out


def policy_row(scored: dict[str, list[ItemRecord]], keys: Iterable[str]) -> dict[str, Any]:
    """Cross-set and CV figures of ``scored`` plus ``keys`` of each set at the defaults."""
    defaults = at_defaults(scored)
    wanted = tuple(keys)
    return summarise(scored) | {
        "at_defaults": {
            name: {k: defaults[name][k] for k in wanted if k in defaults[name]}
            for name in scored
            if name in LABELLED or name == "leads"
        },
    }


HEAD = (
    f"{'SummEval':>9} {'FactCC':>7} {'para':>6} {'mean':>6} {'CV':>6}"
    f" {'CV rej':>7} {'para@def':>8} {'rej@def':>7} {'leads':>6}"
)
NOTE = "   (full verifier; cross-set thresholds unless @def)"


def cells(row: Mapping[str, Any]) -> str:
    """The figures under ``HEAD`` for one policy row."""
    cross = row["cross"]
    cv = row["paraphrase_cv"]["full"]
    para = row["at_defaults"]["paraphrase"]
    return (
        f"{cross['summeval']['full']:>9.3f} {cross['factcc']['full']:>7.3f}"
        f" {cross['paraphrase']['full']:>6.3f} {row['mean_cross_full']:>6.3f}"
        f" {cv['balanced_accuracy']:>6.3f} {cv['false_rejection']:>7.3f}"
        f" {para['balanced_accuracy']:>8.3f} {para['false_rejection']:>7.3f}"
        f" {row['at_defaults']['leads']['supported']:>6.3f}"
    )
