"""The GitHub Action: `action.main` (entry point) → `settings` (inputs from the environment) → `events`
(payload → typed event) → `flows` (guards from `policy`, checks, fix `delivery`) → `publish` (sticky comment,
annotations, SARIF, step summary, outputs, reviews). `api` is the one GitHub client, `git_ops` the one git
seam. Nothing here is imported on the pre-commit path."""
