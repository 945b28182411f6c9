# The same entry point as the composite action, as an image: `docker run` it inside a GitHub Actions job
# (GITHUB_* variables and the workspace mounted) with the YANTRA_* variables action.yml documents.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/yantra
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir -c bot/github/constraints.txt ".[bot]"

RUN useradd --create-home --uid 1001 yantra
USER yantra
# The runner mounts the checkout owned by another uid; let git work in it.
RUN git config --global --add safe.directory '*'

ENTRYPOINT ["yantra", "action"]
