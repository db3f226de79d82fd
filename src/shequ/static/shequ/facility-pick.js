// Picking a facility's point on a map: a click fills in the form's longitude and latitude (WGS-84, what
// the map shows), sets "coordinates from" to GPS, marks the point and says which district it lies in.
// Outlines come from the page's facility-data, as for the facility map.
(function () {
  "use strict";
  var element = document.getElementById("facility-pick");
  var source = document.getElementById("facility-data");
  var lon = document.getElementById("id_lon");
  var lat = document.getElementById("id_lat");
  if (!element || !source || !lon || !lat || !window.L) { return; }
  var where = document.getElementById("facility-pick-where");
  var coordinates = document.getElementById("id_coordinates");
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { attributionControl: false, zoomControl: false });
  zoomControl(map, element);  // facility-map.js, loaded before
  var bounds = null;
  data.outlines.forEach(function (outline) {
    var layer = L.geoJSON(outline.geometry, { style: { color: "#b71c1c", weight: 1, fillOpacity: 0.04 }, interactive: false });
    layer.addTo(map);
    bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds();
  });
  // Ray casting over a GeoJSON Polygon or MultiPolygon (outer rings minus holes); the server checks again.
  function inRing(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function contains(geometry, x, y) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    return polygons.some(function (rings) {
      return inRing(rings[0], x, y) && !rings.slice(1).some(function (hole) { return inRing(hole, x, y); });
    });
  }
  var marker = null;
  function mark(point) {
    if (marker) { marker.setLatLng(point); } else { marker = L.circleMarker(point, { radius: 7, color: "#b71c1c", weight: 2, fillOpacity: 0.6 }).addTo(map); }
  }
  var start = parseFloat(lon.value) && parseFloat(lat.value) ? L.latLng(parseFloat(lat.value), parseFloat(lon.value)) : null;
  if (start) { mark(start); map.setView(start, 14); }
  else if (bounds && bounds.isValid()) { map.fitBounds(bounds); }
  else { map.setView([41.8, 123.4], 10); }
  map.on("click", function (event) {
    var point = event.latlng;
    lon.value = point.lng.toFixed(6);
    lat.value = point.lat.toFixed(6);
    if (coordinates) { coordinates.value = "wgs84"; }
    mark(point);
    if (!where) { return; }
    var found = data.outlines.filter(function (outline) { return contains(outline.geometry, point.lng, point.lat); });
    where.textContent = found.length ? element.getAttribute("data-in") + " " + found[0].name : element.getAttribute("data-outside");
  });
  element.shequMap = map;  // for the browser tests, which click a known point
  element.setAttribute("data-ready", "1");
})();
