// The area picker (areas.widgets.AreaPicker): the code field stays in the form, hidden, and a search box
// beside it asks /api/areas/search as one types, listing matches with their path; choosing one puts its
// code into the field. Without this script the field is a plain code field.
(function () {
  "use strict";
  function setup(wrapper) {
    var field = wrapper.querySelector("input");
    if (!field || wrapper.getAttribute("data-ready")) { return; }
    var box = document.createElement("input");
    box.type = "search";
    box.className = "area-picker-box";
    box.setAttribute("autocomplete", "off");
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-expanded", "false");
    box.placeholder = wrapper.getAttribute("data-placeholder") || "";
    if (field.id) { box.setAttribute("aria-label", (document.querySelector("label[for='" + field.id + "']") || {}).textContent || ""); }
    box.value = wrapper.getAttribute("data-label") || field.value;
    var list = document.createElement("ul");
    list.className = "area-picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    field.type = "hidden";
    wrapper.insertBefore(box, field);
    wrapper.appendChild(list);
    var timer = null;
    var asked = 0;

    function choose(item) {
      field.value = item.code;
      box.value = item.label;
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(items, ticket) {
      if (ticket !== asked) { return; }  // an older answer arriving late
      list.textContent = "";
      if (!items.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = wrapper.getAttribute("data-empty") || "";
        list.appendChild(none);
      }
      items.forEach(function (item) {
        var option = document.createElement("li");
        option.setAttribute("role", "option");
        option.tabIndex = -1;
        option.textContent = item.label;  // text, never HTML: grid names are typed by people
        var code = document.createElement("span");
        code.className = "muted";
        code.textContent = " " + item.code;
        option.appendChild(code);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        option.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); choose(item); } });
        list.appendChild(option);
      });
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
    }

    function ask() {
      var q = box.value.trim();
      field.value = /^[0-9]{6,20}$/.test(q) ? q : "";  // a typed code counts as chosen
      if (!q) { list.hidden = true; return; }
      var params = new URLSearchParams({ q: q.slice(0, 50) });
      (wrapper.getAttribute("data-levels") || "").split(",").forEach(function (level) {
        if (level) { params.append("level", level); }
      });
      var ticket = ++asked;
      fetch(wrapper.getAttribute("data-url") + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) { show(items, ticket); })
        .catch(function () { show([], ticket); });
    }

    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 200); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && !list.hidden) {
        var first = list.querySelector("[role=option]");
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Enter" && !list.hidden) {
        var only = list.querySelectorAll("[role=option]");
        if (only.length) { event.preventDefault(); only[0].dispatchEvent(new MouseEvent("mousedown")); }
      }
    });
    list.addEventListener("keydown", function (event) {
      var current = document.activeElement;
      if (event.key === "ArrowDown" && current && current.nextElementSibling) { event.preventDefault(); current.nextElementSibling.focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (current && current.previousElementSibling || box).focus(); }
      if (event.key === "Escape") { list.hidden = true; box.focus(); }
    });
    box.addEventListener("blur", function () { setTimeout(function () { if (!wrapper.contains(document.activeElement)) { list.hidden = true; } }, 150); });
    wrapper.setAttribute("data-ready", "1");
  }
  function all() { document.querySelectorAll("[data-area-picker]").forEach(setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", all); } else { all(); }
})();
