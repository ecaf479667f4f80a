// Live updates on an event page: polls the small JSON feed (an unchanged feed costs a 304),
// shows new updates, the march's position on the map and in words, and marks the schedule.
// Its words come translated in the root's data-i18n JSON (macros/map.html live_i18n), with
// English fallbacks here; their placeholders are written {name}.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-url]");
  if (!root) return;
  var url = root.getAttribute("data-live-url");
  var interval = Math.max(1, parseInt(root.getAttribute("data-interval") || "30", 10)) * 1000;
  var list = root.querySelector("[data-live-list]");
  var empty = root.querySelector("[data-live-empty]");
  var positionText = document.querySelector("[data-live-position]");
  var stamp = document.querySelector("[data-live-stamp]");
  var positionMarkers = {};
  var lastFeed = null;
  var i18n = {};
  try {
    i18n = JSON.parse(root.getAttribute("data-i18n") || "{}") || {};
  } catch (err) { /* keep the English fallbacks */ }

  var FALLBACK = {
    just_now: "just now",
    front: "The front of the march",
    end: "The end of the march",
    front_near: "The front of the march was near {place}, {ago}.",
    end_near: "The end of the march was near {place}, {ago}.",
    front_on_route: "The front of the march was on the route, {ago}.",
    end_on_route: "The end of the march was on the route, {ago}.",
    front_updated: "The front of the march, updated {ago}",
    end_updated: "The end of the march, updated {ago}"
  };

  function word(key) {
    return typeof i18n[key] === "string" ? i18n[key] : FALLBACK[key];
  }

  // One pass, so a place name containing "{ago}" is never filled in again.
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  // forms: {"one": .., "few": .., "many": .., "other": ..} as Intl.PluralRules names them
  // (a single string is taken for every count).
  function plural(forms, n, one, other) {
    if (typeof forms === "string") return fill(forms, { n: n });
    var category = n === 1 ? "one" : "other";
    try {
      category = new Intl.PluralRules(document.documentElement.lang || "en").select(n);
    } catch (err) { /* an unknown language tag: English rules */ }
    var chosen = forms && (typeof forms[category] === "string" ? forms[category] : forms.other);
    return fill(typeof chosen === "string" ? chosen : (n === 1 ? one : other), { n: n });
  }

  function minutesAgo(iso) {
    var minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return word("just_now");
    if (minutes < 120) {
      return plural(i18n.minutes_ago, minutes, "{n} minute ago", "{n} minutes ago");
    }
    return plural(i18n.hours_ago, Math.round(minutes / 60), "{n} hour ago", "{n} hours ago");
  }

  function renderUpdates(updates) {
    if (!list) return;
    var known = {};
    Array.prototype.forEach.call(list.querySelectorAll("[data-update-id]"), function (li) {
      known[li.getAttribute("data-update-id")] = true;
    });
    // Feed is newest first; insert unknown ones at the top in that order.
    var anchor = list.firstChild;
    updates.forEach(function (u) {
      if (known[String(u.id)]) return;
      var li = document.createElement("li");
      li.setAttribute("data-update-id", String(u.id));
      li.className = "update" + (u.is_update ? " update--message" : "");
      var time = document.createElement("time");
      time.setAttribute("datetime", u.at);
      time.textContent = u.time;
      li.appendChild(time);
      li.appendChild(document.createTextNode(" "));
      var text = document.createElement("span");
      text.textContent = u.summary;
      li.appendChild(text);
      list.insertBefore(li, anchor);
    });
    if (empty) empty.hidden = updates.length > 0;
  }

  function renderPosition(position) {
    var parts = [];
    ["front", "end"].forEach(function (key) {
      var p = position[key];
      if (!p) return;
      var ago = minutesAgo(p.at);
      parts.push(p.near ? fill(word(key + "_near"), { place: p.near, ago: ago })
        : fill(word(key + "_on_route"), { ago: ago }));
      var maps = window.rallypointMaps || [];
      if (maps.length && window.L) {
        var map = maps[0].map;
        if (!positionMarkers[key]) {
          positionMarkers[key] = window.L.circleMarker([p.lat, p.lon], {
            radius: 12, weight: 4, className: "march-position march-position--" + key
          }).addTo(map);
        } else {
          positionMarkers[key].setLatLng([p.lat, p.lon]);
        }
        positionMarkers[key].bindTooltip(fill(word(key + "_updated"), { ago: ago }));
      }
    });
    if (positionText) {
      positionText.textContent = parts.join(" ");
      positionText.hidden = parts.length === 0;
    }
  }

  function renderSchedule(items) {
    var now = Date.now();
    items.forEach(function (item, i) {
      var el = document.querySelector('[data-schedule-id="' + item.id + '"]');
      if (!el) return;
      var next = items[i + 1];
      var started = Date.parse(item.starts_at) <= now;
      var done = started && next && Date.parse(next.starts_at) <= now;
      el.classList.toggle("is-done", !!done);
      el.classList.toggle("is-now", started && !done);
    });
  }

  function render(feed) {
    lastFeed = feed;
    renderUpdates(feed.updates || []);
    renderPosition(feed.position || {});
    renderSchedule(feed.schedule || []);
    if (stamp) {
      var d = new Date();
      stamp.textContent = ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
      stamp.setAttribute("datetime", d.toISOString());
    }
  }

  function poll() {
    // "no-cache" revalidates with the stored ETag: an unchanged feed is a 304.
    fetch(url, { cache: "no-cache", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (feed) { if (feed) render(feed); })
      .catch(function () { /* offline: the page keeps what it shows */ })
      .then(function () { window.setTimeout(poll, interval); });
  }

  // Refresh relative times even when nothing changed.
  window.setInterval(function () { if (lastFeed) renderPosition(lastFeed.position || {}); }, 30000);
  poll();
})();
