/* What the route map (event-map.js) and the route editor (route-editor.js) share: the page's
 * data block, a Leaflet map with its tiles, fitting the view, and waypoint kinds and their names.
 *
 * Leaflet is the global L: a classic deferred script placed before these modules, so it has run
 * by the time they do (deferred scripts and modules run in document order).
 *
 * The waypoint kinds come from the data block's "kinds" (macros/map.html writes them from
 * models.enums.WaypointKind, in the legend's order); their names from its "i18n".
 */

const MAX_ZOOM = 19;
const FIT_PADDING = 28;
const CATCH_ALL_KIND = 'other'; // what an unknown kind is drawn as

// The route maps on this page, for live.js, which draws the march's position on the first.
export const routeMaps = [];

export function readData(container) {
  const block = document.getElementById(container.getAttribute('data-map-data') || '');
  if (!block) return null;
  try {
    return JSON.parse(block.textContent);
  } catch {
    return null;
  }
}

// The waypoint kinds the page knows, in the legend's order.
export function kindsOf(data) {
  return (data && Array.isArray(data.kinds)) ? data.kinds : [];
}

export function kindOf(kinds, value) {
  return kinds.includes(value) ? value : CATCH_ALL_KIND;
}

// The kind's name from the page's words; else the kind itself ("first_aid" -> "First aid").
export function kindName(i18n, kind) {
  const names = (i18n && i18n.kinds) || {};
  if (typeof names[kind] === 'string') return names[kind];
  const text = String(kind).replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escapeHtml(text) {
  // Leaflet shows attributions as HTML; ours is configuration text, so it is escaped.
  const div = document.createElement('div');
  div.textContent = text;
  return div.innerHTML;
}

export function createMap(container, data, options) {
  container.classList.add('map--ready'); // Leaflet needs the box to have a size first
  const map = L.map(container, { maxZoom: MAX_ZOOM, scrollWheelZoom: false, ...options });
  const tiles = (data && data.tiles) || {};
  if (tiles.url) {
    L.tileLayer(tiles.url, {
      maxZoom: MAX_ZOOM,
      attribution: escapeHtml(tiles.attribution || ''),
      // A tile server need not learn which event page a participant is reading.
      referrerPolicy: 'no-referrer',
    }).addTo(map);
  }
  return map;
}

// `bottom`: pixels covered by a control at the bottom (the legend), kept free of route.
export function fit(map, latlngs, bottom) {
  if (!latlngs.length) return false;
  const bounds = L.latLngBounds(latlngs);
  if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
    map.setView(bounds.getCenter(), 16);
  } else {
    map.fitBounds(bounds, {
      paddingTopLeft: [FIT_PADDING, FIT_PADDING],
      paddingBottomRight: [FIT_PADDING, FIT_PADDING + (bottom || 0)],
      maxZoom: 17,
    });
  }
  return true;
}
