// Working hours editor: "Add a range" and "Remove" buttons. The form works without
// them (each day ends with one blank row to fill in; emptying a row removes it); with
// them, blank rows are dropped, a day without rows says "Day off", and rows come and go
// by button. Each list's new rows are cleared copies of its server-rendered blank row.
(function () {
  "use strict";
  function clear(row) {
    row.classList.remove("invalid");
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    });
    row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
    row.querySelectorAll(".field-error, .remove-range").forEach(function (node) { node.remove(); });
    return row;
  }
  function blank(row) {
    if (row.querySelector(".field-error")) return false;
    var inputs = row.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) if (inputs[i].value) return false;
    return true;
  }

  document.querySelectorAll("[data-ranges]").forEach(function (box) {
    var rows = box.querySelectorAll("[data-range-row]");
    if (!rows.length) return;
    var template = clear(rows[rows.length - 1].cloneNode(true));
    var legend = box.parentNode.querySelector("legend");
    var day = legend ? legend.textContent.trim() : "";
    var empty = document.createElement("p");
    empty.className = "hint";
    empty.textContent = day ? "Day off" : "No date overrides.";
    box.parentNode.insertBefore(empty, box);
    var add = document.createElement("button");
    add.type = "button";
    add.className = "secondary add-range";
    add.textContent = day ? "Add a range to " + day : "Add a date";
    box.parentNode.insertBefore(add, box.nextSibling);

    function refresh() { empty.hidden = box.querySelector("[data-range-row]") !== null; }
    function prepare(row) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link remove-range";
      button.textContent = "Remove";
      button.setAttribute("aria-label", day ? "Remove a range of " + day : "Remove this date");
      button.addEventListener("click", function () {
        row.remove();
        refresh();
        add.focus();
      });
      row.insertBefore(button, row.querySelector(".field-error"));
      return row;
    }
    add.addEventListener("click", function () {
      var row = prepare(template.cloneNode(true));
      box.appendChild(row);
      refresh();
      row.querySelector("input").focus();
    });
    rows.forEach(function (row) {
      if (blank(row)) row.remove(); else prepare(row);
    });
    refresh();
  });
})();
