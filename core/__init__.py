"""What every other layer stands on: settings, the database session, Flask extensions, response
headers, log redaction, languages and migrations.

``core`` imports no other package of the app (models, services, forms, routes); everything may
import it. ``tests/test_layout.py`` checks that.
"""
