"""The kinds' input models (pydantic), one module per kind, named by ``Kind.model``."""
