// The facility map: district outlines and facility points on a blank background, so it works on an
// intranet with no tile server. Data comes from the page's <script type="application/json">.
// Leaflet's zoom buttons carry English titles: the page gives them in its language (data-zoom-in/-out).
function zoomControl(map, element) {
  "use strict";
  L.control.zoom({
    zoomInTitle: element.getAttribute("data-zoom-in") || "+",
    zoomOutTitle: element.getAttribute("data-zoom-out") || "-"
  }).addTo(map);
}
(function () {
  "use strict";
  var element = document.getElementById("facility-map");
  var source = document.getElementById("facility-data");
  if (!element || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { attributionControl: false, preferCanvas: true, zoomControl: false });
  zoomControl(map, element);
  var layers = [];
  data.outlines.forEach(function (outline) {
    var layer = L.geoJSON(outline.geometry, { style: { color: "#b71c1c", weight: 1, fillOpacity: 0.04 } });
    var name = document.createElement("span");
    name.textContent = outline.name;
    layer.bindTooltip(name);
    layer.addTo(map);
    layers.push(layer);
  });
  var points = L.featureGroup();
  data.points.forEach(function (p) {
    var label = document.createElement("div");  // text, never HTML: names are typed by people
    label.textContent = p.name + " · " + p.type + " · " + p.area;
    L.circleMarker([p.lat, p.lon], { radius: 5, color: "#0b57d0", weight: 1, fillOpacity: 0.8 })
      .bindPopup(label)
      .addTo(points);
  });
  points.addTo(map);
  // Frame the facilities; the outlines are context. With no facilities, frame the outlines.
  var bounds = points.getLayers().length ? points.getBounds() : null;
  if (!bounds) {
    layers.forEach(function (layer) { bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds(); });
  }
  if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([41.8, 123.4], 9); }
  element.setAttribute("data-ready", String(data.points.length));
})();
