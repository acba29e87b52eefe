"""The engine turns GenerationRequests into signed PNGs of the requested size, for every mode."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gpu_worker.engine import Engine, EngineConfig
from gpu_worker.errors import Cancelled, GenerationError, InvalidInput, ModelLoadError
from gpu_worker.interface import GenerationRequest
from gpu_worker.signature import has_signature

FAST = {"prior_steps": 2, "decoder_steps": 2, "super_res_steps": 2, "super_res_1024_steps": 2}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_config(EngineConfig(preset="tiny-random", device="cpu", precision="fp32"))


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def picture_with_hole(size: int = 256) -> Image.Image:
    image = Image.new("RGBA", (size, size), (200, 40, 40, 255))
    image.paste((0, 0, 0, 0), (size // 4, size // 4, size // 2, size // 2))
    return image


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_generation_returns_n_signed_pngs_of_the_requested_size(engine):
    result = engine.generate(GenerationRequest(mode="generate", prompt="a red circle", size=256, n=4, options=FAST))

    assert len(result.images) == 4
    assert result.model == "easel-tiny-random"
    for data in result.images:
        image = decode(data)
        assert image.format == "PNG" and image.size == (256, 256) and image.mode == "RGB"
        assert has_signature(image)


def test_the_default_tiny_random_request_is_deterministic(engine):
    request = GenerationRequest(mode="generate", prompt="a red circle", size=256, n=4, seed=11)

    first = engine.generate(request)
    second = engine.generate(request)

    assert first.images == second.images


def test_an_edit_keeps_the_opaque_pixels_outside_the_band(engine):
    source = picture_with_hole()

    result = engine.generate(GenerationRequest(mode="edit", prompt="a cat", size=256, n=3, image=png(source), options=FAST))

    assert len(result.images) == 3
    out = decode(result.images[0])
    assert out.getpixel((10, 10)) == (200, 40, 40)
    assert out.getpixel((200, 100)) == (200, 40, 40)


def test_an_edit_with_a_separate_mask_resizes_a_larger_image(engine):
    source = Image.new("RGB", (400, 400), (10, 120, 30))
    mask = Image.new("RGBA", (400, 400), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 400, 100))

    result = engine.generate(GenerationRequest(mode="edit", prompt="sky", size=256, n=1, image=png(source), mask=png(mask), options=FAST))

    out = decode(result.images[0])
    assert out.size == (256, 256)
    assert out.getpixel((128, 200)) == (10, 120, 30)


def test_an_outpainting_canvas_is_an_edit_with_transparent_borders(engine):
    canvas = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    canvas.paste(Image.new("RGBA", (128, 128), (30, 30, 200, 255)), (0, 64))

    result = engine.generate(GenerationRequest(mode="edit", prompt="wider", size=512, n=1, image=png(canvas), options=FAST))

    out = decode(result.images[0])
    assert out.size == (512, 512)
    assert out.getpixel((100, 250)) == (30, 30, 200)


def test_variations_and_interpolations_return_their_images(engine):
    picture = png(Image.new("RGB", (256, 256), (90, 90, 200)))
    other = png(Image.new("RGB", (256, 256), (200, 200, 20)))

    variations = engine.generate(GenerationRequest(mode="variation", size=256, n=3, image=picture, options=FAST))
    strip = engine.generate(GenerationRequest(mode="interpolate", size=256, n=3, image=picture, image2=other, options=FAST))
    to_text = engine.generate(GenerationRequest(mode="interpolate", size=256, n=2, image=picture, prompt2="a cat", options=FAST))

    assert len(variations.images) == 3 and len(strip.images) == 3 and len(to_text.images) == 2
    assert all(decode(d).size == (256, 256) for d in strip.images)


def test_progress_and_cancellation_reach_the_pipeline(engine):
    seen: list[tuple[str, int, int]] = []
    request = GenerationRequest(mode="generate", prompt="a cat", size=256, n=1, options=FAST)

    engine.generate(request, progress=lambda *a: seen.append(a))
    with pytest.raises(Cancelled):
        engine.generate(request, cancel=lambda: True)

    assert seen[0] == ("prior", 1, 2) and seen[-1] == ("super_res_256", 2, 2)


@pytest.mark.parametrize(
    ("request_kwargs", "param"),
    [
        ({"mode": "paint", "prompt": "x"}, "mode"),
        ({"mode": "generate", "prompt": "x", "n": 0}, "n"),
        ({"mode": "generate", "prompt": "x", "n": 11}, "n"),
        ({"mode": "generate", "prompt": "x", "size": 300}, "size"),
        ({"mode": "generate", "prompt": "  "}, "prompt"),
        ({"mode": "generate", "prompt": "x", "options": {"warp": 9}}, "warp"),
        ({"mode": "generate", "prompt": "x", "options": {"decoder_steps": 0}}, "decoder_steps"),
        ({"mode": "variation"}, "image"),
        ({"mode": "variation", "image": b"not a png"}, "image"),
        ({"mode": "interpolate", "image": "PICTURE"}, "image2"),
    ],
)
def test_bad_requests_are_invalid_input_naming_the_parameter(engine, request_kwargs, param):
    if request_kwargs.get("image") == "PICTURE":
        request_kwargs = request_kwargs | {"image": png(Image.new("RGB", (64, 64)))}

    with pytest.raises(InvalidInput) as caught:
        engine.generate(GenerationRequest(**request_kwargs))

    assert caught.value.param == param
    assert caught.value.permanent


def test_an_edit_whose_image_has_no_transparency_and_no_mask_is_invalid(engine):
    opaque = png(Image.new("RGB", (256, 256), (1, 2, 3)))

    with pytest.raises(InvalidInput, match="no fully transparent pixels"):
        engine.generate(GenerationRequest(mode="edit", prompt="x", size=256, n=1, image=opaque))


def test_masks_of_the_wrong_size_or_selecting_nothing_or_everything_are_invalid(engine):
    image = png(Image.new("RGB", (256, 256)))
    wrong_size = png(Image.new("RGBA", (128, 128), (0, 0, 0, 0)))
    all_opaque = png(Image.new("RGBA", (256, 256), (0, 0, 0, 255)))
    all_clear = png(Image.new("RGBA", (256, 256), (0, 0, 0, 0)))
    no_alpha = png(Image.new("L", (256, 256), 0))

    for mask, message in [(wrong_size, "mask is 128x128"), (all_opaque, "no fully transparent"),
                          (all_clear, "fully transparent"), (no_alpha, "no fully transparent")]:
        with pytest.raises(InvalidInput, match=message) as caught:
            engine.generate(GenerationRequest(mode="edit", prompt="x", size=256, n=1, image=image, mask=mask))
        assert caught.value.param == "mask"


def test_running_out_of_gpu_memory_is_a_retryable_generation_error_with_no_images(engine, monkeypatch):
    import torch

    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(engine, "pipeline", _Raising(engine.pipeline, out_of_memory))

    with pytest.raises(GenerationError, match="ran out of memory") as caught:
        engine.generate(GenerationRequest(mode="generate", prompt="x", size=256, n=1))

    assert caught.value.permanent is False


def test_an_unknown_preset_or_missing_models_dir_is_a_model_load_error(tmp_path):
    with pytest.raises(ModelLoadError, match="EASEL_MODEL_PRESET"):
        EngineConfig.from_env({"EASEL_MODEL_PRESET": "dall-e-3"})
    with pytest.raises(ModelLoadError, match="EASEL_MODELS_DIR"):
        Engine.from_config(EngineConfig(preset="karlo", device="cpu"))
    with pytest.raises(ModelLoadError, match="karlo-v1-alpha"):
        Engine.from_config(EngineConfig(preset="karlo", models_dir=tmp_path, device="cpu"))


def test_the_environment_configures_the_engine():
    config = EngineConfig.from_env({"EASEL_MODEL_PRESET": "tiny-random", "EASEL_DEVICE": "cpu", "EASEL_MODELS_DIR": "/models"})

    assert (config.preset, config.device, str(config.models_dir)) == ("tiny-random", "cpu", "/models")


class _Raising:
    """A pipeline stand-in whose call fails the way a real device fault would."""

    def __init__(self, pipeline, fail):
        self._pipeline = pipeline
        self._fail = fail

    def __getattr__(self, name):
        return getattr(self._pipeline, name)

    def __call__(self, *args, **kwargs):
        return self._fail(*args, **kwargs)
