// docgen's pages: the little they need beyond plain forms, served by docgen itself.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // 扫描: files dropped on the area are the form's files, sent as the picker would send them
  document.querySelectorAll("[data-drop]").forEach(function (area) {
    var input = document.getElementById(area.getAttribute("data-drop"));
    if (!input) { return; }
    ["dragenter", "dragover"].forEach(function (type) {
      area.addEventListener(type, function (e) { e.preventDefault(); area.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      area.addEventListener(type, function (e) { e.preventDefault(); area.classList.remove("over"); });
    });
    area.addEventListener("drop", function (e) {
      if (!e.dataTransfer || !e.dataTransfer.files.length) { return; }
      input.files = e.dataTransfer.files;
      input.form.requestSubmit();
    });
  });
  // 复印件: one box selects or clears every row
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll("input[name='" + box.getAttribute("data-select-all") + "']").forEach(function (b) {
        b.checked = box.checked;
      });
    });
  });
  // a form whose button says it takes time shows that it is working, and is sent once
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.disabled = true; b.textContent = form.getAttribute("data-busy");
      });
    });
  });
});
