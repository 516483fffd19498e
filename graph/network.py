"""Who bridges committees: a graph measure on who sat with whom (networkx).

Reported beside influence, not ranked on: the rank key only takes what the
backtest shows to predict outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from graph.models import ClosedDeal

SAMPLE = 256  # source nodes for approximate betweenness; fixed seed keeps answers repeatable


def bridging(deals: Sequence[ClosedDeal]) -> dict[str, float]:
    """Betweenness centrality of each person in the co-participation graph of these deals."""
    import networkx as nx  # only here: 22 MB of a worker's memory, for graph=true alone

    graph = nx.Graph()
    for deal in deals:
        people = sorted(deal.people)
        graph.add_nodes_from(people)
        graph.add_edges_from(combinations(people, 2))
    if graph.number_of_nodes() < 3:
        return dict.fromkeys(graph.nodes, 0.0)
    k = min(SAMPLE, graph.number_of_nodes())
    scores: dict[str, float] = nx.betweenness_centrality(graph, k=k, seed=7, normalized=True)
    return scores
