"""A stage whose resident memory passes --max-rss-gb saves and exits 75, and a rerun carries on.

The decoder's training process once grew to 18 GB in 1 h 45 min and thrashed the
machine; scripts/train_bundled.sh now restarts a stage that exits 75.
"""

from gpu_worker.train.__main__ import main
from gpu_worker.train.common import EXIT_RESTART, Checkpointer, StopFlag, resident_bytes


def test_resident_memory_is_read_from_proc():
    assert resident_bytes() > 10 * 2**20


def test_a_stage_over_its_memory_limit_saves_and_asks_for_a_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("EASEL_CHECKPOINT_DIR", str(tmp_path))
    args = ["super_res_first", "--arch", "tiny", "--steps", "3", "--batch-size", "2", "--no-bf16"]
    assert main([*args, "--max-rss-gb", "0.01"]) == EXIT_RESTART
    stopped = Checkpointer("super_res_first").load()
    assert stopped["step"] < 3
    assert main([*args, "--max-rss-gb", "1000"]) == 0
    assert Checkpointer("super_res_first").load()["step"] == 3


def test_a_signal_is_a_stop_not_a_restart():
    stop = StopFlag(max_rss_gb=0.01)
    try:
        stop._handle(15, None)
        assert stop.requested
        assert stop.exit_code == 0
    finally:
        stop.restore()
