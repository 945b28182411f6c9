"""Talking to a language model: the provider seam, the guarded client, and the edit format.

- `bot.llm.provider`: LLMRequest, LLMResponse, Provider (Protocol), AnthropicProvider, PRICES
- `bot.llm.client`: LLMClient, make_client (redaction, cache, budgets, retries, breakers, failover)
- `bot.llm.edits`: EDIT_FORMAT_INSTRUCTIONS, parse_answer, apply_edits, render_patch, Edit, EditError

Nothing here imports the `anthropic` SDK or detect-secrets at module import time.
"""
