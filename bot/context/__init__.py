"""Token-budgeted prompt context built from the dependency graph (see `assemble`)."""

from bot.context.assemble import (
    Context,
    Dropped,
    LevelUse,
    Section,
    assemble_context,
    level_budgets,
    render_context,
)

__all__ = ["Context", "Dropped", "LevelUse", "Section", "assemble_context", "level_budgets", "render_context"]
