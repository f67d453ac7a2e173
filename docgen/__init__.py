"""docgen: a renovation company's documents, generated and kept in a versioned archive."""

__version__ = "0.1.0"
