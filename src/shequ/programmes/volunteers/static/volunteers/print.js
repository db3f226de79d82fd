// The certificate's print button (no inline script: the CSP allows our own files only).
(function () {
  "use strict";
  var button = document.getElementById("print-certificate");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
}());
