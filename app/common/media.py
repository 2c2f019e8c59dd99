"""Media types of stored objects the database does not describe (recordings): by content, then by name."""
from __future__ import annotations

import mimetypes

AUDIO_BY_EXTENSION = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".oga": "audio/ogg",
                      ".opus": "audio/ogg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".amr": "audio/amr",
                      ".flac": "audio/flac", ".webm": "audio/webm"}


def sniff(head: bytes, name: str = "") -> str:
    """The media type of an object from its first bytes (and its key's extension as a fallback)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "audio/mpeg"
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:4] == b"fLaC":
        return "audio/flac"
    if head[:6] == b"#!AMR\n":
        return "audio/amr"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:11] in (b"M4A", b"M4B") else "video/mp4"
    if head[:4] == b"\x1aE\xdf\xa3":
        return "audio/webm"
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in AUDIO_BY_EXTENSION:
        return AUDIO_BY_EXTENSION[ext]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"
