"""A small offline prompt classifier: the safety net behind the term lists.

Term lists miss phrasings they have not seen ("a girl with no top on"). This
softmax regression over word, word-pair and character n-grams of the
normalised prompt is trained on our own labelled prompts (moderation/eval/*.tsv)
by ``python -m moderation.eval.train_classifier`` and stored as a small .npz in
moderation/data/. It only ever adds refusals, and only above a high
probability, so the allow phrases and the traps stay the lists' business.

Only features seen in training count. The model stores its vocabulary (every
n-gram that occurred in at least two training prompts) next to the weights; an
n-gram outside it adds nothing to any class, and still counts in the
normalisation, so a prompt of unseen words ("seq 3f9a0c…", a serial number)
scores the prior and is never refused. (An earlier version hashed features into
65,536 buckets: unseen n-grams then borrowed the weights of whatever trained
n-gram shared their bucket, and about one random hex string in 750 was refused.)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from moderation.lib.normalize import Token

CLASSES = ("allowed", "sexual", "violence", "hate", "self_harm", "illegal")
MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "prompt_classifier.npz"
SEMANTIC_CLASSES_PATH = Path(__file__).resolve().parent.parent / "data" / "semantic_classes.tsv"


@lru_cache(maxsize=1)
def semantic_classes() -> dict[str, tuple[str, ...]]:
    """word → its WordNet-derived classes (KILL, ANIMAL, DRUG, …; moderation/eval/build_semantic_classes.py)."""
    out: dict[str, tuple[str, ...]] = {}
    if not SEMANTIC_CLASSES_PATH.exists():
        return out
    for line in SEMANTIC_CLASSES_PATH.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, _, names = line.partition("\t")
            out[word] = tuple(names.split(","))
    return out


def features(tokens: list[Token | None], *, only_classes: bool = False) -> set[str]:
    """The prompt's n-grams, each counted once: a word repeated 500 times is one word.

    Beside each word, its semantic classes ("s:KILL") and every pair of classes
    in the prompt ("p:ANIMAL+KILL"): what training taught about "strangling a
    puppy" then carries over to "drowning a kitten", words it never saw.
    `only_classes` leaves out the words that have a class (training's second view).
    """
    words = [t.text for t in tokens if t is not None]
    out: set[str] = set()
    lexicon = semantic_classes()
    present: set[str] = set()
    for w in words:
        present.update(lexicon.get(w, ()))
    if only_classes:
        # Training's second view of a prompt: its words that have a class are
        # known by their class alone, as an unseen word of that class would be.
        words = [w for w in words if w not in lexicon]
    for name in present:
        out.add("s:" + name)
    ordered = sorted(present)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            out.add(f"p:{a}+{b}")
    for i, w in enumerate(words):
        out.add("w:" + w)
        if i:
            out.add("b:" + words[i - 1] + " " + w)
        if len(w) > 20:
            continue  # no character n-grams of runs like "xxxxxxxx…": they are not words
        padded = f"<{w}>"
        for n in (3, 4, 5):
            for j in range(len(padded) - n + 1):
                out.add(f"c{n}:" + padded[j : j + n])
    return out


class Model:
    """Vocabulary (feature → row), weights per class, biases."""

    def __init__(self, vocab: list[str], W: np.ndarray, b: np.ndarray):
        self.index = {f: i for i, f in enumerate(vocab)}
        self.W = W.astype(np.float32)
        self.b = b.astype(np.float32)

    def save(self, path: Path) -> None:
        vocab = sorted(self.index, key=self.index.get)
        blob = np.frombuffer("\n".join(vocab).encode(), dtype=np.uint8)
        np.savez_compressed(path, vocab=blob, W=self.W.astype(np.float16), b=self.b)

    @classmethod
    def load(cls, path: Path) -> Model:
        data = np.load(path)
        vocab = data["vocab"].tobytes().decode().split("\n")
        if len(vocab) != data["W"].shape[0]:
            raise ValueError(f"{path}: {len(vocab)} features but {data['W'].shape[0]} weight rows")
        return cls(vocab, data["W"], data["b"])

    def logits(self, feats: set[str]) -> np.ndarray:
        rows = [i for i in map(self.index.get, feats) if i is not None]
        # Divided by the square root of all the prompt's features, known or not:
        # unseen words dilute what the known ones say instead of being ignored.
        return self.W[rows].sum(axis=0) / np.sqrt(max(len(feats), 1)) + self.b


@lru_cache(maxsize=1)
def _model() -> Model | None:
    if not MODEL_PATH.exists():
        return None
    return Model.load(MODEL_PATH)


def load() -> None:
    """Read the model and the word classes now rather than on the first prompt."""
    _model()
    semantic_classes()


def predict(tokens: list[Token | None]) -> dict[str, float] | None:
    """Class probabilities, or None when no model is installed."""
    model = _model()
    if model is None:
        return None
    if len({t.text for t in tokens if t is not None}) < 2:
        return None  # one word is the lists' call, not a guess from its letters
    feats = features(tokens)
    if not feats:
        return None
    logits = model.logits(feats)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return {c: float(v) for c, v in zip(CLASSES, p, strict=True)}
