"use strict";
// The deep-zoom viewer of the status page: OpenSeadragon (served by the API itself from its WebJar, loaded on first
// use) over the job's DZI pyramid, with a "100 %" button and, when the job has a pyramid of its source, a before/after
// slider that clips the result over the source.
(() => {
  const base = () => location.href.replace(/[?#].*$/, "").replace(/[^/]*$/, "");
  const url = p => new URL(p, base()).toString();
  let loading = null;
  let viewer = null;
  let split = 0.5;

  function loadScript() {
    if (window.OpenSeadragon) return Promise.resolve();
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = url("viewer/openseadragon.min.js");
        s.onload = resolve;
        s.onerror = () => { loading = null; reject(new Error("the viewer script could not be loaded")); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function section() {
    let s = document.getElementById("deepzoom");
    if (s) return s;
    s = document.createElement("section");
    s.id = "deepzoom";
    s.hidden = true;
    s.innerHTML = `<div class="dz-bar"><strong id="dz-title"></strong>
      <button type="button" id="dz-100" title="one image pixel per screen pixel">100 %</button>
      <button type="button" id="dz-fit">Fit</button>
      <label id="dz-ba" hidden>before <input id="dz-split" type="range" min="0" max="100" value="50"> after</label>
      <span id="dz-where" class="muted"></span>
      <button type="button" id="dz-close">Close</button></div>
      <div id="dz-osd"></div>`;
    const style = document.createElement("style");
    style.textContent = `#deepzoom { margin: 1em 0; border: 1px solid #ccc; border-radius: 4px; }
      .dz-bar { display: flex; gap: .6em; align-items: center; padding: .4em .6em; background: #f6f6f6; flex-wrap: wrap; }
      #dz-close { margin-left: auto; } #dz-osd { height: 70vh; background: #111; }`;
    document.head.appendChild(style);
    const jobs = document.getElementById("jobs");
    jobs.parentNode.insertBefore(s, jobs);
    s.querySelector("#dz-close").addEventListener("click", close);
    s.querySelector("#dz-100").addEventListener("click", () => {
      if (!viewer) return;
      const item = viewer.world.getItemAt(viewer.world.getItemCount() - 1);
      viewer.viewport.zoomTo(item.imageToViewportZoom(1));
    });
    s.querySelector("#dz-fit").addEventListener("click", () => viewer && viewer.viewport.goHome());
    s.querySelector("#dz-split").addEventListener("input", ev => { split = ev.target.value / 100; clip(); });
    return s;
  }

  /** The source ("before", below) shows left of the slider, the result ("after", the top item) right of it. */
  function clip() {
    if (!viewer || viewer.world.getItemCount() < 2) return;
    const after = viewer.world.getItemAt(1);
    const size = after.getContentSize();
    after.setClip(new OpenSeadragon.Rect(size.x * split, 0, size.x * (1 - split), size.y));
  }

  async function open(dzi, title, beforeDzi) {
    const s = section();
    s.hidden = false;
    s.querySelector("#dz-title").textContent = title || "";
    s.querySelector("#dz-ba").hidden = !beforeDzi;
    await loadScript();
    if (viewer) viewer.destroy();
    const sources = beforeDzi ? [url(beforeDzi), url(dzi)] : [url(dzi)];
    viewer = OpenSeadragon({
      id: "dz-osd",
      prefixUrl: url("viewer/images/"),
      tileSources: sources,
      showNavigator: true,
      maxZoomPixelRatio: 4,
      visibilityRatio: 0.5,
      immediateRender: false,
    });
    viewer.addHandler("open", clip);
    viewer.addHandler("add-item-failed", e => { s.querySelector("#dz-where").textContent = "could not open: " + (e.message || "error"); });
    viewer.addHandler("open-failed", e => { s.querySelector("#dz-where").textContent = "could not open: " + (e.message || "error"); });
    const where = () => {
      const item = viewer && viewer.world.getItemAt(viewer.world.getItemCount() - 1);
      if (!item) return;
      const z = item.viewportToImageZoom(viewer.viewport.getZoom(true));
      s.querySelector("#dz-where").textContent = Math.round(z * 100) + " %";
    };
    viewer.addHandler("animation", where);
    viewer.addHandler("animation-finish", where);
    viewer.addHandler("open", where);
    s.scrollIntoView({block: "start"});
    return viewer;
  }

  function close() {
    if (viewer) { viewer.destroy(); viewer = null; }
    section().hidden = true;
  }

  document.addEventListener("click", ev => {
    const b = ev.target.closest && ev.target.closest("button[data-deepzoom]");
    if (!b) return;
    ev.preventDefault();
    open(b.dataset.deepzoom, b.dataset.title, b.dataset.before || null)
      .catch(e => { section().querySelector("#dz-where").textContent = e.message; });
  });
  window.dreamscapeViewer = { open, close, get viewer() { return viewer; } };
})();
