"""The shared text kernel: pure string functions every stage may use.

- ``sentences``: the one sentence splitter (pysbd in bounded windows);
- ``lexical``: tokenizer, BM25, frequent terms and word overlap;
- ``centrality``: TF-IDF cosine and LexRank for extractive selection;
- ``cited``: the rules for the text of a cited sentence (drafting, rewriting);
- ``fences``: untrusted text fenced as data inside prompts;
- ``clean``: escapes, controls and markdown made safe to show;
- ``urls``: canonical URLs for comparison, redaction for display.

Nothing here imports another part of the package, so every layer may import it.
"""
