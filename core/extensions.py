"""Extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from core.database import Database

db = Database()
# Phones on a crowded network: every text response is compressed (brotli or gzip).
compress = Compress()
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are declared on the views; storage comes from RATELIMIT_STORAGE_URI (memory by
# default, Redis for several instances).
limiter = Limiter(key_func=get_remote_address)
