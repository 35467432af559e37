// The quote before "Dream it": as soon as a file is chosen (and whenever the preset or parameters change), the page
// asks POST quote with the image's size and the parameters, and shows what the cloud workflow's planner would do
// and cost. The server resolves the parameters exactly as for an upload, so its refusal (400, a sentence) is also the
// check of the parameters as they are typed.
(() => {
  "use strict";
  const panel = document.getElementById("local-upload");
  if (!panel) return;
  const el = id => document.getElementById(id);
  const box = document.createElement("div");
  box.id = "quote";
  box.className = "muted";
  box.setAttribute("aria-live", "polite");
  const status = el("upload-status");
  status.parentNode.insertBefore(box, status);
  let size = null;
  let timer = null;
  let sequence = 0;

  const fmt = s => s < 90 ? Math.round(s) + " s" : s < 5400 ? Math.round(s / 60) + " min" : (s / 3600).toFixed(1) + " h";
  const mib = b => Math.round(b / 1048576) + " MiB";

  function imageSize(file) {
    return new Promise(resolve => {
      if (!/^image\/(jpeg|png)$/.test(file.type) && !/\.(jpe?g|png)$/i.test(file.name)) { resolve(null); return; }
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => { URL.revokeObjectURL(url); resolve({width: img.naturalWidth, height: img.naturalHeight}); };
      img.onerror = () => { URL.revokeObjectURL(url); resolve(null); };
      img.src = url;
    });
  }

  /** The parameters the upload would carry: the form's fields (when present) under the JSON box. */
  function parameters() {
    const form = window.dreamscapeForm ? window.dreamscapeForm.values() : {};
    const text = el("params").value.trim();
    if (!text) return form;
    const own = JSON.parse(text);
    if (!own || typeof own !== "object" || Array.isArray(own)) throw new Error("the parameters must be a JSON object");
    return Object.assign({}, form, own);
  }

  async function update() {
    const mine = ++sequence;
    if (!size) {
      box.textContent = el("file").files.length || document.querySelector("#chosen").textContent !== "No file chosen yet."
        ? "No quote: the browser cannot read this file's size (TIFF); the job's page shows the estimate once planned." : "";
      box.className = "muted";
      return;
    }
    let params;
    try { params = parameters(); } catch (e) { box.textContent = "Parameters: " + e.message; box.className = "err"; return; }
    const body = {width: size.width, height: size.height, preset: el("preset").value || null, parameters: params};
    try {
      const r = await fetch("quote", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      const q = await r.json().catch(() => ({}));
      if (mine !== sequence) return;
      if (!r.ok) { box.textContent = q.error || ("HTTP " + r.status); box.className = "err"; return; }
      const e = q.estimate;
      box.className = "quote";
      box.textContent = `Quote: ${q.width}×${q.height} (${q.megapixels} MP), ${q.octaves.length} octaves `
        + `(${q.octaves.map(o => o.width + "×" + o.height).join(", ")}), ${q.shardCount} shard${q.shardCount > 1 ? "s" : ""}, `
        + `${q.totalWork >= 1e9 ? (q.totalWork / 1e9).toFixed(2) + " G" : (q.totalWork / 1e6).toFixed(1) + " M"} work units: about ${e.gpuSeconds.toFixed(0)} GPU-seconds, ${fmt(e.wallSeconds)} wall time, `
        + `$${e.costUsd.toFixed(3)} at $${e.dollarsPerGpuHour}/GPU-hour; each worker ≈ ${mib(q.workers.peakMemoryBytes)} memory, `
        + `${mib(q.workers.scratchBytes)} scratch.`;
    } catch (e) {
      if (mine === sequence) { box.textContent = "No quote: " + e.message; box.className = "err"; }
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  }

  async function chosen(file) {
    size = file ? await imageSize(file) : null;
    soon();
  }

  el("file").addEventListener("change", () => chosen(el("file").files[0]));
  el("drop").addEventListener("drop", e => { if (e.dataTransfer.files.length) chosen(e.dataTransfer.files[0]); });
  el("preset").addEventListener("change", soon);
  el("params").addEventListener("input", soon);
  window.dreamscapeQuote = { update: soon };
})();
