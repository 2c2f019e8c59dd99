"""The OCR engine: rapidocr (PP-OCR det/cls/rec ONNX models shipped in its wheel) on
onnxruntime, loaded lazily once per process, safe to call from worker threads.

`read_lines(bgr)` runs our pipeline: one detection pass on a resized image, page
orientation from the text boxes (sideways pages have tall boxes) and the direction
classifier on a handful of crops (upside down), then recognition of every box without
the per-box classifier. Returns upright lines in the coordinates of the input image.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np

# Resize policy (measured with bench/ocr.py and the second generator in tests/ocr, see the
# README): the longest side given to text detection. 960, 1120, 1280 and 1600 read the same
# fields within one field in a few hundred; time and memory grow with the area. Recognition
# always reads its crops from the full-resolution image, so only finding the boxes is scaled.
DET_LONG_SIDE = int(os.environ.get("OCR_DET_LONG_SIDE", "960"))
THREADS = int(os.environ.get("OCR_THREADS", "0"))  # 0: onnxruntime default

_engine = None
_engine_lock = threading.Lock()
_infer_lock = threading.Lock()


def get_engine():
    """The process-wide RapidOCR instance with all three models loaded."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr import RapidOCR

                params = {
                    "Global.log_level": "error",
                    "Global.use_cls": False,
                    "Det.limit_type": "max",
                    "Det.limit_side_len": DET_LONG_SIDE,
                    "Global.max_side_len": 100000,
                }
                if THREADS > 0:
                    params["EngineConfig.onnxruntime.intra_op_num_threads"] = THREADS
                eng = RapidOCR(params=params)
                eng._load_det_model()
                eng._load_cls_model()
                eng._load_rec_model()
                _engine = eng
    return _engine


@dataclass
class Line:
    text: str
    score: float
    quad: np.ndarray  # 4x2 float, TL TR BR BL in the upright image

    @property
    def x0(self):
        return float(self.quad[:, 0].min())

    @property
    def x1(self):
        return float(self.quad[:, 0].max())

    @property
    def y0(self):
        return float(self.quad[:, 1].min())

    @property
    def y1(self):
        return float(self.quad[:, 1].max())


def _order(q: np.ndarray) -> np.ndarray:
    """Order 4 points TL, TR, BR, BL for a roughly horizontal box."""
    q = np.asarray(q, np.float32)
    s = q.sum(1)
    d = q[:, 1] - q[:, 0]
    return np.array([q[np.argmin(s)], q[np.argmin(d)], q[np.argmax(s)], q[np.argmax(d)]], np.float32)


def _rot_points(q: np.ndarray, k: int, w: int, h: int) -> np.ndarray:
    """Map points of an image (w x h) to the image rotated by k*90 degrees counter-clockwise (np.rot90)."""
    q = np.asarray(q, np.float32).copy()
    for _ in range(k % 4):
        x, y = q[:, 0].copy(), q[:, 1].copy()
        q[:, 0], q[:, 1] = y, (w - 1) - x
        w, h = h, w
    return q


def _crop(img: np.ndarray, quad: np.ndarray) -> np.ndarray:
    import cv2

    q = quad.astype(np.float32)
    w = int(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3])))
    h = int(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
    w, h = max(w, 2), max(h, 2)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    M = cv2.getPerspectiveTransform(q, dst)
    return cv2.warpPerspective(img, M, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)


def read_lines(bgr: np.ndarray, known_upright: bool = False) -> tuple[list[Line], int, np.ndarray]:
    """OCR an image. Returns (lines, rotation applied in degrees CCW, upright image).

    Line quads are in the coordinates of the returned upright image at the input's scale.
    """
    import cv2

    eng = get_engine()
    h0, w0 = bgr.shape[:2]
    scale = min(1.0, DET_LONG_SIDE / max(h0, w0))
    small = cv2.resize(bgr, (int(w0 * scale), int(h0 * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else bgr
    with _infer_lock:
        det = eng.text_det(small)
    boxes = det.boxes if det.boxes is not None else np.zeros((0, 4, 2), np.float32)
    boxes = [np.asarray(b, np.float32) / scale for b in boxes]
    rot = 0
    img = bgr
    if boxes and not known_upright:
        wide = tall = 0.0
        for b in boxes:
            bw = float(b[:, 0].max() - b[:, 0].min())
            bh = float(b[:, 1].max() - b[:, 1].min())
            if bw > 1.6 * bh:
                wide += bw
            elif bh > 1.6 * bw:
                tall += bh
        if tall > wide:
            # sideways: turn 90 deg; the 180 check below settles 90 vs 270
            rot = 90
            boxes = [_order(_rot_points(b, 1, w0, h0)) for b in boxes]
            img = np.ascontiguousarray(np.rot90(bgr, 1))
        # upside down? ask the direction classifier on the longest boxes
        hh, ww = img.shape[:2]
        order = sorted(range(len(boxes)), key=lambda i: -np.linalg.norm(boxes[i][0] - boxes[i][1]))[:12]
        crops = [_crop(img, _order(boxes[i])) for i in order]
        crops = [c for c in crops if c.shape[1] >= c.shape[0]]
        if crops:
            with _infer_lock:
                cls = eng.text_cls(crops)
            vote = 0.0
            for label, score in cls.cls_res:
                vote += score if label == "180" else -score
            if vote > 0:
                rot = (rot + 180) % 360
                boxes = [_order(_rot_points(b, 2, ww, hh)) for b in boxes]
                img = np.ascontiguousarray(np.rot90(img, 2))
    boxes = [_order(b) for b in boxes]
    if not boxes:
        return [], rot, img
    crops = [_crop(img, b) for b in boxes]
    from rapidocr.ch_ppocr_rec import TextRecInput

    with _infer_lock:
        rec = eng.text_rec(TextRecInput(img=crops))
    lines = []
    for b, t, s in zip(boxes, rec.txts or (), rec.scores or ()):
        t = (t or "").strip()
        if t:
            lines.append(Line(t, float(s), b))
    return lines, rot, img


def default_ocr(image_path_or_bytes):
    """A default `rapidocr.RapidOCR()` call, for the benchmark's baseline."""
    from rapidocr import RapidOCR

    global _default
    try:
        _default
    except NameError:
        _default = RapidOCR(params={"Global.log_level": "error"})
    return _default(image_path_or_bytes)
