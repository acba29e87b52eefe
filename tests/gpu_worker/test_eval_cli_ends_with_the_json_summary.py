"""`python -m gpu_worker.eval shapes --json` scores every category and prints the JSON summary last."""

import json

from gpu_worker.eval.__main__ import main as eval_main
from gpu_worker.eval.prompts import CATEGORIES
from gpu_worker.train.__main__ import main as train_main


def test_it_prints_per_category_scores_and_the_summary_as_the_last_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EASEL_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    model = tmp_path / "model"
    # An untrained tiny cascade: the scores are ~0, but every path of the harness runs.
    assert train_main(["export", "--arch", "tiny", "--out", str(model)]) == 0
    capsys.readouterr()

    assert eval_main(["shapes", "--n", "8", "--seed", "4", "--json", "--model", str(model), "--images-per-prompt", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["n"] == 8 and summary["seed"] == 4
    assert set(summary["categories"]) == set(CATEGORIES)
    assert all(0.0 <= v <= 1.0 for v in summary["categories"].values())
    assert 0.0 <= summary["overall"] <= 1.0
    assert summary["seconds"] > 0
    assert summary["world"] == "stage1"
    assert any("not comparable with real GenEval" in line for line in lines)
