"""Limits of the service."""

import os

LLM_TIMEOUT_SECONDS = float(os.environ.get("LLM_TIMEOUT_SECONDS", "45"))
MAX_UPLOAD_BYTES = 10_000_000
