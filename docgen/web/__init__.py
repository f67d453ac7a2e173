"""docgen as a service over HTTP: the JSON API (``docgen serve``).

Every route authenticates the caller (a session cookie, or ``Authorization: Bearer TOKEN``),
makes one call to ``docgen.service.Service`` acting as that account, and answers its
``to_json()``. No route holds a rule of its own, and no part of a URL is ever joined to a
folder: documents are found through the catalog by number.
"""

from docgen.web.app import create_app

__all__ = ["create_app"]
