"""Sending push alerts, in the worker (``services.worker`` calls ``send_due`` each round).

Each round takes one batch of one alert: it leases the alert (``PUSH_LEASE_SECONDS``) in a
short transaction, reads the next ``PUSH_BATCH_SIZE`` subscriptions after the alert's cursor
(keyset on id; only the target role's when the alert has one), and writes the payload once
per language. With no transaction open it encrypts and POSTs each one (pywebpush: RFC 8291
``aes128gcm``, VAPID RFC 8292 signed once per push service and batch), a few at a time, then
records in a second short transaction: the cursor moves, a 404 or 410 deletes the
subscription (the phone unsubscribed or the browser dropped it), a failure that may pass (a
5xx, 429, a timeout, no connection) becomes a ``PushRetry`` that the next rounds send again
after the outbox's back-off (``OUTBOX_RETRY_FIRST_SECONDS`` doubling up to
``OUTBOX_RETRY_MAX_SECONDS``; given up ``OUTBOX_GIVE_UP_SECONDS`` after the alert), and
any other answer fails for good. No request starts that could outlive the lease (a slow
push service ends the batch early; the cursor stops at the last one tried), so a live worker
never sees its batch taken over. A worker killed mid-batch has moved no cursor: the next one
sends that batch again (at most one batch twice, never one lost).

Logs name the alert and the push service's host, never an endpoint (it identifies a phone).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from flask_babel import force_locale
from flask_babel import gettext as _
from pywebpush import WebPusher
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from core.database import skipping_locked
from models import Event, EventChange, EventTranslation
from models.push import PushAlert, PushAlertStatus, PushRetry, PushSubscription
from services import urls
from services.push import keys
from services.push.endpoints import BadSubscription, check_host, public_only

log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractContextManager[Session]]
SENT, GONE, RETRY, FAILED = "sent", "gone", "retry", "failed"
BODY_MAX = 1000  # characters of the update in an alert (the page has the whole of it)
# Bytes of an alert's JSON: RFC 8291 leaves 3,993 of a 4,096-byte record, and some push
# services take less; Cyrillic takes 2 bytes a letter, emoji 4.
PAYLOAD_MAX = 3000
CONCURRENCY = 8  # requests in flight at once: push services answer in 50-300 ms


@dataclass(frozen=True)
class Delivery:
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes


def send_due(transaction: Transaction, now: datetime, config: Mapping) -> int:
    """One round of sending at ``now``: a batch of the oldest alert not held by another
    worker, then a batch of due retries. Returns how many deliveries were tried (0: nothing
    was due). Needs an app context (the texts are translated)."""
    return _alert_batch(transaction, now, config) + _retry_batch(transaction, now, config)


def _alert_batch(transaction: Transaction, now: datetime, config: Mapping) -> int:
    lease_until = now + timedelta(seconds=config["PUSH_LEASE_SECONDS"])
    with transaction() as session:
        alert = session.scalar(
            skipping_locked(
                session,
                select(PushAlert)
                .where(
                    PushAlert.status == PushAlertStatus.PENDING,
                    or_(PushAlert.lease_until.is_(None), PushAlert.lease_until < now),
                )
                .order_by(PushAlert.id)
                .limit(1),
            )
        )
        if alert is None:
            return 0
        alert.lease_until = lease_until
        query = (
            select(PushSubscription)
            .where(PushSubscription.event_id == alert.event_id, PushSubscription.id > alert.cursor)
            .order_by(PushSubscription.id)
            .limit(config["PUSH_BATCH_SIZE"])
        )
        if alert.role_id is not None:
            query = query.where(PushSubscription.role_id == alert.role_id)
        subscriptions = session.scalars(query).all()
        payloads = _payloads(session, alert, config)
        deliveries = [_delivery(s, payloads) for s in subscriptions]
        alert_id, finished = alert.id, len(subscriptions) < config["PUSH_BATCH_SIZE"]
    outcomes = _deliver(deliveries, config, now)
    tried = deliveries[: len(outcomes)]  # the rest would have outlived the lease: next round
    with transaction() as session:
        alert = session.get(PushAlert, alert_id)
        if alert is None or alert.lease_until != lease_until:
            log.warning("push alert %s was taken over by another worker", alert_id)
            return len(deliveries)
        _record(session, alert, outcomes, now, config)
        if tried:
            alert.cursor = tried[-1].subscription_id
        alert.lease_until = None
        if finished and len(tried) == len(deliveries):
            alert.status, alert.finished_at = PushAlertStatus.DONE, now
    return max(len(deliveries), 1)  # an empty last batch still counts as work done


def _retry_batch(transaction: Transaction, now: datetime, config: Mapping) -> int:
    lease_until = now + timedelta(seconds=config["PUSH_LEASE_SECONDS"])
    with transaction() as session:
        retries = session.scalars(
            skipping_locked(
                session,
                select(PushRetry)
                .where(
                    PushRetry.next_attempt_at <= now,
                    or_(PushRetry.lease_until.is_(None), PushRetry.lease_until < now),
                )
                .order_by(PushRetry.next_attempt_at)
                .limit(config["PUSH_BATCH_SIZE"]),
            )
        ).all()
        if not retries:
            return 0
        payloads: dict[int, dict[str, bytes]] = {}
        deliveries: list[Delivery] = []
        for retry in retries:
            retry.lease_until = lease_until
            if retry.alert_id not in payloads:
                alert = session.get(PushAlert, retry.alert_id)
                payloads[retry.alert_id] = _payloads(session, alert, config)
            subscription = session.get(PushSubscription, retry.subscription_id)
            deliveries.append(_delivery(subscription, payloads[retry.alert_id]))
        ids = [(r.id, r.alert_id, r.subscription_id) for r in retries]
    outcomes = _deliver(deliveries, config, now)
    with transaction() as session:
        for retry_id, alert_id, subscription_id in ids:
            retry = session.get(PushRetry, retry_id)
            if retry is None or retry.lease_until != lease_until:
                continue  # its subscription went, or another worker took it over
            if subscription_id not in outcomes:  # not started before the lease's end
                retry.lease_until = None
                continue
            alert = session.get(PushAlert, alert_id)
            outcome = outcomes[subscription_id]
            if outcome == RETRY and not _given_up(alert, now, config):
                retry.attempts += 1
                retry.next_attempt_at = now + _delay(retry.attempts, config)
                retry.lease_until = None
                continue
            session.delete(retry)
            _count(session, alert, {subscription_id: FAILED if outcome == RETRY else outcome})
    return len(deliveries)


def _record(
    session: Session, alert: PushAlert, outcomes: dict[int, str], now: datetime, config: Mapping
) -> None:
    """The first attempt's outcomes: counted, gone subscriptions deleted, retries written."""
    for subscription_id, outcome in outcomes.items():
        if outcome == RETRY:
            session.add(
                PushRetry(
                    alert_id=alert.id,
                    subscription_id=subscription_id,
                    attempts=1,
                    next_attempt_at=now + _delay(1, config),
                )
            )
    _count(session, alert, {k: v for k, v in outcomes.items() if v != RETRY})
    session.flush()


def _count(session: Session, alert: PushAlert, outcomes: dict[int, str]) -> None:
    gone = [s for s, outcome in outcomes.items() if outcome == GONE]
    if gone:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    values = {
        "sent": PushAlert.sent + sum(1 for o in outcomes.values() if o == SENT),
        "dropped": PushAlert.dropped + len(gone),
        "failed": PushAlert.failed + sum(1 for o in outcomes.values() if o == FAILED),
    }
    session.execute(update(PushAlert).where(PushAlert.id == alert.id).values(**values))
    session.expire(alert, ["sent", "dropped", "failed"])


def _delay(attempts: int, config: Mapping) -> timedelta:
    # The outbox's rule (services.worker._retry_values): first, then doubling, up to the cap.
    first, cap = config["OUTBOX_RETRY_FIRST_SECONDS"], config["OUTBOX_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), cap))


def _given_up(alert: PushAlert, now: datetime, config: Mapping) -> bool:
    return now - alert.created_at >= timedelta(seconds=config["OUTBOX_GIVE_UP_SECONDS"])


def _delivery(subscription: PushSubscription, payloads: dict[str, bytes]) -> Delivery:
    return Delivery(
        subscription_id=subscription.id,
        endpoint=subscription.endpoint,
        p256dh=subscription.p256dh,
        auth=subscription.auth,
        payload=payloads.get(subscription.language) or payloads["en"],
    )


def _payloads(session: Session, alert: PushAlert, config: Mapping) -> dict[str, bytes]:
    """What the service worker shows, per language: the event's title in that language
    (the organisers' translation, else their own), "Urgent" in the phone's language, the
    update as written, and the event page to open on a tap."""
    event = session.get(Event, alert.event_id)
    change = session.get(EventChange, alert.change_id)
    titles = dict(
        session.execute(
            select(EventTranslation.language, EventTranslation.title).where(
                EventTranslation.event_id == event.id
            )
        ).all()
    )
    url = urls.event_url(event)
    payloads = {}
    for language in ("en", "de", "ru"):
        with force_locale(language):
            title = _("Urgent: %(event)s", event=titles.get(language) or event.title)
        data = {"title": title, "url": url, "tag": f"rallypoint-{event.id}"}
        payloads[language] = _fitted(data, change.summary)
    return payloads


def _fitted(data: dict, text: str) -> bytes:
    """``data`` with as much of ``text`` as its body as fits ``BODY_MAX`` characters and
    ``PAYLOAD_MAX`` bytes of JSON, cut with an ellipsis."""

    def encoded(length: int) -> bytes:
        body = text if length >= len(text) else text[:length].rstrip() + "…"
        return json.dumps({**data, "body": body}, ensure_ascii=False).encode()

    low, high = 0, min(len(text), BODY_MAX)
    if len(encoded(high)) <= PAYLOAD_MAX:
        return encoded(high)
    while low < high:  # the longest cut that fits
        middle = (low + high + 1) // 2
        if len(encoded(middle)) <= PAYLOAD_MAX:
            low = middle
        else:
            high = middle - 1
    return encoded(low)


class _NoRedirects(requests.Session):
    """A push service answers; it never sends us elsewhere (a redirect could point inside)."""

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs["allow_redirects"] = False
        return super().request(method, url, **kwargs)


def _deliver(deliveries: list[Delivery], config: Mapping, now: datetime) -> dict[int, str]:
    """POST each delivery, ``CONCURRENCY`` at a time; the outcome per subscription id.

    None starts once the lease could run out before its answer (two ``PUSH_TIMEOUT`` periods, to
    connect and to read, before the lease's end): those left have no outcome, and they are
    always the last ones of ``deliveries``, which go out in order."""
    if not deliveries:
        return {}
    deadline = time.monotonic() + config["PUSH_LEASE_SECONDS"] - 2 * config["PUSH_TIMEOUT"]
    allow_private = config["PUSH_ALLOW_PRIVATE_ENDPOINTS"]
    origins: dict[str, dict | None] = {}  # VAPID headers per push service, None: refused
    for delivery in deliveries:
        parts = urlsplit(delivery.endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in origins:
            continue
        try:
            if not allow_private:  # checked again: the name may point elsewhere by now
                check_host(parts.hostname or "", parts.port or 443)
            origins[origin] = keys.authorization(config, origin, now)
        except BadSubscription:
            origins[origin] = None
    local = threading.local()
    sessions: list[requests.Session] = []

    def one(delivery: Delivery) -> tuple[int, str]:
        parts = urlsplit(delivery.endpoint)
        headers = origins[f"{parts.scheme}://{parts.netloc}"]
        if headers is None:
            return delivery.subscription_id, GONE  # never again to a private address
        if not hasattr(local, "http"):
            local.http = _NoRedirects() if allow_private else public_only(_NoRedirects())
            sessions.append(local.http)
        keys_ = {"p256dh": delivery.p256dh, "auth": delivery.auth}
        info = {"endpoint": delivery.endpoint, "keys": keys_}
        try:
            response = WebPusher(info, requests_session=local.http).send(
                data=delivery.payload,
                headers={**headers, "Urgency": "high"},
                ttl=config["PUSH_TTL_SECONDS"],
                timeout=config["PUSH_TIMEOUT"],
                content_encoding="aes128gcm",
            )
        except requests.RequestException as err:
            log.info("push to %s failed: %s", parts.hostname, type(err).__name__)
            return delivery.subscription_id, RETRY
        except Exception as err:  # a key the library cannot use: this phone never works
            log.info("push to %s could not be built: %s", parts.hostname, type(err).__name__)
            return delivery.subscription_id, FAILED
        return delivery.subscription_id, _outcome(response.status_code, parts.hostname)

    queue = iter(deliveries)
    taking = threading.Lock()
    results: dict[int, str] = {}
    first = True

    def sender() -> None:
        nonlocal first
        while True:
            with taking:  # checked and taken at once: the ones taken are a prefix
                # The first always goes: a lease shorter than two timeouts must not stall.
                late = not first and time.monotonic() >= deadline
                delivery = None if late else next(queue, None)
                first = False
            if delivery is None:
                return
            subscription_id, outcome = one(delivery)
            results[subscription_id] = outcome

    with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="push") as pool:
        for future in [pool.submit(sender) for _ in range(CONCURRENCY)]:
            future.result()
    for http in sessions:
        http.close()
    return results


def _outcome(status: int, host: str | None) -> str:
    if 200 <= status < 300:
        return SENT
    if status in (404, 410):
        return GONE
    if status in (408, 429) or status >= 500:
        log.info("push service %s answered %s; retrying later", host, status)
        return RETRY
    log.warning("push service %s refused an alert with %s", host, status)
    return FAILED
