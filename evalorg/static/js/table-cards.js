// Tables become cards on a phone (issue 22): every body cell gets its column's header as
// data-label, and the CSS (.table-cards, below 576 px) lays each row out as a card with the
// labels beside the values. Tables with several header rows keep the plain layout
// (data-cards="off" opts a table out). Cells given a data-label in the template keep it.
(function () {
  "use strict";

  function headerLabels(table) {
    if (!table.tHead || table.tHead.rows.length !== 1) return null;
    var labels = [];
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      var text = cell.textContent.replace(/\s+/g, " ").trim();
      for (var i = 0; i < cell.colSpan; i++) labels.push(text);
    });
    return labels;
  }

  function cardTable(table) {
    if (table.dataset.cards === "off" || table.classList.contains("table-cards")) return;
    var labels = headerLabels(table);
    if (!labels) return;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", cell.colSpan > 1 ? "" : labels[column] || "");
          }
          column += cell.colSpan;
        });
      });
    });
    table.classList.add("table-cards");
  }

  function cardTables(root) {
    (root || document).querySelectorAll("main table.table").forEach(cardTable);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { cardTables(); });
  } else {
    cardTables();
  }
  // Rows swapped in by htmx are labelled too (a swapped table is a new element).
  document.addEventListener("htmx:afterSettle", function () { cardTables(); });
})();
