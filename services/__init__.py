"""What the app does, one package per domain: ``accounts``, ``events``, ``route``, ``rsvp``,
``mail`` and ``live``, over a few top-level helpers (``errors``, ``times``, ``tokens``,
``urls``, ``calendar``, ``health``) and the mail ``worker``.

Services import ``models`` and ``core``, never ``routes`` or ``forms``. Between packages the
direction is events → mail, rsvp → mail, accounts → mail; ``mail`` imports neither ``rsvp``
nor ``events``.
"""
