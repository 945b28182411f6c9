"""The landing of a `Fix` on a same-repository pull request: applied to the checked-out PR head, committed as
the bot (with the `[yantra]` marker, the pull request, who asked, and the `Yantra-Session:` trailer the loop
guard looks for) and pushed only while the branch is still where the run started (`git_ops.push_fix`)."""

from __future__ import annotations

from pathlib import Path

from bot.github import git_ops
from bot.github.events import PullRequest
from bot.pipeline.outcome import Fix


def push_to_pull(root: Path, pr: PullRequest, fix: Fix, who: git_ops.Identity, requested_by: str) -> str:
    """Land `fix` on the PR branch; return the pushed commit. Raises `git_ops.BranchMoved` when a human pushed
    during the run, `GitError` when the fix does not apply or the push fails."""
    git_ops.apply_patch(root, fix.patch)
    sha = git_ops.commit_fix(root, list(fix.changed), commit_message(pr, fix, requested_by), who)
    git_ops.push_fix(root, pr.head_ref, pr.head_sha)
    return sha


def commit_message(pr: PullRequest, fix: Fix, requested_by: str) -> str:
    """The pipeline's conventional message with the `[yantra]` marker on its subject, a line naming the pull
    request, and `Requested-by:` next to the `Yantra-Session:` trailer the loop guard looks for."""
    trailer = f"{git_ops.TRAILER}: {fix.session_id}"
    message = fix.message.strip() or f"fix: make the pull request's checks pass\n\n{trailer}"
    subject, _, rest = message.partition("\n")
    if "[yantra]" not in subject:
        subject += " [yantra]"
    body = [ln for ln in rest.strip().splitlines() if not git_ops.TRAILER_RE.match(ln)]
    while body and not body[-1].strip():
        body.pop()
    lines = [subject, "", *body, *([""] if body else []),
             f"Automated fix for #{pr.number} by Yantra; it passed the gate, the tests and the security checks.",
             ""]
    if requested_by:
        lines.append(f"Requested-by: @{requested_by}")
    lines.append(trailer)
    return "\n".join(lines) + "\n"
