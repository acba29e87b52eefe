"""`make bench` rewrites only its own sections of docs/benchmarks.md, and the batching bench runs end to end."""

from __future__ import annotations

import json

from gpu_worker.bench import MARK_END, MARK_START, BatchingResult, batching, write_markdown


def _write(path, seconds: float) -> None:
    write_markdown(path, command="make bench", machine_line="test machine", requests={256: [seconds]}, model="m", result=None,
                   batched=BatchingResult(size=256, requests=4, sequential_runs=[2.0], batched_runs=[1.0], max_pixel_diff=0))


def test_a_second_run_replaces_its_section_and_keeps_the_rest(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\nIntro.\n\n## Images API overhead\n\nAPI figures.\n")

    _write(path, 6.5)
    _write(path, 7.25)

    text = path.read_text()
    assert text.count(MARK_START) == 1 and text.count(MARK_END) == 1
    assert "7.25" in text and "6.50" not in text
    assert "Intro." in text and "API figures." in text
    assert "Gain: **2.00x**" in text


def test_the_batching_bench_times_both_ways_and_compares_the_images(capsys):
    result = batching(size=256, requests=2, runs=1, preset="tiny-random")

    assert len(result.sequential_runs) == len(result.batched_runs) == 1
    # bf16 autocast (the CPU default): a larger batch moves a few last bits, not the picture.
    assert result.max_pixel_diff < 16
    assert set(json.loads(result.line())) == {"size", "requests", "sequential_images_per_s", "batched_images_per_s", "gain", "max_pixel_diff"}
