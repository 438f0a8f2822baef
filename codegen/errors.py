"""The one error type of codegen: a model (or its transcription) that cannot be made."""

from __future__ import annotations


class ModelError(Exception):
    """The model cannot be generated or transcribed; the message says where and why."""
