(function () {
  "use strict";
  var q = document.getElementById("q");
  var own = document.getElementById("f-own");
  var state = document.getElementById("f-state");
  var gaps = document.getElementById("f-gap");
  var count = document.getElementById("count");
  var none = document.getElementById("none");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#controls tbody tr"));
  function apply() {
    var t = q.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var ok = (!t || r.textContent.toLowerCase().indexOf(t) >= 0) &&
        (!own.value || r.getAttribute("data-own") === own.value) &&
        (!state.value || r.getAttribute("data-state") === state.value) &&
        (!gaps.checked || r.getAttribute("data-gap") === "1");
      r.hidden = !ok;
      var d = document.getElementById("c-" + r.getAttribute("data-id"));
      if (d) { d.hidden = !ok; }
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " controls shown";
    none.hidden = shown > 0;
  }
  function fromHash() {
    var h = location.hash;
    if (h.indexOf("#q=") === 0) {
      try { q.value = decodeURIComponent(h.slice(3).replace(/\+/g, " ")); } catch (e) { q.value = h.slice(3); }
      apply();
    }
  }
  [q, own, state, gaps].forEach(function (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); });
  window.addEventListener("hashchange", fromHash);
  apply();
  fromHash();

  var pick = document.getElementById("pick");
  var out = document.getElementById("check-out");
  var listed = Array.prototype.slice.call(document.querySelectorAll("#file-list tbody tr"));
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function say(name, text, cls) {
    var li = document.createElement("li");
    li.className = cls;
    li.textContent = name + ": " + text;
    out.appendChild(li);
  }
  function check(file) {
    var rel = file.webkitRelativePath ? file.webkitRelativePath.split("/").slice(1).join("/") : "";
    return file.arrayBuffer().then(function (b) { return crypto.subtle.digest("SHA-256", b); }).then(function (d) {
      var sha = hex(d);
      var same = listed.filter(function (r) {
        var p = r.getAttribute("data-path");
        return rel ? p === rel : (p === file.name || p.slice(-file.name.length - 1) === "/" + file.name);
      });
      var name = rel || file.name;
      if (!same.length) { say(name, "not in the list above (sha256 " + sha + ")", "warn"); return; }
      var hit = same.filter(function (r) { return r.getAttribute("data-sha") === sha; });
      if (hit.length) { say(name, "matches " + hit[0].getAttribute("data-path"), "ok"); }
      else { say(name, "DIFFERS from " + same[0].getAttribute("data-path") + ": sha256 " + sha, "gap"); }
    });
  }
  function run(input) {
    out.textContent = "";
    if (!window.crypto || !crypto.subtle) { say("check", "this browser offers no WebCrypto here", "gap"); return; }
    Array.prototype.slice.call(input.files).reduce(function (p, f) { return p.then(function () { return check(f); }); }, Promise.resolve());
  }
  document.getElementById("check").addEventListener("click", function () { run(pick); });
  document.getElementById("pick-dir").addEventListener("change", function (ev) { run(ev.target); });
}());
