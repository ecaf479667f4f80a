"""The JSON API's data: the pydantic models its OpenAPI document is generated from
(``schemas``), what builds them from the app's models (``serialise``) and the listing's
query (``listing``). No Flask request in here: ``routes/api`` parses, checks and answers.

May import ``models``, ``services.events``, ``services.live``, ``services.route`` and
``services.rsvp``; nothing imports this package but ``routes/api``.
"""
