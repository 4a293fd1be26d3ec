"""Token counts as the embedded model's server sees them, without running the model.

The GGUF is opened for its vocabulary only (no weights loaded, well under a
second), and chat messages are rendered with Qwen's ChatML template, which is
what llama.cpp applies for this model. Shared by the benchmarks that compare
judge prompts with whole-document prompts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from llama_cpp import Llama

from summarizer.llm.model_file import MODEL_FILENAME
from summarizer.models import Source, Span
from summarizer.settings import Settings


class ChatTokens:
    def __init__(self, model_path: Path) -> None:
        self._llama = Llama(model_path=str(model_path), vocab_only=True, verbose=False)

    @classmethod
    def for_settings(cls, settings: Settings, model: Path | None = None) -> ChatTokens | None:
        """The embedded model's tokenizer, or None when its file is not there."""
        path = model or settings.models_dir / MODEL_FILENAME
        return cls(path) if path.is_file() else None

    def text(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def chat(self, messages: Sequence[dict[str, str]]) -> int:
        rendered = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return self.text(rendered + "<|im_start|>assistant\n")

    def static_prefix(self, messages: Sequence[dict[str, str]]) -> int:
        """Tokens of every message but the last: what llama.cpp reuses from its KV cache."""
        return self.chat(messages[:-1]) - self.chat([])


def whole_documents(sources: Sequence[Source]) -> list[Span]:
    """Each source as one span covering its whole text: "send the whole cited documents"."""
    return [Span(source_id=s.id, start=0, end=len(s.text), text=s.text) for s in sources]
