"""Sharing what the reader sees: a "Copy link" button, and the name downloads are saved under.

The link is read from the address bar when the button is clicked, not from the server: the
map writes its view there as the reader pans (geo.map.base), without a run of the script, and
the page writes the filters and the selected event there on every run (page.sync_url).
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from geo import settings
from geo.catalog import Catalog

# The sidebar's import box (page.uploaded_catalog): its file, when one is shown.
K_UPLOAD = "upload"

# Runs in the page itself (st.html with JavaScript, not an iframe), so that it reads the
# page's own address and may use the clipboard. Where the clipboard API is missing (a phone
# on plain http) or refused, the older copy command is tried; where both fail, the link is
# shown selected, for the reader to copy by hand.
COPY_LINK_HTML = """
<div class="ea-share">
  <button type="button" class="ea-copy-link">Copy link</button>
  <span class="ea-copy-status" role="status" aria-live="polite"></span>
  <input class="ea-copy-text" type="text" readonly hidden aria-label="Link to this view">
</div>
<style>
.ea-share { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
.ea-copy-link { font: inherit; font-size: 0.875rem; color: inherit; background: transparent;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.25rem 0.75rem;
  min-height: 2.25rem; cursor: pointer; display: inline-flex; align-items: center; }
.ea-copy-link:hover, .ea-copy-link:focus-visible { border-color: #ff4b4b; color: #ff4b4b; }
.ea-copy-status { font-size: 0.875rem; opacity: 0.8; }
.ea-copy-text { font: inherit; font-size: 0.8rem; flex: 1 1 16rem; min-width: 0;
  padding: 0.25rem 0.5rem; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; }
@media (max-width: 640px) { .ea-copy-link { min-height: 40px; } }
</style>
<script>
(function (box) {
  var button = box.querySelector(".ea-copy-link");
  var status = box.querySelector(".ea-copy-status");
  var text = box.querySelector(".ea-copy-text");
  var byCommand = function (link) {
    var area = document.createElement("textarea");
    area.value = link;
    area.setAttribute("readonly", "");
    area.style.cssText = "position:fixed;top:0;left:0;opacity:0;";
    document.body.appendChild(area);
    area.focus();
    area.setSelectionRange(0, link.length);
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    button.focus();
    return done;
  };
  var copied = function () {
    text.hidden = true;
    status.textContent = __COPIED__;
  };
  var byHand = function (link) {
    text.value = link;
    text.hidden = false;
    text.focus();
    text.select();
    status.textContent = "Copy this link:";
  };
  button.addEventListener("click", function () {
    var link = window.location.href;
    status.textContent = "";
    var fallback = function () { if (byCommand(link)) { copied(); } else { byHand(link); } };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link).then(copied, fallback);
    } else {
      fallback();
    }
  });
})(document.currentScript.parentNode);
</script>
"""


COPIED = "Copied: paste it anywhere to share this view."
# A link opens the site's own events: an imported file stays in the browser that imported it.
COPIED_UPLOAD = (
    "Copied. The link opens this site's own events, not your imported file: "
    "to share that, download the static site below."
)


def copy_link_html(showing_upload: bool) -> str:
    copied = COPIED_UPLOAD if showing_upload else COPIED
    return COPY_LINK_HTML.replace("__COPIED__", json.dumps(copied))


def copy_link() -> None:
    """One click copies the link of exactly what the reader sees (filters, map view, event)."""
    st.html(copy_link_html(_upload_name() is not None), unsafe_allow_javascript=True)


def _upload_name() -> str | None:
    upload = st.session_state.get(K_UPLOAD)
    name = getattr(upload, "name", None)
    return name if isinstance(name, str) and name else None


def dataset_name(catalog: Catalog) -> str:
    """What the shown dataset is called (geo.filenames.dataset_slug shortens it)."""
    return name_of_dataset(catalog.title, _upload_name(), settings.events_path(Path(".")))


def name_of_dataset(title: str | None, upload_name: str | None, events_file: Path) -> str:
    """An upload by its file's stem, the site's data by its title, else by its file's stem."""
    if upload_name:
        return Path(upload_name).stem
    return title or events_file.stem
