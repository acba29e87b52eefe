"""A small offline prompt classifier: the safety net behind the term lists.

Term lists miss phrasings they have not seen ("a girl with no top on"). This
softmax regression over hashed word and character n-grams of the normalised
prompt is trained on our own labelled prompts (moderation/eval/*.tsv) by
``python -m moderation.eval.train_classifier`` and stored as a small .npz in
moderation/data/. It only ever adds refusals, and only above a high
probability, so the allow phrases and the traps stay the lists' business.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from moderation.lib.normalize import Token

DIM = 1 << 16
CLASSES = ("allowed", "sexual", "violence", "hate", "self_harm", "illegal")
MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "prompt_classifier.npz"


def _h(feature: str) -> int:
    return zlib.crc32(feature.encode()) & (DIM - 1)


def features(tokens: list[Token]) -> list[int]:
    """Hashed features, each counted once: a word repeated 500 times is one word."""
    words = [t.text for t in tokens if t is not None]
    out = set()
    for i, w in enumerate(words):
        out.add(_h("w:" + w))
        if i:
            out.add(_h("b:" + words[i - 1] + " " + w))
        if len(w) > 20:
            continue  # no character n-grams of runs like "xxxxxxxx…": they are not words
        padded = f"<{w}>"
        for n in (3, 4, 5):
            for j in range(len(padded) - n + 1):
                out.add(_h(f"c{n}:" + padded[j : j + n]))
    return sorted(out)


@lru_cache(maxsize=1)
def _model():
    if not MODEL_PATH.exists():
        return None
    data = np.load(MODEL_PATH)
    return data["W"].astype(np.float32), data["b"].astype(np.float32)


def predict(tokens: list[Token]) -> dict[str, float] | None:
    """Class probabilities, or None when no model is installed."""
    model = _model()
    if model is None:
        return None
    W, b = model
    if len({t.text for t in tokens if t is not None}) < 2:
        return None  # one word is the lists' call, not a guess from its letters
    idx = features(tokens)
    if not idx:
        return None
    logits = W[idx].sum(axis=0) / np.sqrt(len(idx)) + b
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return {c: float(v) for c, v in zip(CLASSES, p, strict=True)}
