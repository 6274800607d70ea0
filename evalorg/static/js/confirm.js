// Irreversible actions (issue #10): a form or submit button with data-confirm="…" asks first.
// On "yes" the form's hidden input name="confirm" is set to "yes" (the server refuses the POST
// without it and shows its own confirm page instead); on "no" nothing is sent.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter || null;
    var question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (!question) return;
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var field = form.querySelector("input[name=confirm][type=hidden]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "confirm";
      form.appendChild(field);
    }
    field.value = "yes";
  });
})();
