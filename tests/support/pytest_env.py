"""The environment variable that keeps this suite's own pytest plugins out of the test runs of the projects the
tests fix.

A fixed project's tests run with the suite's interpreter, whose pytest loads every plugin installed beside it:
xdist, anyio and platformdirs come with the suite's tooling, no fixed project uses one, and importing them was
half the CPU time of each of those runs (~0.6 s of ~1.3 s; over a hundred of them run sandboxed in a suite, where
`time` of the pytest run does not even count them). The runs turn them off the way a user would, with `-p no:<name>` in the
environment they inherit: pytest reads PYTEST_ADDOPTS before it loads installed plugins, it applies to the baseline
and to every candidate's run alike, and the projects' own files (which the attacks edit) stay as they were.
"""

from __future__ import annotations

UNUSED_PLUGINS = ("xdist", "xdist.looponfail", "anyio", "platformdirs")
PYTEST_ENV = {"PYTEST_ADDOPTS": " ".join(f"-p no:{name}" for name in UNUSED_PLUGINS)}
