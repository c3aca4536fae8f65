/* perceptdiff review report: reads window.PERCEPTDIFF_REPORT (data.js).
 * Plain script (no modules, no network) so that it runs from file://. */
(function () {
  "use strict";

  var DATA = window.PERCEPTDIFF_REPORT;
  // Ranks (most severe first) and words of the statuses come with the data
  // (perceptdiff.entry.Status), so the page never keeps its own list.
  var STATUS_RANK = {}, STATUS_WORD = {};
  DATA.statuses.forEach(function (s, i) { STATUS_RANK[s.key] = i; STATUS_WORD[s.key] = s.label; });
  // "Needs review" is every status the data marks notable (Status.notable).
  var REVIEW = DATA.statuses.filter(function (s) { return s.notable; }).map(function (s) { return s.key; });
  var FILTERS = [
    { key: "review", label: "Needs review", statuses: REVIEW },
    { key: "fail", label: "Failed", statuses: ["fail"] },
    { key: "renamed", label: "Renamed", statuses: ["renamed"] },
    { key: "new", label: "New", statuses: ["new"] },
    { key: "removed", label: "Removed", statuses: ["removed"] },
    { key: "error", label: "Errors", statuses: ["error"] },
    { key: "passed", label: "Passed", statuses: ["pass", "identical"] },
    { key: "all", label: "All", statuses: null }
  ];
  var VIEWS = [
    { key: "side", label: "Side by side" },
    { key: "slider", label: "Slider" },
    { key: "flicker", label: "Flicker" },
    { key: "diff", label: "Diff" }
  ];
  var ZOOMS = [["fit", "Fit"], ["1", "100%"], ["2", "200%"], ["4", "400%"], ["8", "800%"]];

  var state = {
    filter: "all", query: "", sortKey: "status", sortDir: 1,
    selected: null, view: "side", zoom: "fit", boxes: true,
    flickerTimer: null, flickerShowing: "expected", visible: []
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "className") node.className = v;
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : v);
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function fmt(v, digits) {
    if (v === null || v === undefined) return "–";
    if (typeof v !== "number") return String(v);
    if (digits === undefined) return v.toLocaleString("en-US");
    return v.toFixed(digits);
  }

  function res(p) { return p.result || {}; }

  // A renamed pair is shown as the pair of its names: "old → new".
  function shownName(p) { return p.from ? p.from + " → " + p.name : p.name; }

  function sortValue(p, key) {
    var r = res(p);
    switch (key) {
      case "status": return STATUS_RANK[p.status];
      case "path": return p.name.toLowerCase();
      case "peak": return r.peak_jnd === null || r.peak_jnd === undefined ? -1 : r.peak_jnd;
      case "visible": return r.visible_pixels === undefined ? -1 : r.visible_pixels;
      case "regions": return r.region_count === undefined ? -1 : r.region_count;
    }
    return 0;
  }

  function compareRows(a, b) {
    var va = sortValue(a, state.sortKey), vb = sortValue(b, state.sortKey);
    var d = va < vb ? -1 : va > vb ? 1 : 0;
    if (d === 0 && state.sortKey === "status") {
      d = sortValue(b, "peak") - sortValue(a, "peak");  // worst first within a status
      if (d !== 0) return d;
    }
    if (d === 0) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return d * state.sortDir;
  }

  function filterDef(key) {
    for (var i = 0; i < FILTERS.length; i++) if (FILTERS[i].key === key) return FILTERS[i];
    return FILTERS[FILTERS.length - 1];
  }

  function countFor(f) {
    if (!f.statuses) return DATA.pairs.length;
    return DATA.pairs.filter(function (p) { return f.statuses.indexOf(p.status) >= 0; }).length;
  }

  /* ---------------------------------------------------------------- header */

  function renderHeader() {
    var m = DATA.meta || {};
    var parts = [];
    if (m.expected_dir || m.actual_dir) parts.push("expected " + (m.expected_dir || "?") + "  ·  actual " + (m.actual_dir || "?"));
    parts.push(DATA.counts.total + " pair" + (DATA.counts.total === 1 ? "" : "s"));
    if (typeof m.duration_s === "number") parts.push("compared in " + m.duration_s.toFixed(1) + " s");
    var meta = $("meta");
    meta.textContent = parts.join("  ·  ");
    if (m.options) {
      var o = m.options, bits = [];
      ["metric", "viewing", "ppd", "jnd_threshold", "max_pixels", "max_ratio", "max_area", "antialiasing"].forEach(function (k) {
        if (o[k] !== undefined && o[k] !== null) bits.push(k + "=" + o[k]);
      });
      if (bits.length) meta.appendChild(el("span", { className: "opts", text: "  ·  " + bits.join(" ") }));
    }
    $("generated").textContent = "perceptdiff " + DATA.perceptdiff_version + ", " + DATA.generated;

    var box = $("filters");
    FILTERS.forEach(function (f) {
      var n = countFor(f);
      if (n === 0 && (f.key === "error" || f.key === "removed" || f.key === "new" || f.key === "renamed")) return;
      var b = el("button", {
        type: "button", className: "filter f-" + f.key, "data-filter": f.key, "aria-pressed": "false",
        onclick: function () { setFilter(f.key); }
      }, [f.label + " ", el("span", { className: "n", text: String(n) })]);
      box.appendChild(b);
    });
  }

  function setFilter(key) {
    state.filter = key;
    Array.prototype.forEach.call(document.querySelectorAll("#filters button"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-filter") === key ? "true" : "false");
    });
    renderTable();
  }

  /* ----------------------------------------------------------------- table */

  function renderTable() {
    var f = filterDef(state.filter), q = state.query.toLowerCase();
    var rows = DATA.pairs.filter(function (p) {
      if (f.statuses && f.statuses.indexOf(p.status) < 0) return false;
      return !q || shownName(p).toLowerCase().indexOf(q) >= 0;
    });
    rows.sort(compareRows);
    state.visible = rows;
    var tbody = document.querySelector("#pairs tbody");
    tbody.textContent = "";
    rows.forEach(function (p) {
      var r = res(p);
      var tr = el("tr", {
        tabindex: "0", "data-name": p.name, className: "row s-" + p.status,
        "aria-selected": p.name === state.selected ? "true" : "false",
        onclick: function () { select(p.name, true); },
        onkeydown: function (ev) { if (ev.key === "Enter") select(p.name, true); }
      }, [
        el("td", {}, [el("span", { className: "badge s-" + p.status, text: STATUS_WORD[p.status] })]),
        // One span: the cell is right-to-left (to cut long paths on the left), so
        // several spans side by side would be laid out in reverse.
        el("td", { className: "path", title: shownName(p) }, [el("span", {}, p.from ? [
          el("span", { className: "from", text: p.from }), el("span", { className: "arrow", text: " → " }),
          p.name] : [p.name])]),
        el("td", { className: "num", text: fmt(r.peak_jnd, 2) }),
        el("td", { className: "num", text: fmt(r.visible_pixels) })
      ]);
      tbody.appendChild(tr);
    });
    $("empty").hidden = rows.length > 0;
    Array.prototype.forEach.call(document.querySelectorAll("#pairs th"), function (th) {
      var k = th.getAttribute("data-sort");
      th.setAttribute("aria-sort", k === state.sortKey ? (state.sortDir > 0 ? "ascending" : "descending") : "none");
    });
  }

  function setupTable() {
    Array.prototype.forEach.call(document.querySelectorAll("#pairs th button"), function (btn) {
      btn.addEventListener("click", function () {
        var k = btn.parentNode.getAttribute("data-sort");
        if (state.sortKey === k) state.sortDir = -state.sortDir;
        else { state.sortKey = k; state.sortDir = (k === "peak" || k === "visible" || k === "regions") ? -1 : 1; }
        renderTable();
      });
    });
    var search = $("search");
    search.addEventListener("input", function () { state.query = search.value; renderTable(); });
    search.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { search.blur(); } });
  }

  /* ---------------------------------------------------------------- detail */

  function find(name) {
    for (var i = 0; i < DATA.pairs.length; i++) if (DATA.pairs[i].name === name) return DATA.pairs[i];
    return null;
  }

  function select(name, updateHash) {
    var p = find(name);
    if (!p) return;
    state.selected = name;
    Array.prototype.forEach.call(document.querySelectorAll("#pairs tbody tr"), function (tr) {
      var on = tr.getAttribute("data-name") === name;
      tr.setAttribute("aria-selected", on ? "true" : "false");
      if (on && tr.scrollIntoView) tr.scrollIntoView({ block: "nearest" });
    });
    if (updateHash && history.replaceState) history.replaceState(null, "", "#" + encodeURIComponent(name));
    renderDetail(p);
  }

  function step(delta) {
    var rows = state.visible;
    if (!rows.length) return;
    var i = -1;
    for (var j = 0; j < rows.length; j++) if (rows[j].name === state.selected) i = j;
    var k = i < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, i + delta));
    select(rows[k].name, true);
  }

  function availableViews(p) {
    var im = p.images || {};
    var both = !!(im.expected && im.actual);
    return {
      side: !!(im.expected || im.actual),
      slider: both,
      flicker: both,
      diff: !!im.diff
    };
  }

  function figure(src, caption, cls) {
    return el("figure", { className: "fig " + (cls || "") }, [
      el("figcaption", { text: caption }),
      el("div", { className: "frame" }, [el("img", { src: src, alt: caption, draggable: "false" })])
    ]);
  }

  function stopFlicker() {
    if (state.flickerTimer) { clearInterval(state.flickerTimer); state.flickerTimer = null; }
  }

  function renderDetail(p) {
    stopFlicker();
    var d = $("detail");
    d.textContent = "";
    var r = res(p), im = p.images || {};
    var avail = availableViews(p);
    var anyImage = avail.side || avail.diff;
    if (!avail[state.view]) state.view = avail.side ? "side" : "diff";

    d.appendChild(el("div", { className: "detail-head" }, [
      el("span", { className: "badge s-" + p.status, text: STATUS_WORD[p.status] }),
      el("h2", { className: p.from ? "renamed" : null, title: p.from ? "renamed from " + p.from : null },
        p.from ? [el("span", { className: "from", text: p.from }), el("span", { className: "arrow", text: " → " }),
                  el("span", { text: p.name })] : [p.name]),
      el("span", { className: "pager" }, [
        el("button", { type: "button", title: "Previous (k)", onclick: function () { step(-1); }, text: "◀" }),
        el("button", { type: "button", title: "Next (j)", onclick: function () { step(1); }, text: "▶" })
      ])
    ]));
    var reason = p.reason || (p.status === "error" ? p.error : r.reason);
    d.appendChild(el("p", { className: "reason", text: reason || "" }));

    // View tabs and tools.
    var tabs = el("div", { className: "views", role: "tablist", "aria-label": "View" });
    VIEWS.forEach(function (v, i) {
      tabs.appendChild(el("button", {
        type: "button", role: "tab", id: "tab-" + v.key, "data-view": v.key,
        "aria-selected": state.view === v.key ? "true" : "false", disabled: !avail[v.key],
        title: v.label + " (" + (i + 1) + ")", onclick: function () { setView(v.key); }
      }, [v.label]));
    });
    var zoom = el("select", { id: "zoom", "aria-label": "Zoom", onchange: function () { state.zoom = zoom.value; applyZoom(); } });
    ZOOMS.forEach(function (z) { zoom.appendChild(el("option", { value: z[0], selected: state.zoom === z[0], text: z[1] })); });
    var boxes = el("input", { type: "checkbox", id: "boxes", checked: state.boxes,
      onchange: function () { state.boxes = boxes.checked; applyBoxes(); } });
    if (anyImage) d.appendChild(el("div", { className: "toolbar" }, [
      tabs,
      el("label", { className: "tool" }, ["Zoom ", zoom]),
      el("label", { className: "tool", title: "Region boxes in the diff view (b)" }, [boxes, " region boxes"])
    ]));

    // The four views; only the selected one is visible.
    var viewer = el("div", { className: "viewer", id: "viewer" });
    var expCap = "expected" + (p.from ? " (" + p.from + ")" : "") + (r.expected ? " " + r.expected.width + "×" + r.expected.height : "");
    var actCap = "actual" + (p.from ? " (" + p.name + ")" : "") + (r.actual ? " " + r.actual.width + "×" + r.actual.height : "");

    var side = el("div", { className: "pane side", id: "pane-side", role: "tabpanel", "aria-labelledby": "tab-side" });
    if (im.expected) side.appendChild(figure(im.expected, expCap));
    else side.appendChild(el("div", { className: "absent", text: "no expected image" }));
    if (im.actual) side.appendChild(figure(im.actual, actCap));
    else side.appendChild(el("div", { className: "absent", text: "no actual image" }));
    if (im.diff) side.appendChild(figure(im.diff, "diff"));
    viewer.appendChild(side);

    if (avail.slider) {
      var range = el("input", { type: "range", min: "0", max: "100", value: "50", "aria-label": "Slider position" });
      var top = el("img", { src: im.actual, alt: "actual", className: "over", draggable: "false" });
      var handle = el("div", { className: "handle" });
      var stage = el("div", { className: "stage slide" }, [
        el("img", { src: im.expected, alt: "expected", draggable: "false" }), top, handle
      ]);
      var setPos = function (v) {
        v = Math.max(0, Math.min(100, v));
        range.value = String(v);
        top.style.clipPath = "inset(0 0 0 " + v + "%)";
        handle.style.left = v + "%";
      };
      range.addEventListener("input", function () { setPos(parseFloat(range.value)); });
      var drag = function (ev) {
        if (ev.type !== "pointerdown" && !(ev.buttons & 1)) return;
        var b = stage.getBoundingClientRect();
        setPos((ev.clientX - b.left) / b.width * 100);
      };
      stage.addEventListener("pointerdown", drag);
      stage.addEventListener("pointermove", drag);
      setPos(50);
      viewer.appendChild(el("div", { className: "pane slider", id: "pane-slider", role: "tabpanel", "aria-labelledby": "tab-slider" }, [
        el("div", { className: "slider-labels" }, [el("span", { text: "◀ expected" }), el("span", { text: "actual ▶" })]),
        el("div", { className: "frame" }, [stage]), range
      ]));
    }

    if (avail.flicker) {
      var fimg = el("img", { src: im.expected, alt: "expected", id: "flicker-img", draggable: "false" });
      var flabel = el("span", { className: "flicker-label", id: "flicker-label", text: "expected" });
      var play = el("button", { type: "button", id: "flicker-play", text: "Pause", onclick: function () {
        if (state.flickerTimer) { stopFlicker(); play.textContent = "Play"; } else { startFlicker(); play.textContent = "Pause"; }
      } });
      var flipBtn = el("button", { type: "button", text: "Flip (f)", onclick: function () { flip(); } });
      viewer.appendChild(el("div", { className: "pane flicker", id: "pane-flicker", role: "tabpanel", "aria-labelledby": "tab-flicker" }, [
        el("div", { className: "flicker-bar" }, [flabel, play, flipBtn]),
        el("div", { className: "frame", onclick: function () { flip(); } }, [el("div", { className: "stage" }, [fimg])])
      ]));
      state.flickerShowing = "expected";
    }

    if (avail.diff) {
      var dstage = el("div", { className: "stage", id: "diff-stage" }, [el("img", { src: im.diff, alt: "diff heatmap", draggable: "false" })]);
      var cs = im.diff_framed ? (r.compared_size || (r.expected ? [r.expected.width, r.expected.height] : null)) : null;
      (r.regions || []).forEach(function (g, i) {
        if (!cs) return;
        dstage.appendChild(el("div", {
          className: "box" + (g.failing ? " failing" : ""), "data-region": String(i),
          title: "region " + (i + 1) + ": " + kindWords(g) + ", visible over " + fmt(visiblePx(g)) + " px, peak " + fmt(g.peak_jnd, 2) + " JND",
          style: "left:" + (100 * g.x / cs[0]) + "%;top:" + (100 * g.y / cs[1]) + "%;width:" +
            (100 * g.width / cs[0]) + "%;height:" + (100 * g.height / cs[1]) + "%"
        }, [el("span", { text: String(i + 1) + (g.kind ? " " + kindTag(g) : "") })]));
      });
      viewer.appendChild(el("div", { className: "pane diff", id: "pane-diff", role: "tabpanel", "aria-labelledby": "tab-diff" }, [
        el("div", { className: "frame" }, [dstage]),
        el("p", { className: "legend", text: "Heatmap of visibility in JND over the faded expected image; boxes: red = a region that fails, amber = visible but within the rule." })
      ]));
    }
    if (anyImage) d.appendChild(viewer);

    // Numbers.
    d.appendChild(renderFacts(p));

    if (p.accept) {
      d.appendChild(el("div", { className: "accept" }, [
        el("h3", { text: p.status === "removed" ? "Accept the removal" :
                         p.status === "renamed" ? "Accept the rename (the new image becomes the new name's baseline, the old baseline goes)" :
                         "Accept the new image as the baseline" }),
        el("div", { className: "cmd-box" }, [el("pre", { className: "cmd", id: "accept-cmd", text: p.accept }),
          el("button", { type: "button", className: "copy", "data-copy-from": "accept-cmd", onclick: copyHandler, text: "Copy" })])
      ]));
    }
    setView(state.view);
    applyZoom();
  }

  // What changed in a region (result schema 3: kind, direction), as the text output says it.
  var KIND_WORDS = { lightness: "lightness changed", colour: "colour changed", structure: "structure changed",
                     alpha: "transparency changed", moved: "moved", antialiasing: "anti-aliasing forgiven",
                     "subpixel-text": "LCD sub-pixel text forgiven" };
  function kindWords(g) {
    if (!g.kind) return "changed";
    var w = KIND_WORDS[g.kind] || g.kind;
    if (g.kind === "moved" && g.shift) return w + " by (" + g.shift[0] + ", " + g.shift[1] + ")";
    return g.kind === "lightness" && g.direction ? w + " (" + g.direction + ")" : w;
  }
  function kindTag(g) { return g.kind === "lightness" && g.direction ? g.direction : g.kind; }
  // Visible pixels of a region (schema 1 called them "pixels").
  function visiblePx(g) { return g.visible_pixels !== undefined ? g.visible_pixels : g.pixels; }

  function renderFacts(p) {
    var r = res(p);
    var dl = el("dl", { className: "facts" });
    function add(k, v) { if (v !== undefined && v !== null && v !== "") { dl.appendChild(el("dt", { text: k })); dl.appendChild(el("dd", { text: String(v) })); } }
    if (p.from) { add("Renamed from", p.from); add("Renamed to", p.name); }
    if (p.result) {
      add("Verdict", r.verdict);
      add("Peak", fmt(r.peak_jnd, 2) + " JND");
      add("99.9th percentile", fmt(r.p999_jnd, 2) + " JND");
      add("Visible pixels", fmt(r.visible_pixels) + " (" + (100 * (r.visible_ratio || 0)).toPrecision(3) + " %)");
      add("Visible area", fmt(r.visible_area_deg2, 4) + " deg²");
      add("Regions", fmt(r.region_count));
      add("Forgiven (anti-aliasing)", fmt(r.forgiven_pixels) + " px");
      if (r.expected) add("Expected", r.expected.width + "×" + r.expected.height + (r.expected.source ? "  " + r.expected.source : ""));
      if (r.actual) add("Actual", r.actual.width + "×" + r.actual.height + (r.actual.source ? "  " + r.actual.source : ""));
      add("Viewing", fmt(r.pixels_per_degree, 1) + " pixels per degree");
      add("Metric", r.metric + " " + r.metric_version);
      if (r.timings && typeof r.timings.total === "number") add("Time", (1000 * r.timings.total).toFixed(0) + " ms");
    }
    var notes = (p.notes || []).concat(r.notes || []);
    var wrap = el("div", { className: "numbers" }, [dl]);
    if (notes.length) wrap.appendChild(el("ul", { className: "notes" }, notes.map(function (n) { return el("li", { text: n }); })));
    if (r.regions && r.regions.length) {
      var t = el("table", { className: "regions" }, [el("thead", {}, [el("tr", {}, [
        el("th", { text: "#" }), el("th", { text: "x, y" }), el("th", { text: "size" }),
        el("th", { text: "what changed" }), el("th", { className: "num", text: "visible px" }),
        el("th", { className: "num", text: "peak JND" }), el("th", { className: "num", text: "mean JND" }), el("th", { text: "fails" })])])]);
      var tb = el("tbody");
      r.regions.slice(0, 50).forEach(function (g, i) {
        tb.appendChild(el("tr", { className: g.failing ? "failing" : "", onclick: function () { highlight(i); } }, [
          el("td", { text: String(i + 1) }), el("td", { text: g.x + ", " + g.y }), el("td", { text: g.width + "×" + g.height }),
          el("td", { className: "kind", text: kindWords(g) }),
          el("td", { className: "num", text: fmt(visiblePx(g)) }), el("td", { className: "num", text: fmt(g.peak_jnd, 2) }),
          el("td", { className: "num", text: fmt(g.mean_jnd, 2) }),
          el("td", { text: g.failing ? "yes" : "no" })]));
      });
      t.appendChild(tb);
      wrap.appendChild(t);
      if (r.region_count > r.regions.length) wrap.appendChild(el("p", { className: "hint", text: "… and " + (r.region_count - r.regions.length) + " more region(s)." }));
    }
    return wrap;
  }

  function highlight(i) {
    setView("diff");
    Array.prototype.forEach.call(document.querySelectorAll("#diff-stage .box"), function (b) {
      b.classList.toggle("hl", b.getAttribute("data-region") === String(i));
    });
  }

  function setView(key) {
    var tab = $("tab-" + key);
    if (!tab || tab.disabled) return;
    state.view = key;
    VIEWS.forEach(function (v) {
      var t = $("tab-" + v.key), pane = $("pane-" + v.key);
      if (t) t.setAttribute("aria-selected", v.key === key ? "true" : "false");
      if (pane) pane.hidden = v.key !== key;
    });
    if (key === "flicker") startFlicker(); else stopFlicker();
    var play = $("flicker-play");
    if (play) play.textContent = state.flickerTimer ? "Pause" : "Play";
    applyBoxes();
  }

  function flip() {
    var p = find(state.selected), img = $("flicker-img"), label = $("flicker-label");
    if (!p || !img) return;
    state.flickerShowing = state.flickerShowing === "expected" ? "actual" : "expected";
    img.src = p.images[state.flickerShowing];
    img.alt = state.flickerShowing;
    label.textContent = state.flickerShowing;
    label.className = "flicker-label " + state.flickerShowing;
  }

  function startFlicker() {
    stopFlicker();
    if ($("flicker-img")) state.flickerTimer = setInterval(flip, 500);
  }

  function applyBoxes() {
    var s = $("diff-stage");
    if (s) s.classList.toggle("noboxes", !state.boxes);
    var cb = $("boxes");
    if (cb) cb.checked = state.boxes;
  }

  function applyZoom() {
    var viewer = $("viewer");
    if (!viewer) return;
    var z = state.zoom === "fit" ? 0 : parseFloat(state.zoom);
    viewer.classList.toggle("fit", !z);
    viewer.classList.toggle("pixelated", z > 1);
    Array.prototype.forEach.call(viewer.querySelectorAll("img"), function (img) {
      var set = function () {
        if (img.classList.contains("over")) { img.style.width = ""; return; }  // follows its stage
        img.style.width = z && img.naturalWidth ? (img.naturalWidth * z) + "px" : "";
        // Fitted small images are enlarged: keep their pixels crisp.
        img.classList.toggle("crisp", !z && img.naturalWidth > 0 && img.clientWidth >= 1.5 * img.naturalWidth);
      };
      if (img.complete) set(); else img.addEventListener("load", set, { once: true });
    });
  }

  /* ------------------------------------------------------------- clipboard */

  function copyText(text, button) {
    var done = function () {
      var old = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = old; }, 1200);
    };
    var fallback = function () {
      var ta = el("textarea", { readonly: true, className: "offscreen" });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selectable */ }
      document.body.removeChild(ta);
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  function copyHandler(ev) {
    var b = ev.currentTarget, src = $(b.getAttribute("data-copy-from"));
    if (src) copyText(src.textContent, b);
  }

  function renderAcceptAll() {
    var cmds = DATA.pairs.filter(function (p) { return p.accept; })
      .sort(function (a, b) { return a.name < b.name ? -1 : 1; })
      .map(function (p) { return p.accept; })
      // One command may accept several pairs (every snapshot of one pytest test).
      .filter(function (c, i, all) { return all.indexOf(c) === i; });
    if (!cmds.length) return;
    $("accept-all").hidden = false;
    $("accept-count").textContent = String(cmds.length);
    $("accept-all-cmds").textContent = cmds.join("\n");
    document.querySelector("#accept-all .copy").addEventListener("click", copyHandler);
  }

  /* ------------------------------------------------------------------ keys */

  function onKey(ev) {
    var t = ev.target, tag = t && t.tagName;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (tag === "INPUT" && t.type !== "checkbox" && t.type !== "range" || tag === "SELECT" || tag === "TEXTAREA") return;
    var k = ev.key;
    if (k === "j" || k === "ArrowDown") { step(1); ev.preventDefault(); }
    else if (k === "k" || k === "ArrowUp") { step(-1); ev.preventDefault(); }
    else if (k >= "1" && k <= "4") { setView(VIEWS[parseInt(k, 10) - 1].key); }
    else if (k === "f") { if (state.view !== "flicker") setView("flicker"); else { stopFlicker(); flip(); var pl = $("flicker-play"); if (pl) pl.textContent = "Play"; } }
    else if (k === "b") { state.boxes = !state.boxes; applyBoxes(); }
    else if (k === "/") { $("search").focus(); ev.preventDefault(); }
  }

  /* ------------------------------------------------------------------ init */

  function init() {
    if (!DATA || !DATA.pairs) {
      $("detail").textContent = "The report's data (data.js) did not load.";
      return;
    }
    renderHeader();
    setupTable();
    renderAcceptAll();
    var review = countFor(filterDef("review"));
    setFilter(review ? "review" : "all");
    document.addEventListener("keydown", onKey);
    var fromHash = decodeURIComponent((location.hash || "").slice(1));
    if (fromHash && find(fromHash)) {
      if (state.visible.indexOf(find(fromHash)) < 0) setFilter("all");
      select(fromHash, false);
    } else if (state.visible.length) {
      select(state.visible[0].name, false);
    }
    window.addEventListener("hashchange", function () {
      var n = decodeURIComponent(location.hash.slice(1));
      if (find(n) && n !== state.selected) select(n, false);
    });
    document.documentElement.setAttribute("data-ready", "true");
  }

  init();
})();
