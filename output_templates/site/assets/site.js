/* PST — site public : la recherche (Pagefind, fichiers locaux). Sans JavaScript, le champ de recherche mène aux
   listes ; avec, il mène à la page de recherche, qui interroge l'index du site (pagefind/). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.querySelector("form.search");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = form.elements.q.value.trim();
      window.location.href = form.getAttribute("data-results") + (query ? "?q=" + encodeURIComponent(query) : "");
    });
  }
  var box = document.getElementById("resultats");
  if (!box) { return; }
  var status = document.getElementById("etat");
  var list = document.getElementById("liste-resultats");
  var query = (new URLSearchParams(window.location.search).get("q") || "").trim();
  if (form) { form.elements.q.value = query; }
  function say(key, n) {
    status.textContent = status.getAttribute("data-" + key).replace("{q}", query).replace("{n}", String(n));
  }
  function excerpt(html, into) {
    /* Pagefind's excerpt: text with <mark> around the words found; rebuilt as text nodes, never as HTML. */
    var parts = html.split(/<mark>|<\/mark>/);
    var scratch = document.createElement("textarea");
    parts.forEach(function (part, index) {
      scratch.innerHTML = part.replace(/<[^>]*>/g, "");
      var text = document.createTextNode(scratch.value);
      if (index % 2 === 1) { var mark = document.createElement("mark"); mark.appendChild(text); into.appendChild(mark); }
      else { into.appendChild(text); }
    });
  }
  if (!query) { say("empty", 0); return; }
  say("searching", 0);
  var index = new URL(box.getAttribute("data-index"), window.location.href);
  var root = new URL(box.getAttribute("data-root") || "./", window.location.href);
  import(index.href).then(function (pagefind) {
    return pagefind.search(query).then(function (search) {
      return Promise.all(search.results.slice(0, 50).map(function (r) { return r.data(); }));
    });
  }).then(function (results) {
    list.textContent = "";
    results.forEach(function (data) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      /* Pagefind gives the page's address from the server's root when it knows where its index is served (under
         the site's path), else from the site's root: both lead into this site. */
      var url = data.url || "";
      link.href = (url.indexOf(root.pathname) === 0 ? new URL(url, root) : new URL(url.replace(/^\/+/, ""), root)).href;
      link.textContent = (data.meta && data.meta.title) || data.url;
      var heading = document.createElement("p");
      heading.appendChild(link);
      var text = document.createElement("p");
      excerpt(data.excerpt || "", text);
      item.appendChild(heading);
      item.appendChild(text);
      list.appendChild(item);
    });
    say(results.length === 0 ? "none" : results.length === 1 ? "one" : "many", results.length);
  }).catch(function () { say("failed", 0); });
}());
