// Fills the hidden lon/lat of every <form data-geolocate> (the programmes' visit forms) from the phone's
// position (browser geolocation) when the page opens, if the worker allows it; a [data-geo-status] in the
// form, if any, says whether a position was found (its data-found and data-unavailable texts). The form
// works without: the visit is then recorded without a place.
(function () {
  "use strict";
  document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
    var status = form.querySelector("[data-geo-status]");
    var lon = form.querySelector("input[name=lon]");
    var lat = form.querySelector("input[name=lat]");
    if (!lon || !lat || !navigator.geolocation) {
      if (status) { status.textContent = status.getAttribute("data-unavailable"); }
      return;
    }
    navigator.geolocation.getCurrentPosition(function (position) {
      lon.value = position.coords.longitude.toFixed(6);
      lat.value = position.coords.latitude.toFixed(6);
      if (status) { status.textContent = status.getAttribute("data-found") + " " + lat.value + ", " + lon.value; }
    }, function () {
      if (status) { status.textContent = status.getAttribute("data-unavailable"); }
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
}());
