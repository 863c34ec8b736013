"""The PST on the web: a static, accessible, searchable site of an entity's PST (make site).

`write_site(job, folder, build)` writes the whole site into `folder` (the output module, outputs/site.py, stages it
and moves it into place with the entity's other documents). Pages are rendered from Jinja2 templates
(output_templates/site/, autoescape on: a libellé holding `<script>` shows as text), every text passed through
clean.removed; the search index is Pagefind's (search.py), the open data the public module's
(public.write_open_data). Every link is relative: the site works opened from a folder and under any path of the
commune's website; nothing is requested from another host.

    index.html                      home: entity, version, counts (and progress when DATE= is given)
    volet-externe.html …            one page per volet
    objectifs/os-externe-1.html …   one page per OS, its OO with indicators and actions
    actions/<Réf.>.html             one page per action (its Réf.: the address stays at each actualisation)
    listes.html                     the lists (by service, plan, ODD, status): where the search leads without JS
    services.html plans.html odd.html statuts.html
    modifications/version-2.html …  what each actualisation changed; depuis-version-N.html: not adopted yet
    actions-communes.html           the actions carried out with a partner institution (pairs)
    accessibilite.html recherche.html nouveautes.xml (Atom) assets/ pagefind/ donnees/
"""

from .pages import write_site

__all__ = ["write_site"]
