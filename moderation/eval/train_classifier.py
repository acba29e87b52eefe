"""Train the prompt classifier on our labelled prompts and save it.

    .venv/bin/python -m moderation.eval.train_classifier [--exclude moderation/eval/heldout3.tsv] [--out PATH]

Public-figure rows are left out: names are the list's and the detector's job.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy import sparse

from moderation.lib.classifier import CLASSES, DIM, MODEL_PATH, features
from moderation.lib.normalize import tokenize

HERE = Path(__file__).resolve().parent


def rows(paths, exclude=()):
    skip = set()
    for p in exclude:
        for line in Path(p).read_text().splitlines():
            if line and not line.startswith("#"):
                skip.add(line.partition("\t")[2])
    out = []
    for p in paths:
        for line in Path(p).read_text().splitlines():
            if not line or line.startswith("#"):
                continue
            cat, _, prompt = line.partition("\t")
            if cat == "public_figure" or prompt in skip:
                continue
            out.append((CLASSES.index(cat), prompt))
    return out


def train(data, *, epochs=1500, lr=8.0, l2=1e-5):  # full-batch gradient descent: ~1 s
    n = len(data)
    indptr, indices = [0], []
    for _, prompt in data:
        f = features(tokenize(prompt))
        indices.extend(f)
        indptr.append(len(indices))
    X = sparse.csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(n, DIM))
    X = sparse.diags(1 / np.sqrt(np.maximum(np.diff(X.indptr), 1))) @ X
    y = np.array([c for c, _ in data])
    Y = np.eye(len(CLASSES), dtype=np.float32)[y]
    # Allowed prompts weigh more: a false refusal costs more than a miss the lists may catch.
    weight = np.where(y == 0, 2.0, 1.0).astype(np.float32)[:, None]
    W = np.zeros((DIM, len(CLASSES)), np.float32)
    b = np.zeros(len(CLASSES), np.float32)
    for _ in range(epochs):
        logits = X @ W + b
        logits -= logits.max(axis=1, keepdims=True)
        P = np.exp(logits)
        P /= P.sum(axis=1, keepdims=True)
        G = (P - Y) * weight / n
        W -= lr * (X.T @ G + l2 * W)
        b -= lr * G.sum(axis=0)
    return W, b


def main(argv):
    exclude = [argv[i + 1] for i, a in enumerate(argv) if a == "--exclude"]
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else MODEL_PATH
    data = rows([HERE / "prompts.tsv"], exclude)
    W, b = train(data)
    np.savez_compressed(out, W=W.astype(np.float16), b=b)
    print(f"trained on {len(data)} prompts → {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(sys.argv[1:])
