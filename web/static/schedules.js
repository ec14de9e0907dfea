// Working hours editor: "Add range" and "Remove" buttons. The form works without them
// (each day has one blank row to fill in; emptying a row removes it); this only adds
// rows by copying a day's last one, emptied.
(function () {
  "use strict";
  function clear(row) {
    row.classList.remove("invalid");
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    });
    row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
    row.querySelectorAll(".field-error").forEach(function (p) { p.remove(); });
  }
  function addRemove(row) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link remove-range";
    button.textContent = "Remove";
    var label = row.querySelector("input");
    var name = label ? label.getAttribute("aria-label") || "" : "";
    button.setAttribute("aria-label", "Remove range" + (name ? " (" + name.replace(/ from$/, "") + ")" : ""));
    button.addEventListener("click", function () {
      var box = row.parentNode;
      var rows = box.querySelectorAll("[data-range-row]");
      var focus = box.parentNode.querySelector(".add-range");
      if (rows.length > 1) row.remove(); else clear(row);
      if (focus) focus.focus();
    });
    row.appendChild(button);
  }
  document.querySelectorAll("[data-ranges]").forEach(function (box) {
    box.querySelectorAll("[data-range-row]").forEach(addRemove);
    var add = document.createElement("button");
    add.type = "button";
    add.className = "secondary add-range";
    var legend = box.parentNode.querySelector("legend");
    add.textContent = legend ? "Add a range to " + legend.textContent : "Add a date";
    add.addEventListener("click", function () {
      var rows = box.querySelectorAll("[data-range-row]");
      var row = rows[rows.length - 1].cloneNode(true);
      row.querySelectorAll(".remove-range").forEach(function (b) { b.remove(); });
      clear(row);
      addRemove(row);
      box.appendChild(row);
      var first = row.querySelector("input");
      if (first) first.focus();
    });
    box.parentNode.insertBefore(add, box.nextSibling);
  });
})();
