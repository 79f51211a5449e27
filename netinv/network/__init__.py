"""Networks: the scenario schema, loading and saving, validation, generators and compilation."""

from netinv.network.io import document_to_graph, graph_to_document, load, read_document, save, validate

__all__ = ["document_to_graph", "graph_to_document", "load", "read_document", "save", "validate"]
