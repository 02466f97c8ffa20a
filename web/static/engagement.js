// Progressive enhancement only: every form and link works without this script.
// 1. Forms with data-draft-url save what is typed as a draft, 1.5 s after the last keystroke.
// 2. Buttons with data-copy-target copy the share link.
// 3. Forms with data-preview-url show the post as it will look, 0.7 s after the last keystroke
//    (the "Xem trước" button does the same without this script). The HTML comes from the
//    server's sanitizer (the same one as published posts); nothing here builds markup.
// 4. A preview's patient-data warning offers to replace each suspected identifier with a
//    placeholder: here the text is changed in the form at once (without this script the same
//    buttons submit the form and the server replaces them). Offsets are characters of the text
//    after NFC and trimming, as the server counts them.
(function () {
  "use strict";
  var DELAY_MS = 1500;
  var PREVIEW_DELAY_MS = 700;

  // The form's text fields as a URL-encoded body (file inputs are left out).
  function encodedFields(form) {
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") body.append(name, value);
    });
    return body.toString();
  }

  function autosave(form) {
    var status = form.querySelector("[data-draft-status]");
    var timer = null;
    var lastSaved = encodedFields(form);
    function say(text) { if (status) status.textContent = text; }
    function save() {
      timer = null;
      var body = encodedFields(form);
      if (body === lastSaved) return;
      fetch(form.getAttribute("data-draft-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Draft-Autosave": "1" },
        body: body
      }).then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        lastSaved = body;
        return res.text();
      }).then(say, function () { say(form.getAttribute("data-draft-failed") || ""); });
    }
    form.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, DELAY_MS);
    });
  }

  function livePreview(form) {
    var area = document.getElementById(form.getAttribute("data-preview-area"));
    if (!area) return;
    var timer = null;
    var lastSent = null;
    var asked = 0;
    function show() {
      timer = null;
      var body = encodedFields(form);
      if (body === lastSent) return;
      lastSent = body;
      var mine = ++asked;
      fetch(form.getAttribute("data-preview-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body
      }).then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.text();
      }).then(function (html) {
        // Only the answer to the latest request is shown (answers may arrive out of order).
        if (mine === asked) area.innerHTML = html;
      }, function () {
        if (mine !== asked) return;
        lastSent = null;
        area.textContent = form.getAttribute("data-preview-failed") || "";
      });
    }
    form.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(show, PREVIEW_DELAY_MS);
    });
    area.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button[name=replace]") : null;
      if (!button) return;
      event.preventDefault();
      var all = button.value === "all";
      var chosen = all ? area.querySelectorAll("li.finding:not(.hint) button.replace-finding") : [button];
      var edits = Array.prototype.slice.call(chosen).map(function (b) {
        return { field: b.getAttribute("data-field"), start: +b.getAttribute("data-start"), end: +b.getAttribute("data-end"),
                 text: b.getAttribute("data-text"), placeholder: b.getAttribute("data-placeholder") };
      });
      // From the end of each field backwards, so earlier offsets stay right.
      edits.sort(function (a, b) { return b.start - a.start; });
      var changed = false;
      edits.forEach(function (e) { changed = replaceIn(form.elements[e.field], e) || changed; });
      if (changed) form.dispatchEvent(new Event("input", { bubbles: true }));
      if (timer) clearTimeout(timer);
      show();
    });
  }

  // Replaces characters e.start..e.end of a field (after NFC and trimming) when they still are
  // the words found; returns whether the field changed.
  function replaceIn(field, e) {
    if (!field || typeof field.value !== "string") return false;
    var chars = Array.from(field.value.replace(/\r\n/g, "\n").normalize("NFC").trim());
    if (chars.slice(e.start, e.end).join("") !== e.text) return false;
    field.value = chars.slice(0, e.start).join("") + e.placeholder + chars.slice(e.end).join("");
    return true;
  }

  function copyButton(button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentNode.querySelector("[role=status]");
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) status.textContent = button.getAttribute("data-copied");
      });
    });
  }

  document.querySelectorAll("form[data-draft-url]").forEach(autosave);
  document.querySelectorAll("form[data-preview-url]").forEach(livePreview);
  document.querySelectorAll("button[data-copy-target]").forEach(copyButton);
})();
