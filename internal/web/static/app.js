// igny8 progressive enhancement: every page works without this file.
// Copy buttons: <button data-copy="#id"> copies the text of the element.
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("[data-copy]");
  if (!btn || !navigator.clipboard) return;
  var el = document.querySelector(btn.getAttribute("data-copy"));
  if (!el) return;
  navigator.clipboard.writeText(el.textContent.trim()).then(function () {
    var was = btn.textContent;
    btn.textContent = "Copied";
    setTimeout(function () { btn.textContent = was; }, 1500);
  });
});
// Copy buttons stay hidden until script runs (they need it).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy]").forEach(function (b) { b.hidden = false; });
});
