"""The VAPID key pair: generated once into instance/ like the secret key, or set by the
environment; and the contact push services see."""

from __future__ import annotations

import stat

from py_vapid import Vapid, b64urlencode

from core import config
from services.push import keys


def test_key_is_generated_once_into_instance_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE", tmp_path / "instance")
    first = config.vapid_private_key()
    path = tmp_path / "instance" / "vapid_private_key.pem"
    assert first.startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # like the secret key: ours alone
    assert config.vapid_private_key() == first  # the next start keeps it: phones stay subscribed
    public = keys.public_key({"VAPID_PRIVATE_KEY": first})
    assert len(public) == 87 and public.startswith("B")  # an uncompressed P-256 point


def test_environment_key_wins_and_may_be_raw_base64url(tmp_path, monkeypatch):
    vapid = Vapid()
    vapid.generate_keys()
    raw = b64urlencode(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    monkeypatch.setenv("VAPID_PRIVATE_KEY", raw)
    monkeypatch.setattr(config, "INSTANCE", tmp_path / "instance")
    assert config.vapid_private_key() == raw
    assert not (tmp_path / "instance").exists()  # nothing written when the environment says
    pem = vapid.private_pem().decode()
    assert keys.public_key({"VAPID_PRIVATE_KEY": raw}) == keys.public_key(
        {"VAPID_PRIVATE_KEY": pem}
    )


def test_subject_is_the_setting_else_the_https_site_else_the_mail_sender():
    base = {"BASE_URL": "http://127.0.0.1:5000", "MAIL_FROM": "Rallypoint <noreply@example.org>"}
    assert keys.subject({**base, "VAPID_SUBJECT": "mailto:team@example.org"}) == (
        "mailto:team@example.org"
    )
    assert keys.subject({**base, "BASE_URL": "https://demo.example.org"}) == (
        "https://demo.example.org"
    )
    assert keys.subject(base) == "mailto:noreply@example.org"
