"""Decode any image file and turn it into a square grayscale uint8 array.

Conversion rules (one quantisation to 8 bits, at the end):

- sample values are scaled to [0, 1]: uint8 / 255, uint16 / 65535, bool as 0/1; other
  integer types must hold 0..65535 and are read as 16-bit; floats must already lie in [0, 1];
- alpha is composited on white (a transparent pixel becomes white), for RGBA and gray+alpha;
- RGB becomes gray with ITU-R BT.601 luma weights in RGB order,
  ``0.299 R + 0.587 G + 0.114 B`` (cv2.COLOR_RGB2GRAY's weights, though its fixed-point sums
  round some half-way colours the other way; scikit-image's ``rgb2gray`` uses
  the BT.709 weights instead), so pure red 255 -> round(76.245) = 76, pure green -> 150,
  pure blue -> round(29.07) = 29; the sum is taken in a fixed order, R then G then B, each
  product and partial sum in float64 and rounded to float32 after each step
  (:func:`luma_bt601`), so every CPU gives the same bits (a float32 matrix product does not:
  its kernel differs between CPUs, and where a weighted sum falls exactly on a half, as
  0.587 * 214 + 0.114 * 113 = 138.5, the 8-bit result depends on the last bit);
- CMYK JPEGs are converted to RGB by Pillow; palette images arrive as RGB(A);
  of an animation (GIF) only the first frame is used;
- the result is resized to size x size (stretched, not cropped) with cv2.INTER_AREA when
  shrinking both sides, else cv2.INTER_LINEAR.

Anything that cannot be decoded raises :class:`ImageError`; an image of more than
:data:`MAX_PIXELS` pixels raises :class:`ImageTooLarge`, checked from its header before
anything is decoded (:func:`check_pixel_count`, the cap of every image reader of bench).
"""

from __future__ import annotations

import hashlib
import struct
import warnings
from pathlib import Path

import cv2
import imageio.v3 as iio
import numpy as np
import PIL.Image
import skimage.io

#: ITU-R BT.601 luma weights for R, G, B (in that order).
BT601_RGB = np.array([0.299, 0.587, 0.114], dtype=np.float32)

#: Largest image (height x width of one frame) that is converted, to bound peak memory.
MAX_PIXELS = 50_000_000


class ImageError(Exception):
    """An image file that cannot be decoded or converted; the message says why."""


class ImageTooLarge(ImageError):
    """An image with more than :data:`MAX_PIXELS` pixels."""


def check_pixel_count(path: Path) -> None:
    """ImageTooLarge when the header of ``path`` declares more than MAX_PIXELS pixels (one
    frame's width x height); nothing is decoded. A file Pillow cannot identify passes (its
    decoder then names what is wrong); OSError when it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            with PIL.Image.open(path) as image:
                width, height = image.size
    except PIL.Image.DecompressionBombError as error:
        raise ImageTooLarge(f"{path}: more than {MAX_PIXELS:,} pixels (Pillow: {error})") from None
    except (PIL.UnidentifiedImageError, SyntaxError, ValueError, EOFError, struct.error):
        return  # not a header Pillow reads: the decoder that follows says what is wrong
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(f"{path}: {width}x{height} pixels, more than {MAX_PIXELS:,} (read "
                            "from its header, not decoded)")


def check_complete(path: Path) -> None:
    """ImageError when Pillow cannot decode all of ``path``'s pixel data: a JPEG or PNG cut
    short (a decoder such as OpenCV's fills the missing rows with grey and says nothing).
    A file Pillow cannot identify passes (the decoder that follows says what is wrong);
    call :func:`check_pixel_count` first, so nothing huge is decoded here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            with PIL.Image.open(path) as image:
                image.load()
    except PIL.UnidentifiedImageError:
        return
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as error:
        raise ImageError(f"{path}: cut short or damaged, its pixel data does not decode "
                         f"completely ({error})") from None


def decode(path: Path) -> np.ndarray:
    """Read ``path`` with scikit-image, once its header shows at most MAX_PIXELS pixels;
    returns its array as stored (H, W) or (H, W, C), or (frames, H, W, C) for animations.
    Raises ImageError on any failure (ImageTooLarge for too many pixels)."""
    try:
        check_pixel_count(path)
    except OSError as error:
        raise ImageError(f"cannot read {path}: {type(error).__name__}: {error}") from error
    try:
        image = skimage.io.imread(Path(path))
        if image.ndim == 3 and image.shape[-1] == 4 and iio.immeta(path).get("mode") == "CMYK":
            image = iio.imread(path, mode="RGB")  # skimage hands back raw CMYK samples
    except Exception as error:  # Pillow/imageio raise many types (OSError, SyntaxError, ...)
        raise ImageError(f"cannot decode {path}: {type(error).__name__}: {error}") from error
    if not isinstance(image, np.ndarray) or image.size == 0 or image.ndim not in (2, 3, 4):
        raise ImageError(f"cannot decode {path}: no 2-D pixel data")
    frame = image[0] if image.ndim == 4 else image
    if frame.shape[0] * frame.shape[1] > MAX_PIXELS:
        raise ImageTooLarge(f"{path}: {frame.shape[1]}x{frame.shape[0]} pixels > {MAX_PIXELS:,}")
    return image


def pixel_digest(image: np.ndarray) -> str:
    """sha256 (hex) of a decoded array's shape, dtype and bytes: equal for identical pixels."""
    digest = hashlib.sha256(f"{image.shape}{image.dtype}".encode())
    digest.update(np.ascontiguousarray(image).tobytes())
    return digest.hexdigest()


def to_unit_float(image: np.ndarray) -> np.ndarray:
    """Sample values as float32 in [0, 1] (rules in the module docstring)."""
    if image.dtype == np.bool_:
        return image.astype(np.float32)
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    if image.dtype == np.uint16:
        return image.astype(np.float32) / 65535.0
    if np.issubdtype(image.dtype, np.integer):
        low, high = int(image.min()), int(image.max())
        if low < 0 or high > 65535:
            raise ImageError(f"{image.dtype} samples span {low}..{high}, outside 0..65535")
        return image.astype(np.float32) / 65535.0
    if np.issubdtype(image.dtype, np.floating):
        if not np.all(np.isfinite(image)) or image.min() < 0.0 or image.max() > 1.0:
            raise ImageError(f"{image.dtype} samples must be finite and within [0, 1]")
        return image.astype(np.float32)
    raise ImageError(f"unsupported sample type {image.dtype}")


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any decoded image -> float32 gray (H, W) in [0, 1]: BT.601 on RGB, alpha on white."""
    if image.ndim == 4:
        image = image[0]
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    values = to_unit_float(image)
    if values.ndim == 2:
        return values
    if values.ndim != 3 or values.shape[-1] not in (2, 3, 4):
        raise ImageError(f"unsupported image shape {image.shape}")
    channels = values.shape[-1]
    if channels == 2:
        color, alpha = values[..., 0], values[..., 1]
    else:
        color = luma_bt601(values[..., :3])
        alpha = values[..., 3] if channels == 4 else None
    if alpha is None:
        return color
    return color * alpha + (1.0 - alpha)


def luma_bt601(rgb: np.ndarray) -> np.ndarray:
    """float32 (..., 3) RGB in [0, 1] -> float32 (...) BT.601 luma, the same bits on every
    CPU: ``((R * wR) + G * wG) + B * wB`` with each product and sum in float64, rounded to
    float32 after each step (numpy's element-wise float64 operations are IEEE-exact on every
    CPU; the published gender references were decoded with these bits)."""
    weights = BT601_RGB.astype(np.float64)
    total = np.zeros(rgb.shape[:-1], dtype=np.float32)
    for channel in range(3):
        total = (rgb[..., channel].astype(np.float64) * weights[channel]
                 + total).astype(np.float32)
    return total


def resize(gray: np.ndarray, size: int) -> np.ndarray:
    """float gray (H, W) -> (size, size): INTER_AREA when shrinking both sides, else linear."""
    height, width = gray.shape
    shrink = height >= size and width >= size
    method = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return cv2.resize(gray, (size, size), interpolation=method)


def preprocess(image: np.ndarray, size: int) -> np.ndarray:
    """A decoded image -> uint8 gray (size, size), 0..255."""
    gray = resize(to_gray(image), size)
    return np.clip(np.rint(gray * 255.0), 0, 255).astype(np.uint8)


def load_gray(path: Path, size: int) -> tuple[np.ndarray, str]:
    """Decode ``path`` and preprocess it: (uint8 (size, size), pixel digest of the decoded
    array). Raises ImageError when the file cannot be used."""
    image = decode(path)
    return preprocess(image, size), pixel_digest(image)
