"""Push alerts in Chromium on a phone-sized screen: the service worker's push handler, fed
through the DevTools protocol (``ServiceWorker.deliverPushMessage``), shows the alert; the
event page offers "Get alerts on this phone" and turns it off in one tap; an urgent update
appears at the top of an open page."""

from __future__ import annotations

import json

import pytest
from flask import current_app
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from models import Event, EventTranslation, PushSubscription, utcnow
from services import push
from services.events import changes
from tests.factories import add_role, make_event
from tests.plugins.browser import PHONE
from tests.plugins.push import Phone
from tests.waiting import wait_until

# Kept in the service worker: each notification it asked the browser to show, once the browser
# took it (``showNotification`` resolved), with what the phone shows. Read there and not from
# ``registration.getNotifications()``: headless Chromium on a busy machine sometimes takes a
# notification and then lists none (seen after a resolved ``showNotification``, about one
# delivery in twenty-five with all cores busy), which is its display, not our worker.
NOTIFICATIONS_SEEN = """() => {
  if (self.notificationsSeen) return;
  self.notificationsSeen = [];
  const show = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
    return show.call(this, title, options).then((result) => {
      const {body, tag, data} = options;
      self.notificationsSeen.push({title, body, tag, data});
      return result;
    });
  };
}"""


@pytest.fixture
def app_settings():
    return {"LIVE_POLL_SECONDS": 1}  # an open page asks for news every second


@pytest.fixture
def event(app):
    with app.app_context():
        event = make_event(db.session, title="March for the Climate")
        db.session.add(EventTranslation(event_id=event.id, language="de", title="Klimamarsch"))
        db.session.add(EventTranslation(event_id=event.id, language="ru", title="Марш за климат"))
        db.session.commit()
        return {"id": event.id, "slug": event.slug}


@pytest.fixture
def alerts_phone(browser, live_server):
    """A phone that has allowed this site's notifications."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    context.grant_permissions(["notifications"], origin=live_server)
    yield context
    context.close()


def shown(page) -> list[dict]:
    """The notifications our service worker has shown, once there is one."""
    found = wait_until(lambda: page.service_worker.evaluate("self.notificationsSeen"), timeout=30)
    assert found, "no notification was shown"
    return found


ACTIVATED = """() => navigator.serviceWorker.ready.then((registration) => {
  const worker = registration.active;
  return worker.state === 'activated' || new Promise((resolve) => {
    worker.addEventListener('statechange', () => worker.state === 'activated' && resolve(true));
  });
})"""


def service_worker(context, live_server: str):
    """Our site's service worker, as Playwright reaches into it."""
    ours = [w for w in context.service_workers if w.url == f"{live_server}/sw.js"]
    if ours:
        return ours[0]
    return context.wait_for_event(
        "serviceworker", predicate=lambda w: w.url == f"{live_server}/sw.js"
    )


def registration_id(page, live_server: str) -> str:
    """The service worker registration of our site, as DevTools names it, once its worker is
    activated: ``navigator.serviceWorker.ready`` resolves while it may still be activating,
    and a push is an event for an activated worker."""
    cdp = page.context.new_cdp_session(page)
    found: dict[str, str] = {}

    def updated(params) -> None:
        for registration in params["registrations"]:
            if registration["scopeURL"] == live_server + "/" and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    page.wait_for_function(ACTIVATED)
    page.service_worker = service_worker(page.context, live_server)
    page.service_worker.evaluate(NOTIFICATIONS_SEEN)
    assert wait_until(lambda: found.get("id"), timeout=10), "no service worker registration"
    page.cdp = cdp
    return found["id"]


def delivered_alerts(app, event, service, language: str, message: str) -> list[dict]:
    """What our worker sends a phone in ``language`` for an urgent ``message``, taken from
    the loopback push service and decrypted with that phone's keys."""
    phone = Phone(service)
    with app.app_context():
        saved = db.session.get(Event, event["id"])
        push.subscribe(
            db.session,
            saved,
            push.parse(phone.subscription(), allow_private=True),
            language=language,
            role_id=None,
            now=utcnow(),
        )
        change = changes.post_update(
            db.session, saved, message, include_waitlist=False, now=utcnow()
        )
        push.queue_alert(db.session, saved, change, role_id=None, now=utcnow())
        db.session.commit()
        while push.send_due(db.transaction, utcnow(), current_app.config):
            pass
    return phone.received()


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Urgent: March for the Climate"),
        ("de", "Dringend: Klimamarsch"),
        ("ru", "Срочно: Марш за климат"),
    ],
)
def test_service_worker_shows_the_alert_the_worker_sent(
    app, live_server, alerts_phone, event, push_service, language, title
):
    message = "Pariser Platz ist gesperrt: Sammeln an der Tiergarten-Seite."
    page = alerts_phone.new_page()
    page.goto(f"{live_server}/e/{event['slug']}")
    registration = registration_id(page, live_server)

    [payload] = delivered_alerts(app, event, push_service, language, message)
    page.cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server, "registrationId": registration, "data": json.dumps(payload)},
    )
    [notification] = shown(page)
    assert notification["title"] == title
    assert notification["body"] == message
    assert notification["data"]["path"] == f"/e/{event['slug']}"  # a tap opens the event page


def test_an_alert_naming_another_site_still_opens_ours(live_server, alerts_phone, event):
    page = alerts_phone.new_page()
    page.goto(f"{live_server}/e/{event['slug']}")
    registration = registration_id(page, live_server)
    data = {"title": "Urgent", "body": "x", "url": "https://evil.example/e/phish"}
    page.cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server, "registrationId": registration, "data": json.dumps(data)},
    )
    assert shown(page)[0]["data"]["path"] == "/e/phish"  # only the path, on our origin


def test_when_the_browser_refuses_the_page_says_so(browser, live_server, event, app):
    context = browser.new_context(**PHONE)
    context.grant_permissions(["notifications"], origin=live_server)
    # The browser's push service is unreachable (as for Chrome without Google's servers).
    context.add_init_script(
        "PushManager.prototype.subscribe = () => Promise.reject("
        "new DOMException('Registration failed - push service error', 'AbortError'))"
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/e/{event['slug']}")
        expect(page.get_by_role("heading", name="Alerts on the day")).to_be_visible()
        page.get_by_role("button", name="Get alerts on this phone").click()
        expect(page.locator("[data-alerts-status]")).to_have_text(
            "That did not work. Reload the page and try again."
        )
        expect(page.get_by_role("button", name="Turn off alerts")).to_be_hidden()
    finally:
        context.close()
    with app.app_context():
        assert db.session.scalars(select(PushSubscription)).all() == []


def test_notifications_blocked_says_where_to_allow_them(phone, live_server, event):
    # The person once said "Block" to this site's notifications.
    phone.add_init_script("Notification.requestPermission = () => Promise.resolve('denied')")
    page = phone.new_page()
    page.goto(f"{live_server}/e/{event['slug']}")
    page.get_by_role("button", name="Get alerts on this phone").click()
    expect(page.locator("[data-alerts-status]")).to_have_text(
        "Alerts are blocked for this site in your browser's settings."
    )


def test_alerts_are_not_offered_without_push_support(browser, live_server, event):
    context = browser.new_context(**PHONE)
    context.add_init_script("delete window.PushManager")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/e/{event['slug']}")
        expect(page.get_by_role("heading", name="March for the Climate")).to_be_visible()
        expect(page.locator("[data-alerts]")).to_be_hidden()
    finally:
        context.close()


def test_an_urgent_update_appears_at_the_top_of_an_open_page(app, live_server, page, event):
    page.goto(f"{live_server}/e/{event['slug']}")
    banner = page.locator("[data-urgent-banner]")
    expect(banner).to_be_hidden()
    with app.app_context():
        saved = db.session.get(Event, event["id"])
        change = changes.post_update(
            db.session, saved, "We turn into Wilhelmstraße.", include_waitlist=False, now=utcnow()
        )
        push.queue_alert(db.session, saved, change, role_id=None, now=utcnow())
        db.session.commit()
    # No reload: the open page's live feed brings it (within LIVE_POLL_SECONDS).
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Urgent")
    expect(banner).to_contain_text("We turn into Wilhelmstraße.")
    # Said once at the top: the change banner (the same feed, handled first) leaves it to
    # the urgent one; it is still in "Changes and updates".
    expect(page.locator("[data-live-banner]")).not_to_contain_text("Wilhelmstraße")
    expect(page.locator("[data-update-id]").first).to_contain_text("We turn into Wilhelmstraße.")
    top = banner.bounding_box()["y"]
    assert top < page.get_by_role("heading", name="March for the Climate").bounding_box()["y"]

    # A newer one, for stewards only, takes its place and says whom it is for.
    with app.app_context():
        saved = db.session.get(Event, event["id"])
        stewards = add_role(db.session, saved, "Stewards")
        change = changes.post_update(
            db.session, saved, "Stewards to the front block.", include_waitlist=False, now=utcnow()
        )
        push.queue_alert(db.session, saved, change, role_id=stewards.id, now=utcnow())
        db.session.commit()
    expect(banner).to_contain_text("Urgent, for Stewards")
    expect(banner).to_contain_text("Stewards to the front block.")
    expect(banner).not_to_contain_text("Wilhelmstraße")


# The browser's own registration with its push service (Google's, for Chrome) cannot happen
# here, so this stands in for it: PushManager hands the page a subscription to the loopback
# push service, with keys the test holds. Everything of ours runs for real: push.js, the
# routes, the worker, the encryption, the push service's checks and the service worker.
FAKE_PUSH_SERVICE = """(() => {
  const json = %s;
  // The browser keeps a subscription across page loads: so does this stand-in.
  const made = () => ({
    endpoint: json.endpoint,
    options: {},
    toJSON: () => json,
    unsubscribe: () => { localStorage.removeItem('test-push'); return Promise.resolve(true); },
  });
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem('test-push') ? made() : null);
  };
  PushManager.prototype.subscribe = function (options) {
    window.askedKey = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    localStorage.setItem('test-push', '1');
    return Promise.resolve(made());
  };
})();"""


def test_a_german_phone_turns_alerts_on_gets_the_alert_and_turns_them_off(
    app, browser, live_server, event, push_service
):
    phone = Phone(push_service)
    context = browser.new_context(**PHONE, locale="de-DE")
    context.grant_permissions(["notifications"], origin=live_server)
    context.add_init_script(FAKE_PUSH_SERVICE % json.dumps(phone.subscription()))
    try:
        page = context.new_page()
        page.goto(f"{live_server}/e/{event['slug']}")
        registration = registration_id(page, live_server)
        page.get_by_role("button", name="Warnmeldungen auf diesem Telefon erhalten").click()
        expect(page.locator("[data-alerts-status]")).to_have_text(
            "Warnmeldungen sind auf diesem Telefon eingeschaltet."
        )
        off = page.get_by_role("button", name="Warnmeldungen ausschalten")
        expect(off).to_be_visible()
        with app.app_context():
            assert page.evaluate("window.askedKey") == push.public_key(current_app.config)
            [row] = db.session.scalars(select(PushSubscription)).all()
            assert (row.endpoint, row.language) == (phone.endpoint, "de")
            saved = db.session.get(Event, event["id"])
            change = changes.post_update(
                db.session,
                saved,
                "Wir biegen in die Wilhelmstraße ein.",
                include_waitlist=False,
                now=utcnow(),
            )
            push.queue_alert(db.session, saved, change, role_id=None, now=utcnow())
            db.session.commit()
            while push.send_due(db.transaction, utcnow(), current_app.config):
                pass
        [payload] = phone.received()
        page.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_server, "registrationId": registration, "data": json.dumps(payload)},
        )
        [notification] = shown(page)
        assert notification["title"] == "Dringend: Klimamarsch"
        assert notification["body"] == "Wir biegen in die Wilhelmstraße ein."

        page.reload()  # still on after a reload, and off in one tap
        off.click()
        expect(page.locator("[data-alerts-status]")).to_have_text(
            "Warnmeldungen sind auf diesem Telefon ausgeschaltet."
        )
        expect(
            page.get_by_role("button", name="Warnmeldungen auf diesem Telefon erhalten")
        ).to_be_visible()
        with app.app_context():
            assert db.session.scalars(select(PushSubscription)).all() == []
    finally:
        context.close()
