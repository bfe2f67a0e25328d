// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  // Copy buttons on the social page: shown only when the clipboard API exists.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    var label = button.innerHTML;  // the theme's own markup, restored after "Copied"
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.textContent).then(function () {
        // The label comes translated from the template; English only if a theme left it out.
        button.textContent = button.getAttribute("data-copied") || "Copied";
        setTimeout(function () { button.innerHTML = label; }, 1600);
      });
    });
  });
  // Copy buttons of the hub's e-mail page: the e-mail file, as formatted HTML (for an e-mail tool's editor)
  // or as its HTML code. They need the file over HTTP(S); opened from disk, the button says what to do instead.
  document.querySelectorAll("[data-copy-url]").forEach(function (button) {
    var rich = button.getAttribute("data-copy-as") === "html";
    if (!navigator.clipboard || (rich && typeof ClipboardItem === "undefined") || location.protocol === "file:") {
      return;
    }
    var label = button.innerHTML;
    button.hidden = false;
    function say(text) {
      button.textContent = text;
      setTimeout(function () { button.innerHTML = label; }, 2400);
    }
    button.addEventListener("click", function () {
      fetch(button.getAttribute("data-copy-url")).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      }).then(function (html) {
        if (!rich) { return navigator.clipboard.writeText(html); }
        var text = new DOMParser().parseFromString(html, "text/html").body.innerText;
        return navigator.clipboard.write([new ClipboardItem({
          "text/html": new Blob([html], {type: "text/html"}),
          "text/plain": new Blob([text], {type: "text/plain"})})]);
      }).then(function () {
        say(button.getAttribute("data-copied") || "Copied");
      }, function () {
        say(button.getAttribute("data-failed") || "Copy failed");
      });
    });
  });
  // Tables wider than the text column scroll inside it: make them reachable by keyboard.
  var tables = document.querySelectorAll(".prose table");
  function markScrollingTables() {
    tables.forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) { table.tabIndex = 0; } else { table.removeAttribute("tabindex"); }
    });
  }
  if (tables.length) {
    markScrollingTables();
    window.addEventListener("resize", markScrollingTables);
  }
  // Video and podcast players: no third-party request until the visitor clicks play.
  document.querySelectorAll(".player[data-embed]").forEach(function (player) {
    var start = player.querySelector(".player__start");
    start.addEventListener("click", function (event) {
      event.preventDefault();
      var frame = document.createElement("iframe");
      frame.src = player.getAttribute("data-embed");
      frame.title = start.textContent;
      frame.allow = "autoplay; fullscreen; picture-in-picture";
      frame.allowFullscreen = true;
      player.textContent = "";
      player.classList.add("is-playing");
      player.appendChild(frame);
    });
  });
})();
