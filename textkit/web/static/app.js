// Charts: each <div data-figure="ID"> is drawn from the JSON in <script type="application/json" id="ID">.
// Keys on the label page: digits toggle themes, Enter accepts, S skips, U undoes, ? shows the keys.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-figure]").forEach(function (div) {
    var source = document.getElementById(div.dataset.figure);
    if (source && window.Plotly) {
      var figure = JSON.parse(source.textContent);
      // Title on the left, a short mode bar on the right: the two never overlap.
      figure.layout.title = Object.assign({x: 0.01, xanchor: "left"}, figure.layout.title);
      Plotly.newPlot(div, figure.data, figure.layout, {
        responsive: true, displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "pan2d"]
      });
    }
  });
  var form = document.getElementById("answer-form");
  var undo = document.getElementById("undo-form");
  var help = document.getElementById("help");
  if (!form && !undo) { return; }
  var sent = false;
  function send(target, action) {
    if (sent) { return; }  // one answer per page, however fast the keys come
    sent = true;
    if (action) { target.querySelector("button[value=" + action + "]").click(); } else { target.submit(); }
  }
  document.addEventListener("keydown", function (event) {
    var tag = event.target.tagName;
    if (tag === "INPUT" && event.target.type !== "checkbox" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (form && /^[0-9]$/.test(key)) {
      var box = form.querySelector('.theme[data-key="' + key + '"] input');
      if (box) { box.checked = !box.checked; event.preventDefault(); }
    } else if (form && key === "Enter") {
      event.preventDefault(); send(form, "accept");
    } else if (form && (key === "s" || key === "S")) {
      event.preventDefault(); send(form, "skip");
    } else if (undo && (key === "u" || key === "U")) {
      event.preventDefault(); send(undo, null);
    } else if (help && key === "?") {
      help.hidden = !help.hidden;
    }
  });
});
