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
  function shown(data) {
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
    return item;
  }
  if (!query) { say("empty", 0); return; }
  say("searching", 0);
  var index = new URL(box.getAttribute("data-index"), window.location.href);
  var root = new URL(box.getAttribute("data-root") || "./", window.location.href);
  var step = parseInt(box.getAttribute("data-page"), 10) || 20;
  var more = document.getElementById("suivants");
  import(index.href).then(function (pagefind) {
    return pagefind.search(query);
  }).then(function (search) {
    /* Every result counts; their pages are read `step` at a time, the next ones on demand. */
    var results = search.results, done = 0;
    list.textContent = "";
    function next() {
      return Promise.all(results.slice(done, done + step).map(function (r) { return r.data(); })).then(function (found) {
        var first = null;
        found.forEach(function (data) {
          var item = shown(data);
          list.appendChild(item);
          first = first || item;
        });
        done += found.length;
        more.hidden = done >= results.length;
        if (results.length === 0) { say("none", 0); }
        else if (done < results.length) {
          status.textContent = status.getAttribute("data-partial").replace("{q}", query)
            .replace("{n}", String(results.length)).replace("{k}", String(done));
        } else { say(results.length === 1 ? "one" : "many", results.length); }
        return first;
      });
    }
    more.addEventListener("click", function () {
      next().then(function (first) { if (first) { first.querySelector("a").focus(); } });
    });
    return next();
  }).catch(function () { more.hidden = true; say("failed", 0); });
}());
