"""Image checks: is it a valid, safe-to-decode still image; does it show a face or nudity.

The detectors are the moderation models that run offline with their weights
inside their wheels (docs/moderation.md has the measurements behind the choice):

* faces: OpenCV's Haar cascade ``frontalface_alt2`` confirmed by ``frontalface_alt``
  at the same place, OR nudenet's FACE_* classes (score ≥ 0.5);
* nudity: nudenet 3.4's 320n ONNX detector, its *_EXPOSED classes.

Both load once per process, on first use.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

# Exposed-body classes of nudenet 3.x that mean nudity.
NUDITY_CLASSES = {
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_EXPOSED",
    "BUTTOCKS_EXPOSED",
}
FACE_CLASSES = {"FACE_FEMALE", "FACE_MALE"}
NUDITY_BLOCK = 0.45
NUDITY_BORDERLINE = 0.25
FACE_SCORE = 0.5
FACE_PAD = 0.15
MIN_SKIN = 0.2
MIN_NUDITY_SIDE = 64
MAX_PIXELS = 4096 * 4096
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP"}


class InvalidImage(Exception):
    """The bytes are not an image we accept. `reason` is a key of INVALID_IMAGE_MESSAGES."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Detections:
    faces: list[dict] = field(default_factory=list)
    nudity: list[dict] = field(default_factory=list)
    max_nudity: float = 0.0


def open_still_image(data: bytes, *, max_bytes: int, require_square: bool, png_only: bool = False) -> Image.Image:
    """Decode `data` safely into an RGB image, or raise InvalidImage.

    The size is checked before decoding, and the pixel count from the header
    before the pixels are decompressed, so a decompression bomb costs nothing.
    """
    if not data:
        raise InvalidImage("empty")
    if len(data) > max_bytes:
        raise InvalidImage("too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            fmt = im.format
            width, height = im.size
            if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                raise InvalidImage("too_many_pixels")
            if fmt not in ALLOWED_FORMATS or (png_only and fmt != "PNG"):
                raise InvalidImage("unsupported_format")
            if getattr(im, "is_animated", False) or getattr(im, "n_frames", 1) > 1:
                raise InvalidImage("animated")
            im.verify()
            # verify() leaves the image unusable: open it again to decode the pixels.
            im = Image.open(io.BytesIO(data))
            im.load()
            # The studio turns uploads upright from their EXIF orientation: a corrupt
            # EXIF block (a PNG eXIf chunk, a JPEG APP1) must be refused here, not crash there.
            im.getexif()
    except InvalidImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InvalidImage("too_many_pixels") from e
    except Exception as e:  # noqa: BLE001 - any decoder error means "not a valid image"
        raise InvalidImage("not_an_image") from e
    if require_square and width != height:
        raise InvalidImage("not_square")
    return im


def to_rgb_array(im: Image.Image) -> np.ndarray:
    if im.mode in ("RGBA", "LA", "P"):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    return np.asarray(im.convert("RGB"))


_lock = threading.Lock()
_models: dict[str, object] = {}


def _nudenet():
    with _lock:
        if "nudenet" not in _models:
            from nudenet import NudeDetector

            _models["nudenet"] = NudeDetector()
        return _models["nudenet"]


def _cascade(name: str):
    with _lock:
        if name not in _models:
            import cv2

            _models[name] = cv2.CascadeClassifier(cv2.data.haarcascades + f"haarcascade_{name}.xml")
        return _models[name]


def _iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    return inter / float(aw * ah + bw * bh - inter)


def warm_up() -> None:
    """Load the detectors now rather than on the first request."""
    _nudenet()
    _cascade("frontalface_alt2")
    _cascade("frontalface_alt")


def _nudenet_detect(rgb: np.ndarray) -> list[dict]:
    import cv2

    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    # NudeDetector.detect accepts a path or a BGR array (it is cv2-based).
    return list(_nudenet().detect(bgr))


def detect_faces_haar(rgb: np.ndarray) -> list[dict]:
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    scale = 1.0
    if max(h, w) > 640:
        scale = 640 / max(h, w)
        gray = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    elif max(h, w) < 96:
        # Tiny images (thumbnails, crops): upscale so the 20×20 cascade window fits a face.
        scale = 96 / max(h, w)
        gray = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_CUBIC)
    # A margin around the picture: tight crops (a face filling the frame) need some
    # context for the cascade's windows; measured 0.90 → 0.97 recall on LFW crops.
    pad = int(max(gray.shape) * FACE_PAD)
    gray = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    gray = cv2.equalizeHist(gray)
    min_side = max(20, int(min(gray.shape) * 0.08))
    boxes = _cascade("frontalface_alt2").detectMultiScale(gray, scaleFactor=1.1, minNeighbors=4, minSize=(min_side, min_side))
    if len(boxes):
        # A second cascade must agree on the same place: alone, alt2 saw faces in
        # coins and coffee crops (3 of 401 non-faces); together, none, at no cost in recall.
        second = _cascade("frontalface_alt").detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3, minSize=(min_side, min_side))
        boxes = [b for b in boxes if any(_iou(b, c) > 0.3 for c in second)] if len(second) else []
    out = []
    for x, y, bw, bh in boxes if len(boxes) else []:
        box = [int((x - pad) / scale), int((y - pad) / scale), int(bw / scale), int(bh / scale)]
        out.append({"box": box, "detector": "haar"})
    return out


def skin_fraction(rgb: np.ndarray, box) -> float:
    """Share of skin-coloured pixels (YCrCb rule) inside a detection box."""
    import cv2

    x, y, w, h = (int(v) for v in box)
    crop = rgb[max(y, 0) : max(y, 0) + max(h, 1), max(x, 0) : max(x, 0) + max(w, 1)]
    if crop.size == 0:
        return 0.0
    ycrcb = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2YCrCb)
    cr, cb = ycrcb[..., 1], ycrcb[..., 2]
    skin = (cr >= 133) & (cr <= 173) & (cb >= 77) & (cb <= 127)
    return float(skin.mean())


def detect(rgb: np.ndarray, *, faces: bool) -> Detections:
    found = Detections()
    for d in _nudenet_detect(rgb):
        score = float(d.get("score", 0.0))
        label = d.get("class", "")
        if label in NUDITY_CLASSES:
            # Exposed skin is skin: the detector also fires on colour gradients and
            # flat shapes (a colour wheel scored 0.83), which our model draws a lot.
            skin = skin_fraction(rgb, d.get("box", [0, 0, 0, 0]))
            found.nudity.append({"class": label, "score": round(score, 3), "skin": round(skin, 2)})
            if skin >= MIN_SKIN and min(rgb.shape[:2]) >= MIN_NUDITY_SIDE:
                found.max_nudity = max(found.max_nudity, score)
        elif faces and label in FACE_CLASSES and score >= FACE_SCORE:
            found.faces.append({"class": label, "score": round(score, 3), "detector": "nudenet"})
    if faces and not found.faces:
        found.faces.extend(detect_faces_haar(rgb))
    return found
