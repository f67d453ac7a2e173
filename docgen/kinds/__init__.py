"""Document kinds: one module per kind, each one definition (``base.Kind``), listed in
``registry``: input model, derived values, template and life cycle per kind."""
