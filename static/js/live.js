// Live updates on an event page: polls the small JSON feed (an unchanged feed costs a 304),
// shows new updates, the march's position on the map and in words, and marks the schedule.
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

  function minutesAgo(iso) {
    var minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return "just now";
    if (minutes === 1) return "1 minute ago";
    if (minutes < 120) return minutes + " minutes ago";
    return Math.round(minutes / 60) + " hours ago";
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
      var label = key === "front" ? "The front of the march" : "The end of the march";
      parts.push(label + (p.near ? " was near " + p.near : " was on the route") + ", " +
        minutesAgo(p.at) + ".");
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
        positionMarkers[key].bindTooltip(label + ", updated " + minutesAgo(p.at));
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
