"""The local GitHub API server rejects what GitHub would reject, so the client is tested against a strict peer."""

from __future__ import annotations

import requests


def test_malformed_requests_are_rejected(world):
    world.register_pull()
    gh, base = world.gh, f"{world.gh.base_url}/repos/Codertocat/Hello-World"
    auth = {"Authorization": f"token {gh.token}"}
    assert requests.get(f"{base}/pulls/7", timeout=10).status_code == 401
    assert requests.get(f"{base}/pulls/7", headers={"Authorization": "token wrong"}, timeout=10).status_code == 401
    assert requests.get(f"{base}/pulls/7", headers=auth, timeout=10).status_code == 200
    assert requests.delete(f"{base}/pulls/7", headers=auth, timeout=10).status_code == 404
    assert requests.get(f"{base}/pulls/8", headers=auth, timeout=10).status_code == 404
    assert requests.get(f"{base}/nonsense", headers=auth, timeout=10).status_code == 404
    bad_json = requests.post(f"{base}/issues/7/comments", headers=auth, data="{body: x", timeout=10)
    assert bad_json.status_code == 400 and bad_json.json()["message"] == "Problems parsing JSON"
    missing = requests.post(f"{base}/issues/7/comments", headers=auth, json={"text": "x"}, timeout=10)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body"
    reaction = requests.post(f"{base}/issues/comments/1/reactions", headers=auth, json={"content": "party"},
                             timeout=10)
    assert reaction.status_code == 422
    off_diff = requests.post(f"{base}/pulls/7/reviews", headers=auth, timeout=10, json={
        "event": "COMMENT", "body": "x", "comments": [{"path": "calc.py", "line": 1, "body": "x"}]})
    assert off_diff.status_code == 422 and "part of the diff" in off_diff.text
    on_diff = requests.post(f"{base}/pulls/7/reviews", headers=auth, timeout=10, json={
        "event": "COMMENT", "body": "x", "comments": [{"path": "calc.py", "line": 6, "side": "RIGHT", "body": "x"}]})
    assert on_diff.status_code == 200
    assert [r.status for r in gh.requests] == [401, 401, 200, 404, 404, 404, 400, 422, 422, 422, 200]
    assert world.gh.comments[7] == []
