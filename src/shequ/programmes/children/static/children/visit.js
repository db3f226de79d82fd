// Fill the visit form's hidden place with the phone's position when the carer allows it; the visit is
// recorded without one otherwise (the core accepts a visit with no place).
(function () {
  "use strict";
  var form = document.querySelector("form.visit-form");
  if (!form || !navigator.geolocation) { return; }
  navigator.geolocation.getCurrentPosition(function (p) {
    form.querySelector("input[name=lon]").value = p.coords.longitude.toFixed(6);
    form.querySelector("input[name=lat]").value = p.coords.latitude.toFixed(6);
  }, function () {}, { timeout: 10000, maximumAge: 60000 });
}());
