// The provider's phone page: a check-in or check-out form asks the phone for its position first (the
// browser's geolocation) and sends it with the form; without a position the form is sent as it is.
(function () {
  "use strict";
  document.querySelectorAll("form.locate").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located || !navigator.geolocation) { return; }
      event.preventDefault();
      var send = function () { form.dataset.located = "1"; form.submit(); };
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("input[name=lon]").value = position.coords.longitude.toFixed(6);
        form.querySelector("input[name=lat]").value = position.coords.latitude.toFixed(6);
        send();
      }, send, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  });
})();
