"""The fix pipeline. Entry point: `bot.pipeline.session.run_fix(FixRequest) -> FixOutcome`.

session (request/outcome, error classification) → runner (the state machine; phases stored in `state`) →
baseline, context_phase, generate, checks (validate/test/security in a scratch worktree via `bot.git_worktree`),
judge (confidence), finish (commit/apply), report (escalation markdown), memory (learning), events (log).
"""
