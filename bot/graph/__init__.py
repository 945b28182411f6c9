"""The dependency graph of a repository: parse -> facts -> store -> queries.

    from bot.graph import open_graph, Graph, SymbolRef
    graph = open_graph(root)                 # refreshes incrementally from the working tree
    graph.resolver                           # tri-state cross-file resolution (see bot.graph.resolve)

Import-light on purpose (the pre-commit path): tree-sitter is loaded only when a file must be parsed.
"""

from bot.graph.graph import Graph, open_graph, target_version
from bot.graph.resolution import UNKNOWN, Resolution, SymbolRef, Target
from bot.graph.resolve import Resolver

__all__ = ["UNKNOWN", "Graph", "Resolution", "Resolver", "SymbolRef", "Target", "open_graph", "target_version"]
