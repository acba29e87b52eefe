"""Train the prompt classifier on our labelled prompts and save it.

    .venv/bin/python -m moderation.eval.train_classifier [--exclude moderation/eval/heldout8.tsv] [--out PATH]

Public-figure rows are left out: names are the list's and the detector's job.
The vocabulary is every n-gram found in at least MIN_DF training prompts; the
model knows nothing else (see moderation/lib/classifier.py).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

from moderation.eval.ordinary import ordinary_prompts
from moderation.lib.classifier import CLASSES, MODEL_PATH, Model, features
from moderation.lib.matching import TermMatcher, compile_rule, parse_groups
from moderation.lib.normalize import tokenize
from moderation.seed import DATA_DIR, read_terms

HERE = Path(__file__).resolve().parent
MIN_DF = 2
ORDINARY_TRAINING, ORDINARY_SEED = 4000, 1000


def rows(paths, exclude=()):
    skip = set()
    for p in exclude:
        for line in Path(p).read_text().splitlines():
            if line and not line.startswith("#"):
                skip.add(line.partition("\t")[2])
    out, seen = [], set()
    for p in paths:
        for line in Path(p).read_text().splitlines():
            if not line or line.startswith("#"):
                continue
            cat, _, prompt = line.partition("\t")
            if cat == "public_figure" or prompt in skip or prompt in seen:
                continue
            seen.add(prompt)
            out.append((CLASSES.index(cat), prompt))
    return out


def site_view_matcher() -> TermMatcher:
    """The seeded allow phrases and ambiguous terms, to show the classifier each prompt as the site does.

    On the site the classifier never sees the words of an allow phrase, nor those
    of an ambiguous term (it judges the rest of the prompt, see
    services.check_prompt); in training they are set aside the same way.
    """
    groups = parse_groups((DATA_DIR / "groups.txt").read_text().splitlines())
    allow, ambiguous = [], []
    for c, p, amb in read_terms():
        if c == "allow":
            allow.append(compile_rule(c, p, groups))
        elif amb and c != "allow_name":
            ambiguous.append(compile_rule(c, p, groups, ambiguous=True))
    return TermMatcher([r for r in ambiguous if r is not None], [r for r in allow if r is not None])


def site_view(matcher: TermMatcher, prompt: str):
    tokens = tokenize(prompt)
    masked = matcher.masked_tokens(tokens)
    for hit in matcher.match_spans(tokens):
        for j in range(hit.start, hit.end):
            masked[j] = None
    return masked


def train(
    data, *, epochs=1500, lr=8.0, l2=1e-5, min_df=MIN_DF
):  # full-batch gradient descent: seconds
    matcher = site_view_matcher()
    views = [site_view(matcher, prompt) for _, prompt in data]
    feats = [features(view) for view in views]
    # Each prompt a second time with its class-bearing words seen by their class
    # alone ("strangling a puppy" as KILL, ANIMAL, KILL+ANIMAL): otherwise the
    # words themselves take all the weight, and a word never seen in training
    # ("drowning a kitten") would get nothing from its class.
    extra = [(i, features(view, only_classes=True)) for i, view in enumerate(views)]
    extra = [(i, f) for i, f in extra if f != feats[i] and any(x.startswith("s:") for x in f)]
    data = list(data) + [data[i] for i, _ in extra]
    feats += [f for _, f in extra]
    df = Counter(f for fs in feats for f in fs)
    vocab = sorted(f for f, n in df.items() if n >= min_df)
    index = {f: i for i, f in enumerate(vocab)}
    indptr, indices, values = [0], [], []
    for fs in feats:
        known = [index[f] for f in fs if f in index]
        indices.extend(known)
        # The same normalisation as Model.logits: all the prompt's features count.
        values.extend([1 / np.sqrt(max(len(fs), 1))] * len(known))
        indptr.append(len(indices))
    X = sparse.csr_matrix(
        (np.array(values, np.float32), indices, indptr), shape=(len(data), len(vocab))
    )
    y = np.array([c for c, _ in data])
    Y = np.eye(len(CLASSES), dtype=np.float32)[y]
    # Allowed prompts weigh more: a false refusal costs more than a miss the lists may catch.
    weight = np.where(y == 0, 2.0, 1.0).astype(np.float32)[:, None]
    n = len(data)
    W = np.zeros((len(vocab), len(CLASSES)), np.float32)
    b = np.zeros(len(CLASSES), np.float32)
    for _ in range(epochs):
        logits = X @ W + b
        logits -= logits.max(axis=1, keepdims=True)
        P = np.exp(logits)
        P /= P.sum(axis=1, keepdims=True)
        G = (P - Y) * weight / n
        W -= lr * (X.T @ G + l2 * W)
        b -= lr * G.sum(axis=0)
    return Model(vocab, W, b)


def main(argv):
    exclude = [argv[i + 1] for i, a in enumerate(argv) if a == "--exclude"]
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else MODEL_PATH
    data = rows([HERE / "prompts.tsv"], exclude)
    # Ordinary prompts of the site (captions of the bundled model's world, common
    # templates), from a seed the tests do not use: colour words such as "white
    # squares on black" must not read as hate.
    seen = {p for _, p in data}
    data += [
        (0, p)
        for p in dict.fromkeys(ordinary_prompts(ORDINARY_TRAINING, seed=ORDINARY_SEED))
        if p not in seen
    ]
    model = train(data)
    model.save(out)
    print(
        f"trained on {len(data)} prompts, {len(model.index)} features → {out} ({out.stat().st_size // 1024} KB)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
