"""ShapesEval's checks, run through the scene parser, accept a rendered correct answer for every item."""

from gpu_worker.eval.prompts import CATEGORIES, draw_items
from gpu_worker.world.parser import parse_scene
from gpu_worker.world.render import render_scene
from gpu_worker.world.spec import STAGE1


def test_every_item_accepts_its_rendered_answer_key():
    items = draw_items(STAGE1, 48, seed=3)
    assert {item.category for item in items} == set(CATEGORIES)
    failures = [
        (item.category, item.prompt)
        for item in items
        if not item.check(parse_scene(render_scene(item.example, 256), STAGE1))
    ]
    assert failures == []


def test_items_are_a_function_of_the_seed():
    first = [(i.category, i.prompt) for i in draw_items(STAGE1, 16, seed=5)]
    again = [(i.category, i.prompt) for i in draw_items(STAGE1, 16, seed=5)]
    other = [(i.category, i.prompt) for i in draw_items(STAGE1, 16, seed=6)]
    assert first == again
    assert first != other


def test_an_empty_image_fails_every_object_check():
    import numpy as np

    blank = np.full((256, 256, 3), 245, np.uint8)
    parsed = parse_scene(blank, STAGE1)
    assert parsed.objects == ()
    assert not any(item.check(parsed) for item in draw_items(STAGE1, 16, seed=1))
