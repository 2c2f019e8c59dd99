"""Photo generators with ground truth for tests, benchmarks and demo data (dev/testing only).

The OCR library never imports this package: `ocr.testing.synth` (the generator the parsers were
developed on) and `ocr.testing.alt_synth` (an independent second generator) render photos
with Pillow and fonts that a production worker does not need.
"""
