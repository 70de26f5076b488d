// The coding queue's keyboard: 1–9 tick a theme, Enter saves, S skips, ? shows the help.
// Without this script the page is an ordinary form.
(function () {
  "use strict";
  var form = document.getElementById("coding-form");
  if (!form) { return; }
  var help = document.getElementById("coding-help");
  var skip = document.getElementById("coding-skip");
  var save = document.getElementById("coding-save");

  function typing(target) {
    var tag = (target && target.tagName) || "";
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "checkbox") ||
      (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    if (key >= "1" && key <= "9") {
      var box = form.querySelector('input[data-key="' + key + '"]');
      if (box) { box.checked = !box.checked; event.preventDefault(); }
    } else if (key === "Enter") {
      if (event.target && (event.target.tagName === "BUTTON" || event.target.tagName === "A")) { return; }
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit(save) : save.click();
    } else if (key === "s" || key === "S") {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit(skip) : skip.click();
    } else if (key === "?") {
      event.preventDefault();
      help.hidden = !help.hidden;
    }
  });
}());
