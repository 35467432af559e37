// The parameter form of the upload panel: a field per schema parameter (GET parameters: bounds, this server's
// defaults, the default model's layers), checked as it is edited by the server itself (POST parameters/check answers
// with the same sentences an upload would get). Only the fields the user changed are sent, so a preset's layers still
// apply unless a layer was picked. The JSON box stays, folded, as "advanced": its keys win over the form's.
(() => {
  "use strict";
  const panel = document.getElementById("local-upload");
  if (!panel) return;
  const el = id => document.getElementById(id);
  const box = document.createElement("fieldset");
  box.id = "form";
  box.innerHTML = `<legend>Parameters</legend><div class="fields"></div><div id="form-status" class="muted" aria-live="polite"></div>`;
  panel.insertBefore(box, panel.querySelector(".opts"));
  const paramsLabel = el("params").closest("label");
  const details = document.createElement("details");
  details.id = "advanced";
  details.innerHTML = "<summary>Advanced: parameters as JSON (its keys win over the form)</summary>";
  paramsLabel.parentNode.insertBefore(details, paramsLabel);
  details.appendChild(paramsLabel);

  const touched = new Set();
  let desc = null;
  let timer = null;
  let sequence = 0;
  const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

  function field(f, d) {
    const id = "f-" + f.name;
    const title = esc(f.description);
    if (f.kind === "layers") {
      const current = (d.defaults.layers || []).map(l => typeof l === "string" ? l : l.name);
      if (d.layers) {
        return `<label title="${title}">layers of ${esc(d.model)}<select id="${id}" multiple size="4">${d.layers.map(n =>
          `<option${current.includes(n) ? " selected" : ""}>${esc(n)}</option>`).join("")}</select></label>`;
      }
      return `<label title="${title}">layers (name[:weight], comma-separated)<input id="${id}" value="${esc(current.join(", "))}"
        placeholder="the model's default layer"></label>`;
    }
    if (f.kind === "boolean") {
      return `<label class="check" title="${title}"><input id="${id}" type="checkbox"${d.defaults[f.name] ? " checked" : ""}> ${esc(f.name)}</label>`;
    }
    if (f.kind === "wrap") {
      const current = d.defaults[f.name] === true ? "xy" : d.defaults[f.name] === false ? "none" : d.defaults[f.name] || "none";
      return `<label title="${title}">wrap<select id="${id}">${["none", "x", "xy"].map(v =>
        `<option${v === current ? " selected" : ""}>${v}</option>`).join("")}</select></label>`;
    }
    if (f.kind === "choice") {
      const current = d.defaults[f.name] || f.choices[0];
      return `<label title="${title}">${esc(f.name)}<select id="${id}">${f.choices.map(v =>
        `<option${v === current ? " selected" : ""}>${esc(v)}</option>`).join("")}</select></label>`;
    }
    if (f.kind === "text") {
      return `<label title="${title}">${esc(f.name)}<input id="${id}" type="text" value="${esc(d.defaults[f.name] ?? "")}"
        placeholder="none"></label>`;
    }
    if (f.kind === "seed") {
      return `<label title="${title}">seed<span class="row"><input id="${id}" type="number" min="0" step="1" placeholder="random"
        value="${d.defaults.seed ?? ""}"><button type="button" id="new-seed">new seed</button></span></label>`;
    }
    const min = f.min === null ? "" : f.minExclusive ? f.min + f.step : f.min;
    return `<label title="${title}">${esc(f.name)}<input id="${id}" type="number" min="${min}" max="${f.max ?? ""}"
      step="${f.step ?? "any"}" value="${d.defaults[f.name] ?? ""}"></label>`;
  }

  function build(d) {
    desc = d;
    box.querySelector(".fields").innerHTML = d.fields.map(f => field(f, d)).join("");
    for (const f of d.fields) {
      const input = el("f-" + f.name);
      input.addEventListener(f.kind === "boolean" || f.kind === "wrap" || f.kind === "choice" || f.kind === "layers" && d.layers ? "change" : "input", () => {
        touched.add(f.name);
        changed();
      });
    }
    el("new-seed").addEventListener("click", () => {
      el("f-seed").value = String(Math.floor(Math.random() * 4294967296));
      touched.add("seed");
      changed();
    });
  }

  function value(f) {
    const input = el("f-" + f.name);
    if (f.kind === "boolean") return input.checked;
    if (f.kind === "wrap" || f.kind === "choice") return input.value;
    if (f.kind === "text") return input.value.trim() === "" ? undefined : input.value.trim();
    if (f.kind === "layers") {
      if (input.tagName === "SELECT") return [...input.selectedOptions].map(o => o.value);
      return input.value.split(",").map(s => s.trim()).filter(s => s);
    }
    if (input.value.trim() === "") return undefined;
    return Number(input.value);
  }

  /** The fields the user changed. */
  function values() {
    const v = {};
    if (!desc) return v;
    for (const f of desc.fields) {
      if (!touched.has(f.name)) continue;
      const x = value(f);
      if (x !== undefined && !(Array.isArray(x) && x.length === 0)) v[f.name] = x;
    }
    return v;
  }

  /** What the upload sends: the form's changes under the JSON box's keys; "" when neither sets anything. */
  function json() {
    const text = el("params").value.trim();
    const own = text ? JSON.parse(text) : {};
    const merged = Object.assign({}, values(), own);
    return Object.keys(merged).length ? JSON.stringify(merged) : "";
  }

  function mark(message) {
    for (const f of (desc ? desc.fields : [])) {
      const input = el("f-" + f.name);
      const bad = message && new RegExp("\\b" + f.name + "\\b").test(message);
      input.classList.toggle("invalid", !!bad);
      input.setCustomValidity(bad ? message : "");
    }
  }

  async function check() {
    const mine = ++sequence;
    const status = el("form-status");
    let parameters;
    try { parameters = JSON.parse(json() || "{}"); } catch (e) {
      status.textContent = "The JSON box is not valid JSON: " + e.message; status.className = "err"; return;
    }
    const r = await fetch("parameters/check", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({preset: el("preset").value || null, parameters})});
    const body = await r.json().catch(() => ({}));
    if (mine !== sequence) return;
    if (r.ok) {
      const p = body.parameters;
      status.className = "ok";
      status.textContent = `OK: ${p.octaves} octaves × ${p.steps} steps, step ${p.stepSize}, tile ${p.tile}, layers `
        + `${(p.layers || []).map(l => typeof l === "string" ? l : l.name).join(", ") || "default"}${p.seed !== null ? ", seed " + p.seed : ""}`;
      mark(null);
    } else {
      status.className = "err";
      status.textContent = body.error || ("HTTP " + r.status);
      mark(body.error || "");
    }
  }

  function changed() {
    clearTimeout(timer);
    timer = setTimeout(() => { check(); if (window.dreamscapeQuote) window.dreamscapeQuote.update(); }, 200);
  }

  el("preset").addEventListener("change", changed);
  el("params").addEventListener("input", changed);
  fetch("parameters", {cache: "no-store"}).then(r => r.json()).then(build)
    .catch(e => { el("form-status").textContent = "The form could not be loaded: " + e.message; });
  window.dreamscapeForm = { values, json, check };
})();
