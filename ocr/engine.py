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
# onnxruntime intra-op threads per session (0: onnxruntime's default, one per physical core)
THREADS = int(os.environ.get("OCR_THREADS", "0"))
# Recognition batches are cut by width, not by count: the recogniser's working memory grows
# with batch size x padded width (6 crops padded to 1000 px took 345 MB, 6 x 320 px 98 MB).
# A batch holds at most 6 crops and at most this many pixels of padded width.
REC_BATCH_WIDTH = int(os.environ.get("OCR_REC_BATCH_WIDTH", "2000"))
REC_BATCH_MAX = 6
# The blocked-layout (NCHWc) rewrite makes detection faster and costs ~90 MB more at a
# 960 px side; "1" keeps it (see bench/ocr.py), "0" trades that speed for memory.
DET_NCHWC = os.environ.get("OCR_DET_NCHWC", "1") != "0"

_engine = None
_engine_lock = threading.Lock()
_infer_lock = threading.Lock()


def _libc():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return None


_LIBC = _libc()


def _release_memory() -> None:
    """Give freed heap back to the system after an inference step (glibc keeps it otherwise,
    and the next step's peak would stack on top of it)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def session_options(lean: bool = True):
    """onnxruntime session options of our engine.

    lean: no memory arena and no memory pattern (the pattern pre-plans one big block per input
    shape and keeps it; every photo has another shape), one intra-op pool of THREADS threads,
    sequential execution (no inter-op pool). lean=False gives rapidocr's own choice (the
    benchmark's baseline)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.enable_cpu_mem_arena = False
    if lean:
        so.enable_mem_pattern = False
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.inter_op_num_threads = 1
        if THREADS > 0:
            so.intra_op_num_threads = THREADS
    return so


class Engine:
    """rapidocr's three PP-OCR models on onnxruntime with our session options.

    lean=True is the production engine (see `session_options`, width-budgeted recognition
    batches, heap given back after each step); lean=False loads rapidocr's defaults and its
    fixed batches of 6, for the benchmark's same-run baseline."""

    def __init__(self, lean: bool = True):
        from omegaconf import flag_override
        from rapidocr import RapidOCR
        from rapidocr.inference_engine.base import FileInfo, InferSession

        self.lean = lean
        if lean and _LIBC is not None:
            # at most 2 malloc arenas: onnxruntime's worker threads otherwise each grow their own
            _LIBC.mallopt(-8, 2)  # M_ARENA_MAX
        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Det.limit_type": "max",
            "Det.limit_side_len": DET_LONG_SIDE,
            "Global.max_side_len": 100000,
        }
        eng = RapidOCR(params=params)
        if lean:
            import onnxruntime as ort

            # our own sessions (rapidocr takes a ready InferenceSession as `session`)
            for sec in (eng.cfg.Det, eng.cfg.Cls, eng.cfg.Rec):
                info = InferSession.get_model_url(FileInfo(
                    engine_type=sec.engine_type, ocr_version=sec.ocr_version, task_type=sec.task_type,
                    lang_type=sec.lang_type, model_type=sec.model_type))
                path = eng.cfg.Global.model_root_dir / info["model_dir"].rsplit("/", 1)[-1]
                disabled = [] if (DET_NCHWC and sec is eng.cfg.Det) else ["NchwcTransformer"]
                sess = ort.InferenceSession(str(path), sess_options=session_options(True),
                                            providers=["CPUExecutionProvider"], disabled_optimizers=disabled)
                with flag_override(sec, "allow_objects", True):
                    sec.session = sess
        eng._load_det_model()
        eng._load_cls_model()
        eng._load_rec_model()
        self.rapid = eng
        # one tiny run of each model: onnxruntime does part of its set-up on the first run
        blank = np.full((64, 256, 3), 255, np.uint8)
        self.det(blank)
        self.cls([blank[:48]])
        self.rec([blank[:48]])
        _release_memory()

    def sessions(self) -> dict:
        r = self.rapid
        return {"det": r.text_det.session.session, "cls": r.text_cls.session.session, "rec": r.text_rec.session.session}

    def det(self, img):
        try:
            return self.rapid.text_det(img)
        finally:
            if self.lean:
                _release_memory()

    def cls(self, crops):
        return self.rapid.text_cls(crops)

    def rec(self, crops: list) -> tuple[list[str], list[float]]:
        from rapidocr.ch_ppocr_rec import TextRecInput

        if not self.lean:
            out = self.rapid.text_rec(TextRecInput(img=crops))
            return list(out.txts or ()), list(out.scores or ())
        txts, scores = [""] * len(crops), [0.0] * len(crops)
        h0 = self.rapid.text_rec.rec_image_shape[1]
        min_ratio = self.rapid.text_rec.rec_image_shape[2] / h0
        ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
        order = sorted(range(len(crops)), key=lambda i: ratios[i])
        batch: list[int] = []

        def flush():
            out = self.rapid.text_rec(TextRecInput(img=[crops[i] for i in batch]))
            for i, t, s in zip(batch, out.txts or (), out.scores or ()):
                txts[i], scores[i] = t, float(s)
            batch.clear()
            _release_memory()

        for i in order:
            width = h0 * max(min_ratio, ratios[i])  # padded width of a batch sorted by ratio
            if batch and (len(batch) >= REC_BATCH_MAX or width * (len(batch) + 1) > REC_BATCH_WIDTH):
                flush()
            batch.append(i)
        if batch:
            flush()
        return txts, scores


def get_engine() -> Engine:
    """The process-wide engine with all three models loaded (thread-safe, once per process)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = Engine(lean=True)
    return _engine


def loaded() -> bool:
    return _engine is not None


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


def read_lines(bgr: np.ndarray, known_upright: bool = False, engine: Engine | None = None
               ) -> tuple[list[Line], int, np.ndarray]:
    """OCR an image. Returns (lines, rotation applied in degrees CCW, upright image).

    Line quads are in the coordinates of the returned upright image at the input's scale.
    """
    import cv2

    eng = engine or get_engine()
    h0, w0 = bgr.shape[:2]
    scale = min(1.0, DET_LONG_SIDE / max(h0, w0))
    small = cv2.resize(bgr, (int(w0 * scale), int(h0 * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else bgr
    with _infer_lock:
        det = eng.det(small)
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
                cls = eng.cls(crops)
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
    with _infer_lock:
        txts, scores = eng.rec(crops)
    del crops
    lines = []
    for b, t, s in zip(boxes, txts, scores):
        t = (t or "").strip()
        if t:
            lines.append(Line(t, float(s), b))
    return lines, rot, img
