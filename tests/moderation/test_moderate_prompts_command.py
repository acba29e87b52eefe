"""`manage.py moderate_prompts`: prompts on stdin, one JSON verdict per line on stdout."""

import io
import json

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_it_writes_one_verdict_per_prompt(monkeypatch, capsys):
    prompts = ["an otter in a hat", "a nude woman", "Joe Biden", "cut myself", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(prompts) + "\n"))
    call_command("moderate_prompts")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["prompt"] for line in lines] == prompts
    assert lines[0] == {"prompt": "an otter in a hat", "allowed": True, "category": None}
    assert lines[1] == {"prompt": "a nude woman", "allowed": False, "category": "sexual"}
    assert lines[2]["category"] == "public_figure"
    assert lines[3]["category"] == "self_harm"
    assert lines[4]["allowed"] is True
