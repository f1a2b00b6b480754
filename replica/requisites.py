"""The page requisites every legacy page loads: the DNN skin stylesheet, two scripts and GIF images.

CSS and JavaScript are real, small and static (what DotNetNuke 4 shipped, trimmed); the GIFs
are real images from `replica.media`. A crawl that captures pages for replay must capture these.
"""

from __future__ import annotations

SKIN_CSS = """/* DotNetNuke skin: Bo Noi vu */
body { margin: 0; font-family: Arial, Tahoma, sans-serif; font-size: 12px; background: #f2f2f2 url(/images/bg.gif) repeat-x; }
#wrapper, #tblMain { width: 980px; margin: 0 auto; background: #fff; }
#header { height: 140px; background: #8b0000; }
#topmenu, .TopNav { background: #b22222; color: #fff; padding: 6px 10px; }
#topmenu a, .TopNav a { color: #fff; font-weight: bold; text-decoration: none; }
#leftcol { float: left; width: 200px; }
#content { float: left; width: 560px; padding: 10px; }
#rightcol { float: right; width: 200px; }
#footer, .Footer { clear: both; padding: 10px; border-top: 3px solid #8b0000; color: #555; text-align: center; }
.menu li, .MenuItem { list-style: none; padding: 4px 0; border-bottom: 1px dotted #ccc; }
.news-detail h1.title, .NewsTitle { font-size: 18px; color: #8b0000; }
.toolbar, .NewsDate { color: #777; font-size: 11px; }
.lead, .NewsSummary { font-weight: bold; margin: 8px 0; }
.caption { font-style: italic; text-align: center; color: #333; }
.other-news h3, .related-news h3, .OtherNewsHeader, .RelatedHeader { font-size: 13px; color: #8b0000; border-bottom: 1px solid #8b0000; }
.calendar td { text-align: center; padding: 2px; }
.pager span { font-weight: bold; }
.vb-detail td.label, .VBLabel { background: #eee; font-weight: bold; }
"""

JQUERY_JS = """/*! jQuery v1.4.2 (trimmed for the moha.gov.vn replica) */
(function(window, undefined) {
  var jQuery = function(selector) { return new jQuery.fn.init(selector); };
  jQuery.fn = jQuery.prototype = {
    init: function(selector) { this.selector = selector; this.length = 0; return this; },
    ready: function(fn) { if (document.readyState === "complete") { fn(); } else { window.addEventListener("load", fn, false); } return this; }
  };
  jQuery.fn.init.prototype = jQuery.fn;
  window.jQuery = window.$ = jQuery;
})(window);
"""

DNNCORE_JS = """// DotNetNuke core client script (trimmed)
var __dnn_m_aNamespaces = new Array();
function __dnn_ClientAPIEnabled() { return typeof(dnn) != 'undefined'; }
function dnn_setFocus(id) { var el = document.getElementById(id); if (el) { el.focus(); } }
function __dnn_SetInitialFocus(id) { if (document.readyState == 'complete') { dnn_setFocus(id); } }
function openPrint(itemId) { window.open('/Print.aspx?ItemID=' + itemId, 'print', 'width=700,height=600,scrollbars=yes'); return false; }
"""

TEXT_FILES: dict[str, tuple[str, str]] = {
    "/Portals/0/skin.css": ("text/css", SKIN_CSS),
    "/js/jquery.js": ("application/x-javascript", JQUERY_JS),
    "/js/dnncore.js": ("application/x-javascript", DNNCORE_JS),
}
GIF_FILES = (
    "/images/bg.gif",
    "/images/logo.gif",
    "/images/banner.gif",
    "/images/no-image.gif",
    "/images/banner-chinhphu.gif",
)
