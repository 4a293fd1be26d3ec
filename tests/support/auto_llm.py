"""A deterministic stand-in model for the scripted server, for whole-pipeline tests.

It reads the real prompts our code sends, so what it answers depends on them:
- a draft request (tool ``Draft``): one sentence per source, copied from that
  source's first passage line ``[S<i>.0] ...``, citing source ``i`` — plus, when
  ``bogus`` is set, one sentence the sources do not contain;
- a judge request (``logprobs``): "Yes" exactly when every content word of the
  claim occurs in the evidence, "No" otherwise — a real (lexical) judgement;
- a planned sentence (tool ``SlotSentence``): its first evidence block copied, citing
  that block's source;
- a title (tool ``BriefTitle``): a fixed headline;
- any other structured request (rewrite): the first evidence line it was shown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from support.openai_server import Reply, Request, last_user_text, text_reply, tool_name, tool_reply

_PASSAGE = re.compile(r"^\[S(\d+)\.(\d+)\] (.+)$", re.MULTILINE)
_WORD = re.compile(r"[a-z0-9]+")
_SOURCE_BLOCK = re.compile(r'<source id="(\d+)">\n(.*?)\n</source>', re.DOTALL)
_TAG = re.compile(r"<(evidence|claim)>\s*(.*?)\s*</\1>", re.DOTALL)

BOGUS = "The mayor resigned after the barrier failed on Sunday."


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 3}


def _all_text(request: Request) -> str:
    return "\n".join(str(m.get("content") or "") for m in request.get("messages", []))


class AutoModel:
    def __init__(self, *, bogus: bool = False) -> None:
        self.bogus = bogus
        self.judged: list[tuple[str, bool]] = []

    def __call__(self, request: Request) -> Reply:
        name = tool_name(request)
        if request.get("logprobs"):
            return self._judge(request)
        if name == "Draft":
            return self._draft(request)
        if name == "SlotSentence":
            blocks = _SOURCE_BLOCK.findall(last_user_text(request))
            source_id, text = blocks[0] if blocks else ("0", "The barrier closed.")
            return tool_reply(name, {"text": text.strip(), "source_ids": [int(source_id)]})
        if name == "BriefTitle":
            return tool_reply(name, {"title": "Barrier passes first storm test"})
        if name:
            return self._rewrite(request, name)
        return text_reply("ok")

    def _draft(self, request: Request) -> Reply:
        sentences: list[dict[str, Any]] = []
        for source_id, index, text in _PASSAGE.findall(last_user_text(request)):
            if index == "0":
                sentences.append(
                    {"text": text.strip(), "source_ids": [int(source_id)], "evidence": []}
                )
        if self.bogus:
            sentences.append({"text": BOGUS, "source_ids": [0], "evidence": []})
        return tool_reply("Draft", {"title": "Barrier passes first test", "sentences": sentences})

    def _judge(self, request: Request) -> Reply:
        parts = {tag: body for tag, body in _TAG.findall(last_user_text(request))}
        claim, evidence = parts.get("claim", ""), parts.get("evidence", "")
        supported = bool(_words(claim)) and _words(claim) <= _words(evidence)
        self.judged.append((claim, supported))
        if supported:
            return text_reply("Yes", top_logprobs={"Yes": -0.05, "No": -3.0})
        return text_reply("No", top_logprobs={"No": -0.05, "Yes": -3.0})

    def _rewrite(self, request: Request, name: str) -> Reply:
        lines = [text for _s, _i, text in _PASSAGE.findall(_all_text(request))]
        first = lines[0].strip() if lines else "The barrier closed."
        return tool_reply(name, json.dumps({"text": first, "source_ids": [0]}))
