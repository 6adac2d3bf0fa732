"""brief: structured, grounded summaries of documents with a small local model."""

__version__ = "0.4.20"
