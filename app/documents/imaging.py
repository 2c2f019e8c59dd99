"""Accept only real images: decode them, bound bytes and pixels, turn them upright, drop metadata."""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app import errors

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def sanitize(raw: bytes, *, max_pixels: int) -> CleanImage:
    """Decode, apply EXIF orientation, re-encode without any metadata (EXIF/GPS, XMP, ICC text)."""
    if not raw:
        raise errors.ValidationFailed("文件为空", code="empty_file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            fmt = img.format
            if fmt not in FORMATS:
                raise errors.ValidationFailed("仅支持 JPEG、PNG、WebP 格式的图片", code="unsupported_image")
            w, h = img.size
            if w * h > max_pixels:
                raise errors.ValidationFailed("图片像素过大，请压缩后重新上传", code="image_too_large")
            if w < 16 or h < 16:
                raise errors.ValidationFailed("图片尺寸过小", code="image_too_small")
            img.load()
    except errors.ApiError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise errors.ValidationFailed("无法识别的图片文件，请上传 JPEG、PNG 或 WebP 照片", code="invalid_image") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise errors.ValidationFailed("图片文件已损坏或不完整，请重新拍摄上传", code="invalid_image") from None

    img = ImageOps.exif_transpose(img)  # also drops the orientation tag
    img = _pixels_only(img)
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        if img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = img.convert("RGBA")
        img.save(out, "PNG", optimize=False)
    else:
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGB")
        img.save(out, "WEBP", quality=90)
    data = out.getvalue()
    return CleanImage(data=data, content_type=FORMATS[fmt], width=img.width, height=img.height,
                      sha256=hashlib.sha256(data).hexdigest())


def _pixels_only(img: Image.Image) -> Image.Image:
    """A new image holding the pixels and nothing else. Pillow writes `info` back on save (a JPEG
    comment, PNG text chunks, XMP, ICC, EXIF), so re-encoding the decoded image is not enough."""
    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
    return Image.frombytes(img.mode, img.size, img.tobytes())
