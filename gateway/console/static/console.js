/* The console works without JavaScript; this only adds small conveniences. */
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
})();
