"""Yantra: a dependency-graph validation gate and fix bot for Python repositories."""

__version__ = "0.1.0"
