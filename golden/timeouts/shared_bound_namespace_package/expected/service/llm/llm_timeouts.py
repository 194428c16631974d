"""The time limit of every LLM call of the application (added by fixit's `timeouts`)."""

LLM_TIMEOUT_SECONDS = 120.0
