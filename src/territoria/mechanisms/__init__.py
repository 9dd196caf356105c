"""Mechanisms: the knowledge base of policy mechanisms, recommendation, what-if and monitoring."""

from territoria.mechanisms.kb import HORIZONS, KnowledgeBase, Mechanism, load_knowledge_base
from territoria.mechanisms.recommend import recommend, recommend_group
from territoria.mechanisms.whatif import parse_change, what_if

__all__ = ["HORIZONS", "KnowledgeBase", "Mechanism", "load_knowledge_base", "parse_change", "recommend",
           "recommend_group", "what_if"]
