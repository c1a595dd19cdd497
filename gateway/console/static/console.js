/* The console works without JavaScript; this only adds small conveniences and live updates. */
(function () {
  "use strict";

  /* Ask before a form that changes something (a retry) is sent. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  /* Put the focus on an error summary or a result notice, so that keyboard and screen
     reader users meet it first. */
  var first = document.querySelector("[data-focus-on-load]");
  if (first instanceof HTMLElement) {
    first.focus();
  }

  /* "/" jumps to the first filter field. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement
    ) {
      return;
    }
    var field = document.querySelector("[data-filter-first]");
    if (field instanceof HTMLElement) {
      event.preventDefault();
      field.focus();
    }
  });

  /* Live updates: the server says when something changed (server-sent events); the page then
     fetches itself again and swaps its live regions. New rows of a list are marked. */
  var main = document.querySelector("main[data-live-source]");
  if (!(main instanceof HTMLElement) || !window.EventSource || !window.fetch) {
    return;
  }
  var status = document.querySelector("[data-live-status]");
  var pending = null;
  var busy = false;

  function linksOf(root) {
    var seen = {};
    root.querySelectorAll("table.list tbody tr td a[href*='/messages/']").forEach(function (a) {
      seen[a.getAttribute("href")] = true;
    });
    return seen;
  }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function refresh() {
    pending = null;
    if (busy) {
      pending = window.setTimeout(refresh, 500);
      return;
    }
    busy = true;
    window
      .fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error("page not available");
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var before = linksOf(document);
        var added = 0;
        document.querySelectorAll("[data-live][id]").forEach(function (region) {
          var replacement = fresh.getElementById(region.id);
          if (!replacement || region.contains(document.activeElement)) {
            return;
          }
          var copy = document.importNode(replacement, true);
          region.replaceWith(copy);
          copy.querySelectorAll("table.list tbody tr").forEach(function (row) {
            var link = row.querySelector("td a[href*='/messages/']");
            if (link && !before[link.getAttribute("href")]) {
              row.classList.add("row-new");
              added += 1;
            }
          });
        });
        var time = new Date().toISOString().slice(11, 19);
        say(
          added
            ? added + (added === 1 ? " new message" : " new messages") + " (updated " + time + " UTC)"
            : "Updated " + time + " UTC"
        );
      })
      .catch(function () {
        say("Live updates paused: reload the page.");
      })
      .then(function () {
        busy = false;
      });
  }

  var source = new EventSource(main.getAttribute("data-live-source"));
  source.addEventListener("change", function () {
    if (pending === null) {
      pending = window.setTimeout(refresh, 250);
    }
  });
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) {
      say("Live updates stopped: reload the page.");
    }
  });
  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
