// The live board's one script, inline in every page: follows the page's event stream
// (server-sent events; the browser resumes with Last-Event-ID after a drop), lists each change
// once (by its sequence number), fetches the page's <main> again when an event arrives and
// swaps it in, keeping an open form and what was typed in it; sends the forms with fetch so the
// page stays put. Without the script the forms still post and the server redirects back.
#pragma once

#include <string_view>

namespace bandwatch::daemon::http {

inline constexpr std::string_view kBoardScript = R"js(
(function () {
  "use strict";
  var live = document.getElementById("live");
  var feed = document.getElementById("feed-list");
  var seen = new Set();
  var busy = false, again = false;
  function board() { return document.getElementById("board"); }
  function setLive(on, text) { live.className = "live " + (on ? "on" : "off"); live.textContent = text; }
  function text(tag, value, cls) { var e = document.createElement(tag); e.textContent = value; if (cls) e.className = cls; return e; }
  function uk(iso) { return typeof iso === "string" && iso.length >= 10 ? iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) : ""; }
  function remember() {
    var kept = {};
    board().querySelectorAll("details[open]").forEach(function (d) {
      var card = d.closest("[data-alert]");
      if (!card) return;
      var values = {};
      d.querySelectorAll("input[name]").forEach(function (i) { if (i.type !== "hidden") values[i.name] = i.value; });
      kept[card.dataset.alert + " " + d.className] = values;
    });
    return kept;
  }
  function restore(kept) {
    Object.keys(kept).forEach(function (key) {
      var parts = key.split(" ");
      var d = board().querySelector('[data-alert="' + parts[0] + '"] details.' + parts[1]);
      if (!d) return;
      d.open = true;
      Object.keys(kept[key]).forEach(function (name) { var i = d.querySelector('input[name="' + name + '"]'); if (i) i.value = kept[key][name]; });
    });
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    var url = location.pathname + "?part=main";
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var next = holder.querySelector("#board");
        var old = board();
        if (!next || !old) return;
        var before = new Set();
        old.querySelectorAll("[data-alert]").forEach(function (c) { before.add(c.id + c.className); });
        var kept = remember();
        var focused = document.activeElement && document.activeElement.id;
        old.replaceWith(next);
        restore(kept);
        if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
        next.querySelectorAll("[data-alert]").forEach(function (c) { if (!before.has(c.id + c.className)) c.classList.add("flash"); });
      })
      .catch(function () { again = true; })
      .finally(function () { busy = false; if (again) { again = false; setTimeout(refresh, 300); } });
  }
  function note(e) {
    if (seen.has(e.lastEventId)) return;
    seen.add(e.lastEventId);
    var event;
    try { event = JSON.parse(e.data); } catch (x) { return; }
    if (feed) {
      if (feed.firstElementChild && feed.firstElementChild.classList.contains("small")) feed.firstElementChild.remove();
      var li = document.createElement("li");
      li.dataset.sequence = e.lastEventId;
      li.appendChild(text("b", (event.kind || "event").replace("_", " ")));
      if (event.severity) li.appendChild(text("span", event.severity + " ", "band band-" + event.severity));
      li.appendChild(text("span", " " + (event.message || event.rule || "")));
      if (event.acknowledgement && event.acknowledgement.by) li.appendChild(text("span", " by " + event.acknowledgement.by));
      li.appendChild(text("span", "#" + e.lastEventId + (event.as_of ? ", data as at " + uk(event.as_of) : ""), "small"));
      feed.insertBefore(li, feed.firstChild);
      while (feed.children.length > 50) feed.removeChild(feed.lastChild);
    }
    refresh();
  }
  var first = board() ? board().dataset.sequence : "0";
  var source = new EventSource(BW_STREAM + "?after=" + encodeURIComponent(first));
  source.onopen = function () { setLive(true, "Live"); };
  source.onerror = function () { setLive(false, "Reconnecting"); };
  source.addEventListener("alert", note);
  source.addEventListener("reset", function () { refresh(); });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.dataset || !form.dataset.action) return;
    e.preventDefault();
    var result = form.parentNode.parentNode.querySelector(".result");
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, { method: "POST", credentials: "same-origin", body: body,
                         headers: { "Accept": "application/json", "X-CSRF-Token": body.get("csrf") || "" } })
      .then(function (r) { return r.json().catch(function () { return { ok: false, error: "HTTP " + r.status }; }); })
      .then(function (answer) {
        if (result) { result.textContent = answer.ok ? answer.message : answer.error; result.className = "result" + (answer.ok ? "" : " bad"); }
        if (answer.ok) { var d = form.closest("details"); if (d) d.open = false; refresh(); }
      })
      .catch(function (x) { if (result) { result.textContent = "Not sent: " + x; result.className = "result bad"; } });
  });
})();
)js";

}  // namespace bandwatch::daemon::http
