"""Urgent updates reach phones through a real push service on loopback: the worker's requests
are checked (VAPID) and decrypted with the keys each phone made, as a browser would."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from core.extensions import db
from models import EventTranslation, PushAlert, PushRetry, PushSubscription, utcnow
from services import push, worker
from services.events import changes
from tests.factories import add_role, make_event
from tests.plugins.push import Phone


@pytest.fixture
def app_settings(smtp_server):
    # The worker needs its mail server too; PUSH_BATCH_SIZE small, so batches are exercised.
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port, "PUSH_BATCH_SIZE": 3}


def subscribe(session, event, phone: Phone, *, language="en", role=None):
    subscription = push.parse(phone.subscription(), allow_private=True)
    row = push.subscribe(
        session,
        event,
        subscription,
        language=language,
        role_id=role.id if role else None,
        now=utcnow(),
    )
    session.commit()
    return row


def urgent(session, event, message, *, role=None, now=None):
    now = now or utcnow()
    change = changes.post_update(session, event, message, include_waitlist=False, now=now)
    push.queue_alert(session, event, change, role_id=role.id if role else None, now=now)
    session.commit()
    return change


def send_all(now):
    """Every round of sending due at ``now``, as the worker's loop does them. The test's own
    transaction ends around it (as around a request), so each sees what the other did."""
    db.session.commit()
    while push.send_due(db.transaction, now, current_app.config):
        pass
    db.session.expire_all()


def test_worker_sends_urgent_update_that_each_phone_decrypts_in_its_language(session, push_service):
    event = make_event(session, title="March for the Climate")
    session.add(EventTranslation(event_id=event.id, language="de", title="Klimamarsch"))
    session.add(EventTranslation(event_id=event.id, language="ru", title="Марш за климат"))
    session.commit()
    phones = {lang: Phone(push_service) for lang in ("en", "de", "ru")}
    for lang, phone in phones.items():
        subscribe(session, event, phone, language=lang)

    urgent(session, event, "Police closed Pariser Platz: assemble at the Tiergarten side.")
    worker.run(once=True)
    session.commit()

    for phone in phones.values():
        (arrival,) = phone.arrivals()
        assert arrival.error is None  # the VAPID JWT verified for this origin
        assert arrival.claims["k"] == push.public_key(current_app.config)
        assert arrival.headers["ttl"] == str(current_app.config["PUSH_TTL_SECONDS"])
        assert arrival.headers["urgency"] == "high"
    (en,) = phones["en"].received()
    (de,) = phones["de"].received()
    (ru,) = phones["ru"].received()
    text = "Police closed Pariser Platz: assemble at the Tiergarten side."
    assert en["title"] == "Urgent: March for the Climate"
    assert de["title"] == "Dringend: Klimamarsch"
    assert ru["title"] == "Срочно: Марш за климат"
    assert en["body"] == de["body"] == ru["body"] == text
    assert en["url"].endswith(f"/e/{event.slug}")
    alert = session.scalar(select(PushAlert))
    assert (alert.status, alert.sent, alert.dropped, alert.failed) == ("done", 3, 0, 0)


def test_alert_to_a_role_reaches_only_phones_of_that_role(session, push_service):
    event = make_event(session)
    stewards = add_role(session, event, "Stewards")
    medics = add_role(session, event, "Medics")
    steward, medic, anyone = Phone(push_service), Phone(push_service), Phone(push_service)
    subscribe(session, event, steward, role=stewards)
    subscribe(session, event, medic, role=medics)
    subscribe(session, event, anyone)

    urgent(session, event, "Stewards: to the front block now.", role=stewards)
    send_all(utcnow())

    assert [m["body"] for m in steward.received()] == ["Stewards: to the front block now."]
    assert medic.arrivals() == [] and anyone.arrivals() == []


def test_gone_subscription_is_dropped_and_failing_one_retries_with_back_off(session, push_service):
    event = make_event(session)
    gone, flaky, fine = Phone(push_service), Phone(push_service), Phone(push_service)
    for phone in (gone, flaky, fine):
        subscribe(session, event, phone, language="de")
    push_service.answers[gone.token] = [410]
    push_service.answers[flaky.token] = [500, 503]
    start = utcnow()
    urgent(session, event, "Wir biegen in die Wilhelmstraße ein.", now=start)

    send_all(start)
    assert len(fine.received()) == 1
    endpoints = set(session.scalars(select(PushSubscription.endpoint)))
    assert gone.endpoint not in endpoints  # 410: the browser dropped it, so do we
    assert flaky.endpoint in endpoints
    retry = session.scalar(select(PushRetry))
    assert retry.next_attempt_at == start + timedelta(seconds=60)  # the outbox's first wait

    send_all(start + timedelta(seconds=30))  # not due yet: nothing goes
    assert len(flaky.arrivals()) == 1
    send_all(start + timedelta(seconds=61))  # second try: 503, waits twice as long
    assert len(flaky.arrivals()) == 2
    assert session.scalar(select(PushRetry.next_attempt_at)) == start + timedelta(seconds=181)
    send_all(start + timedelta(seconds=181))  # third try: taken
    (alert_text,) = flaky.received()[-1:]
    assert alert_text["title"].startswith("Dringend: ")
    assert alert_text["body"] == "Wir biegen in die Wilhelmstraße ein."
    assert session.scalar(select(func.count()).select_from(PushRetry)) == 0
    alert = session.scalar(select(PushAlert))
    assert (alert.sent, alert.dropped, alert.failed) == (2, 1, 0)


def test_retries_give_up_after_the_outbox_limit(session, push_service):
    event = make_event(session)
    phone = Phone(push_service)
    subscribe(session, event, phone)
    push_service.answers[phone.token] = [500] * 50
    start = utcnow()
    urgent(session, event, "Stay together.", now=start)
    send_all(start)
    send_all(start + timedelta(days=1, seconds=1))
    assert session.scalar(select(func.count()).select_from(PushRetry)) == 0
    alert = session.scalar(select(PushAlert))
    assert (alert.sent, alert.failed) == (0, 1)
    assert len(phone.arrivals()) == 2  # tried, then once more when given up


def test_many_phones_go_in_batches_and_each_gets_one_alert(session, push_service):
    event = make_event(session)
    phones = [Phone(push_service) for _ in range(7)]  # PUSH_BATCH_SIZE is 3
    for phone in phones:
        subscribe(session, event, phone)
    urgent(session, event, "Assemble at the Tiergarten side.")
    session.commit()
    assert push.send_due(db.transaction, utcnow(), current_app.config) == 3
    assert sum(len(p.arrivals()) for p in phones) == 3
    send_all(utcnow())
    assert [len(p.received()) for p in phones] == [1] * 7


def test_a_slow_push_service_ends_the_batch_before_the_lease_and_the_next_round_goes_on(
    app, session, push_service
):
    # The lease leaves 2 s to start requests (8 s less two 3 s timeouts); each answer takes
    # 0.6 s (well within the timeout), 8 at a time: the 40 need five waves, and the fifth,
    # from 2.4 s on, would outlive the lease.
    app.config.update(PUSH_LEASE_SECONDS=8, PUSH_TIMEOUT=3, PUSH_BATCH_SIZE=40)
    push_service.delay = 0.6
    event = make_event(session)
    phones = [Phone(push_service) for _ in range(40)]
    for phone in phones:
        subscribe(session, event, phone)
    urgent(session, event, "We turn into Wilhelmstraße.")

    assert push.send_due(db.transaction, utcnow(), current_app.config) == 40
    first_round = sum(len(p.arrivals()) for p in phones)
    assert 0 < first_round < 40

    send_all(utcnow())  # the next rounds go on from the last one tried
    assert [len(p.received()) for p in phones] == [1] * 40
    assert session.scalar(select(func.count()).select_from(PushRetry)) == 0
    alert = session.scalar(select(PushAlert))
    assert (alert.sent, alert.failed, alert.status) == (40, 0, "done")


def test_alert_held_by_a_live_worker_is_left_alone_and_taken_over_after_its_lease(
    session, push_service
):
    event = make_event(session)
    phone = Phone(push_service)
    subscribe(session, event, phone)
    now = utcnow()
    urgent(session, event, "Stay calm.", now=now)
    alert = session.scalar(select(PushAlert))
    alert.lease_until = now + timedelta(seconds=60)  # another worker is on it
    session.commit()
    send_all(now)
    assert phone.arrivals() == []
    send_all(now + timedelta(seconds=61))  # that worker died: its lease ran out
    assert len(phone.received()) == 1


def test_purge_erases_the_events_subscriptions_with_its_participants(session, push_service):
    from services.rsvp import purge

    ended = make_event(session, starts_at=utcnow() - timedelta(days=30))
    current = make_event(session)
    subscribe(session, ended, Phone(push_service))
    subscribe(session, current, Phone(push_service))
    purge.purge(session, now=utcnow(), retention_days=14)
    session.commit()
    left = session.scalars(select(PushSubscription.event_id)).all()
    assert left == [current.id]


def test_a_long_update_is_cut_to_fit_an_alert_and_still_decrypts(session, push_service):
    event = make_event(session)
    phone = Phone(push_service)
    subscribe(session, event, phone, language="ru")
    message = "🚧 Перекрыто! " * 400  # 5,600 characters, 4 bytes an emoji, 2 a letter
    urgent(session, event, message[:5000])
    send_all(utcnow())
    [alert] = phone.received()
    assert alert["body"].endswith("…")
    assert message.startswith(alert["body"][:-1])
    assert len(phone.decrypt(phone.arrivals()[0])) <= 3000
    assert alert["title"].startswith("Срочно: ")


class Listener:
    """A TCP port on loopback that keeps every byte a client sends it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:  # closed
                return
            with client:
                client.settimeout(5)
                try:
                    while chunk := client.recv(4096):
                        self.received += chunk
                except OSError:
                    pass

    def close(self) -> None:
        self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() under way
        self.server.close()
        self.thread.join(timeout=10)


def test_a_name_that_points_inside_after_its_check_gets_no_request(
    app, session, push_service, monkeypatch
):
    # DNS rebinding: the name answers a public address to the check before the batch, then
    # loopback to the connection. Production settings: no private endpoints.
    app.config.update(PUSH_ALLOW_PRIVATE_ENDPOINTS=False, PUSH_TIMEOUT=2)
    inside = Listener()
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.215.14"])  # the check's answer; every later one is loopback

    def rebinding(host, port, *args, **kwargs):
        if host != "push.example.com":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    event = make_event(session)
    phone = Phone(push_service)
    keys_ = phone.subscription()["keys"]
    endpoint = f"https://push.example.com:{inside.port}/push/{phone.token}"
    push.subscribe(
        session,
        event,
        push.Subscription(endpoint=endpoint, p256dh=keys_["p256dh"], auth=keys_["auth"]),
        language="en",
        role_id=None,
        now=utcnow(),
    )
    session.commit()
    urgent(session, event, "Assemble at the Tiergarten side.")

    push.send_due(db.transaction, utcnow(), current_app.config)
    inside.close()

    assert bytes(inside.received) == b""  # not even a TLS hello reached the address inside
    alert = session.scalar(select(PushAlert))
    assert alert.sent == 0
