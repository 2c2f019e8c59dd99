"""办案补贴 (Art. 52): the province standard, per-case computation, monthly batches and their export."""
