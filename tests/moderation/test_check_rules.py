"""moderation/eval/check_rules.py: a candidate rule joins the lists only if it refuses
no prompt that must pass, and an allow phrase only if it frees no prompt that must not."""

import io

import pytest

from moderation.eval.check_rules import check, read_candidates, write

pytestmark = pytest.mark.django_db

PROMPTS = [
    ("allowed", "a chef slicing onions on a wooden board"),
    ("allowed", "a glass of pomegranate juice on a table"),
    ("violence", "a man slicing off his neighbour's ear, blood everywhere"),
    # A made-up verb, so that no listed rule refuses it before the candidate does.
    ("violence", "the crowd zorbled until the jaw of the statue shone"),
]


def test_a_rule_that_refuses_an_innocent_prompt_is_dropped_and_a_good_one_kept():
    out = io.StringIO()
    kept = check(
        [("violence", "slicing", False), ("violence", "zorbled|zorbling & until & jaw", False)],
        PROMPTS,
        out,
    )
    assert kept == [("violence", "zorbled|zorbling & until & jaw", False)]
    report = out.getvalue()
    assert "dropped violence\tslicing\t(refuses: a chef slicing onions" in report
    assert "kept violence\tzorbled|zorbling & until & jaw\tnewly refuses 1" in report


def test_an_allow_phrase_that_frees_a_refused_prompt_is_dropped():
    out = io.StringIO()
    kept = check([("allow", "blood everywhere", False), ("allow", "pomegranate juice", False)], PROMPTS, out)
    assert kept == [("allow", "pomegranate juice", False)]
    assert "lets through: a man slicing off" in out.getvalue()


def test_listed_and_malformed_candidates(tmp_path):
    out = io.StringIO()
    assert check([("allow", "killer whale", False)], PROMPTS, out) == []
    assert "already listed" in out.getvalue()
    bad = tmp_path / "bad.tsv"
    bad.write_text("violence stomping\n")
    with pytest.raises(ValueError):
        read_candidates(bad)
    good = tmp_path / "good.tsv"
    good.write_text("# a comment\nviolence\t~Jaw Breaks\n")
    assert read_candidates(good) == [("violence", "jaw breaks", True)]


def test_write_appends_under_a_note(tmp_path, monkeypatch):
    from moderation import seed

    (tmp_path / "terms").mkdir()
    (tmp_path / "terms" / "violence.txt").write_text("# Violence.\nbeheaded")
    monkeypatch.setattr(seed, "DATA_DIR", tmp_path)
    write([("violence", "jaw breaks", True)], "a note")
    lines = (tmp_path / "terms" / "violence.txt").read_text().splitlines()
    assert lines[:2] == ["# Violence.", "beheaded"]
    assert lines[2].startswith("# a note (")
    assert lines[3] == "~jaw breaks"


def test_an_alias_that_names_someone_in_an_innocent_prompt_is_dropped():
    from moderation.eval.check_rules import check_figures

    prompts = [
        ("allowed", "a rose garden in June"),
        ("public_figure", "the zorblax founder waving at a crowd"),
    ]
    out = io.StringIO()
    kept = check_figures(
        [
            ("Rosé Zorbl", ["rose", "zorblax founder"], "KR", "celebrities"),  # "rose": a given name, left out
            ("Mark Zuckerberg", ["founder of zorbface", "rose garden"], "US", "business"),
        ],
        prompts,
        out,
    )
    assert kept["Rosé Zorbl"][0] == ["Rosé Zorbl", "zorblax founder"] and kept["Rosé Zorbl"][3] is False
    assert kept["Mark Zuckerberg"][0] == ["founder of zorbface"] and kept["Mark Zuckerberg"][3] is True
    assert "dropped Mark Zuckerberg: rose garden" in out.getvalue()
    assert "1 refused prompts newly caught" in out.getvalue()


def test_write_figures_adds_aliases_to_the_listed_line_and_new_people_under_a_note(tmp_path, monkeypatch):
    from moderation import seed
    from moderation.eval.check_rules import write_figures

    folder = tmp_path / "public_figures"
    folder.mkdir()
    (folder / "business.txt").write_text(
        "# Business.\n[business]\n# Zorb Ash | an old line, commented out | US\nZorb Ash | Ash | US\n"
    )
    monkeypatch.setattr(seed, "DATA_DIR", tmp_path)
    write_figures(
        {
            "Zorb Ash": (["founder of zorbco"], "US", "business", True),
            "Quill Vane": (["Quill Vane", "the zorbco rival"], "FR", "business", False),
        },
        "a note",
    )
    lines = (folder / "business.txt").read_text().splitlines()
    assert lines[2] == "# Zorb Ash | an old line, commented out | US"
    assert lines[3] == "Zorb Ash | Ash; founder of zorbco | US"
    assert lines[4].startswith("# a note (")
    assert lines[5] == "Quill Vane | the zorbco rival | FR"


def test_write_figures_files_a_new_person_under_the_section_of_their_kind(tmp_path, monkeypatch):
    # The files are named by the plural ("celebrities.txt" holds [celebrity]); a new
    # person once went to a new "celebrity.txt" instead.
    from moderation import seed
    from moderation.eval.check_rules import write_figures

    folder = tmp_path / "public_figures"
    folder.mkdir()
    (folder / "celebrities.txt").write_text("# Stars.\n[celebrity]\nZed Star | Zed | US\n")
    (folder / "royals_religious.txt").write_text("[royal]\nKing Zog | Zog | AL\n[religious]\nAbbot Ott | Ott | IT\n")
    monkeypatch.setattr(seed, "DATA_DIR", tmp_path)
    write_figures(
        {
            "Quill Vane": (["Quill Vane", "the vane singer"], "FR", "celebrity", False),
            "Queen Ulla": (["Queen Ulla"], "SE", "royal", False),
        },
        "a note",
    )
    assert sorted(p.name for p in folder.iterdir()) == ["celebrities.txt", "royals_religious.txt"]
    assert (folder / "celebrities.txt").read_text().splitlines()[-1] == "Quill Vane | the vane singer | FR"
    royal = (folder / "royals_religious.txt").read_text().splitlines()
    # [religious] came last, so the royal gets a [royal] line of her own.
    assert royal[-3] == "[royal]"
    assert royal[-2].startswith("# a note (")
    assert royal[-1] == "Queen Ulla |  | SE"
    figures = {f["name"]: f["kind"] for f in seed.read_public_figures()}
    assert figures["Queen Ulla"] == "royal"
    assert figures["Abbot Ott"] == "religious"
