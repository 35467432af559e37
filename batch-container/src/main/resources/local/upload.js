// Local mode's upload panel, added to the cloud status page: drag-and-drop or choose an image, pick a preset and/or
// parameters as JSON, and POST it to upload (stored under uploads/[preset/]name with x-amz-meta-dreamscape, exactly
// like an S3 upload). The job list below is the status page's own, refreshed every second while work is running.
(() => {
  "use strict";
  const root = document.getElementById("local-upload");
  if (!root) return;
  root.innerHTML = `
    <div id="drop" class="drop">
      <p><strong>Drop an image here</strong> (JPEG, PNG or TIFF) or choose one:
        <input id="file" type="file" accept=".jpg,.jpeg,.png,.tif,.tiff,image/jpeg,image/png,image/tiff"></p>
      <p id="chosen" class="muted">No file chosen yet.</p>
    </div>
    <div class="opts">
      <label>Preset <select id="preset"><option value="">none (defaults)</option></select></label>
      <label class="grow">Parameters as JSON (optional, same names as dreamscape dream --params)
        <textarea id="params" rows="2" placeholder='{"octaves": 4, "steps": 10, "layers": ["inception4c"]}'></textarea></label>
      <button id="send" type="button" disabled>Dream it</button>
    </div>
    <div id="upload-status" class="muted"></div>`;
  const el = id => document.getElementById(id);
  let file = null;
  let fast = 0;

  const token = () => (el("token") && el("token").value.trim()) || localStorage.getItem("dreamscapeToken") || "";
  const say = (text, bad) => { el("upload-status").textContent = text; el("upload-status").className = bad ? "err" : "muted"; };
  const choose = f => {
    file = f || null;
    el("chosen").textContent = file ? `${file.name} (${Math.round(file.size / 1024)} KiB)` : "No file chosen yet.";
    el("send").disabled = !file;
  };

  fetch("config", {cache: "no-store"}).then(r => r.json()).then(c => {
    for (const p of c.presets || []) {
      const o = document.createElement("option");
      o.value = p.name;
      o.textContent = `${p.name}: ${p.description}`;
      el("preset").appendChild(o);
    }
    if (!c.auth && el("token")) el("token").style.display = "none";
    if (c.defaults) {
      el("params").placeholder = "this server's defaults: " + JSON.stringify(c.defaults);
      el("params").title = "Parameters given here are laid over this server's defaults (dreamscape local --model/--params).";
    }
  }).catch(() => {});

  const drop = el("drop");
  drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) choose(e.dataTransfer.files[0]);
  });
  el("file").addEventListener("change", () => choose(el("file").files[0]));

  el("send").addEventListener("click", async () => {
    if (!file) return;
    let params;
    try {
      params = window.dreamscapeForm ? window.dreamscapeForm.json() : el("params").value.trim();
      if (params) JSON.parse(params);
    } catch (e) { say("The parameters are not valid JSON: " + e.message, true); return; }
    const q = new URLSearchParams({name: file.name});
    if (el("preset").value) q.set("preset", el("preset").value);
    const headers = {"Content-Type": "application/octet-stream"};
    if (params) headers["X-Dreamscape-Params"] = params.replace(/\s*\n\s*/g, " ");
    if (token()) headers["Authorization"] = "Bearer " + token();
    el("send").disabled = true;
    say(`Uploading ${file.name}…`);
    try {
      const r = await fetch("upload?" + q, {method: "POST", body: file, headers});
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
      say(`Uploaded as ${body.key}: the job appears below.`);
      fast = 10;
      choose(null);
      el("file").value = "";
      if (typeof refresh === "function") refresh(false);
    } catch (e) {
      say("Upload failed: " + e.message, true);
      el("send").disabled = !file;
    }
  });

  // The page refreshes every 5 s; while a job is running (or just uploaded) refresh every second.
  setInterval(() => {
    const running = document.querySelector(".job.RECEIVED, .job.VALIDATED, .job.PLANNED, .job.DREAMING, .job.ASSEMBLING");
    if (fast > 0) fast--;
    if (!document.hidden && (running || fast > 0) && typeof refresh === "function") refresh(false);
  }, 1000);
})();
