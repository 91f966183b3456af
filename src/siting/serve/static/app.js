// siting workbench page: panel → POST /api/solve; progress and results arrive on /api/events.
"use strict";
(function () {
  const TOKEN = document.querySelector('meta[name="siting-token"]').content;
  const S = { base: null, lang: document.querySelector('meta[name="siting-lang"]').content || "en",
    jobs: {}, current: null, shown: null, compare: [], lock: new Set(), forbid: new Set(),
    siteEdits: {}, popup: null, targetInputs: {} };
  const $ = (id) => document.getElementById(id);
  const SVGNS = "http://www.w3.org/2000/svg";

  function t(key) {
    const m = S.base ? S.base.messages : null;
    if (!m) return key;
    return (m[S.lang] && m[S.lang][key]) || (m.en && m.en[key]) || key;
  }
  function term(ctx, value) {  // a data value in the page's language (shared catalogue)
    const tt = S.base && S.base.terms ? S.base.terms[S.lang] : null;
    return (tt && tt[ctx + "|" + value]) || value;
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") e.textContent = v; else e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return "—";
    if (typeof v !== "number") return String(v);
    return v.toLocaleString(S.lang === "zh" ? "zh-CN" : "en-US",
      { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function pct(v) { return v === null || v === undefined ? "—" : (100 * v).toFixed(2) + " %"; }
  function numOrNull(input) {
    const raw = input.value.trim();
    if (raw === "") return null;
    const v = Number(raw);
    return Number.isFinite(v) ? v : raw;  // the server names a bad value, the page does not guess
  }

  async function api(path, body) {
    const opts = body === undefined ? {} : { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-Siting-Token": TOKEN } };
    const r = await fetch(path, opts);
    let data = null;
    try { data = await r.json(); } catch (e) { data = { error: r.status + " " + r.statusText }; }
    if (!r.ok) throw new Error(data && data.error ? data.error : r.status + "");
    return data;
  }
  function message(text) { $("message").textContent = text || ""; }

  // ---------------------------------------------------------------------- panel
  function buildPanel() {
    const b = S.base;
    $("scenario-name").textContent = b.name;
    $("kind").textContent = b.kind;
    const pf = $("problem-fields"); pf.replaceChildren();
    for (const [key, value] of Object.entries(b.problem)) {
      let input;
      if (key === "objective") {
        input = el("select", { id: "problem-" + key, "data-testid": key + "-input" });
        const opts = b.kind === "community" ? ["coverage", "cost", "equity"] : [value];
        for (const o of opts) input.append(el("option", { value: o, text: o, selected: o === value }));
      } else {
        input = el("input", { type: "number", id: "problem-" + key, "data-testid": key + "-input",
          step: "any", value: value === null ? "" : value });
      }
      input.dataset.key = key;
      pf.append(el("label", { class: "field" }, el("span", { "data-i18n": key, text: t(key) }), input));
    }
    $("time-limit").value = b.time_limit;
    $("legend-network").hidden = !(b.network || []).length;
    if (b.kind === "community") {
      $("weights-box").hidden = false; $("targets-box").hidden = false; $("rules-box").hidden = false;
      const w = $("weights"); w.replaceChildren();
      const tg = $("targets"); tg.replaceChildren();
      for (const s of b.services) {
        const label = s.label === s.name ? term("service", s.name) : s.label;
        const termKey = s.label === s.name ? "service|" + s.name : null;
        w.append(el("label", { class: "field" }, el("span", { text: label, "data-term": termKey }),
          el("input", { type: "number", step: "any", min: "0", id: "weight-" + s.name,
            "data-testid": "weight-" + s.name, value: s.weight })));
        const tv = b.targets[s.name] || {};
        tg.append(el("div", { class: "target" }, el("strong", { text: label, "data-term": termKey }),
          el("label", { class: "field" }, el("span", { "data-i18n": "overall", text: t("overall") }),
            el("input", { type: "number", step: "0.01", min: "0", max: "1", id: "target-overall-" + s.name,
              "data-testid": "target-overall-" + s.name, value: tv.overall ?? "" })),
          el("label", { class: "field" }, el("span", { "data-i18n": "district", text: t("district") }),
            el("input", { type: "number", step: "0.01", min: "0", max: "1", id: "target-district-" + s.name,
              "data-testid": "target-district-" + s.name, value: tv.district ?? "" })),
          communityTargets(s.name, tv.districts || {})));
      }
      const r = $("rules"); r.replaceChildren();
      for (const [key, value] of Object.entries(b.rules)) {
        r.append(el("label", { class: "field" },
          el("span", {}, el("input", { type: "checkbox", id: "rule-on-" + key, "data-testid": "rule-on-" + key,
            checked: value > 0 }), " ", el("span", { "data-i18n": key, text: t(key) })),
          el("input", { type: "number", step: "any", min: "0", id: "rule-" + key, "data-testid": "rule-" + key,
            value: value })));
      }
    }
  }

  // one share per named community (the scenario's `communities = { NAME = share }`)
  function communityTargets(service, named) {
    const box = el("details", { "data-testid": "target-communities-" + service, open: Object.keys(named).length > 0 },
      el("summary", { "data-i18n": "per_community", text: t("per_community") }));
    const inputs = S.targetInputs[service] = {};
    for (const c of S.base.communities || []) {
      const inp = el("input", { type: "number", step: "0.01", min: "0", max: "1",
        "data-testid": `target-community-${service}-${c}`, value: named[c] ?? "" });
      inputs[c] = inp;
      box.append(el("label", { class: "field" }, el("span", { text: c }), inp));
    }
    return box;
  }
  function sameShares(a, b) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => b[k] === a[k]);
  }

  function collectEdits() {
    const b = S.base, e = { problem: {}, weights: {}, targets: {}, rules: {},
      lock: [...S.lock], forbid: [...S.forbid], sites: {} };
    for (const input of $("problem-fields").querySelectorAll("[data-key]")) {
      const key = input.dataset.key;
      const v = key === "objective" ? input.value : numOrNull(input);
      if (v !== b.problem[key]) e.problem[key] = v;
    }
    const tl = numOrNull($("time-limit"));
    if (tl !== b.time_limit) e.time_limit = tl;
    if (b.kind === "community") {
      for (const s of b.services) {
        const w = numOrNull($("weight-" + s.name));
        if (w !== s.weight) e.weights[s.name] = w;
        const base = b.targets[s.name] || {};
        const o = numOrNull($("target-overall-" + s.name)), d = numOrNull($("target-district-" + s.name));
        const named = {};
        for (const [c, inp] of Object.entries(S.targetInputs[s.name] || {})) {
          const v = numOrNull(inp);
          if (v !== null) named[c] = v;
        }
        if (o !== (base.overall ?? null) || d !== (base.district ?? null) || !sameShares(named, base.districts || {}))
          e.targets[s.name] = (o === null && d === null && !Object.keys(named).length) ? null :
            { overall: o, district: d, districts: named };
      }
      for (const [key, value] of Object.entries(b.rules)) {
        const on = $("rule-on-" + key).checked;
        const v = on ? numOrNull($("rule-" + key)) : 0;
        if (v !== value) e.rules[key] = v;
      }
    }
    for (const [id, ed] of Object.entries(S.siteEdits)) {
      const keep = {};
      if (ed.cost !== undefined) keep.cost = ed.cost;
      if (ed.area !== undefined) keep.area = ed.area;
      if (Object.keys(keep).length) e.sites[id] = keep;
    }
    return e;
  }

  async function solve() {
    message("");
    try {
      const r = await api("/api/solve", { edits: collectEdits() });
      S.jobs[r.job.id] = r.job; S.current = r.job.id;
      showJob(r.job);
    } catch (err) { message(err.message); }
  }
  async function cancel() {
    if (!S.current) return;
    try { const r = await api("/api/cancel", { job: S.current }); S.jobs[r.job.id] = r.job; showJob(r.job); }
    catch (err) { message(err.message); }
  }

  // ---------------------------------------------------------------------- results
  function statusWord(status) {  // the page's own word, else the shared catalogue's
    return t(status) !== status ? t(status) : term("status", status);
  }
  function statusText(job) {
    if (job.state === "done" && job.plan) return statusWord(job.plan.status);
    return t(job.state);
  }
  function showJob(job) {
    if (job.id !== S.current) return;
    const running = job.state === "running" || job.state === "queued";
    $("cancel").disabled = !running;
    const st = $("status");
    st.dataset.state = job.state === "done" && job.plan ? job.plan.status : job.state;
    st.dataset.job = job.id;
    st.textContent = statusText(job);
    if (job.state === "error") message(job.error);
    const pr = job.progress || {};
    $("progress").textContent = running && pr.stage ? `${t("stage")} ${pr.stage} · ${t("incumbent")} ${fmt(pr.incumbent)} · ` +
      `${t("bound")} ${fmt(pr.bound)} · ${t("gap")} ${pct(pr.gap)} · ${t("elapsed")} ${fmt(pr.elapsed, 1)} s` :
      (running ? t(job.state) + " …" : "");
    if (job.state === "queued") $("progress").textContent = t("queued") + " …";
    if (running && job.cancelling) $("progress").textContent = t("cancelling") + " … " + $("progress").textContent;
    if (!running) { if (job.plan) showPlan(job); else clearPlan(); }
    renderHistory();
  }
  function renderHistory() {  // every solve of this session: click one to show its plan
    const h = $("history"); h.replaceChildren();
    for (const j of Object.values(S.jobs)) {
      const st = statusText(j);
      const btn = el("button", { type: "button", "data-testid": "history-" + j.id,
        class: j.id === S.shown ? "shown" : null,
        text: `${j.label} · ${st}` + (j.plan && j.plan.objective !== null ? " · " + fmt(j.plan.objective, 1) : "") });
      btn.addEventListener("click", () => { S.current = j.id; showJob(j); });
      h.append(btn);
    }
  }
  function clearPlan() {
    for (const id of ["objective", "gap", "bound", "cost", "budget-use", "seconds"]) $(id).textContent = "—";
    $("objective").removeAttribute("data-value");
    $("compare-add").disabled = true; $("export-toml").disabled = true; $("export-pdf").disabled = true;
    $("coverage").replaceChildren(); $("compliance").replaceChildren();
    S.shown = null; $("pdf-result").replaceChildren(); drawMap(); renderSites();
  }
  function showPlan(job) {
    const p = job.plan;
    if (S.shown !== job.id) $("pdf-result").replaceChildren();
    S.shown = job.id;
    const ob = $("objective"); ob.textContent = fmt(p.objective, 4);
    if (p.objective !== null && p.objective !== undefined) ob.dataset.value = String(p.objective);
    else ob.removeAttribute("data-value");
    $("gap").textContent = pct(p.gap); $("gap").dataset.value = p.gap ?? "";
    $("bound").textContent = fmt(p.bound, 4);
    const cost = p.cost ? p.cost.total : null;
    $("cost").textContent = fmt(cost, 0);
    $("budget-use").textContent = p.cost && p.cost.budget ? pct(p.cost.total / p.cost.budget) : "—";
    $("seconds").textContent = fmt(job.seconds, 2) + (p.path ? " · " + t("path_" + p.path) : "");
    $("seconds").dataset.path = p.path || "";
    const notes = [...(p.infeasible_because || []).map((n) => t("why") + ": " + n), ...(p.notes || [])];
    if (p.interrupted) notes.unshift(t("interrupted"));
    $("notes").textContent = notes.join("\n");
    const has = p.open_sites && (p.status === "optimal" || p.status === "feasible");
    $("compare-add").disabled = !has; $("export-toml").disabled = !has; $("export-pdf").disabled = !has;
    $("coverage").replaceChildren(coverageTable(p));
    $("compliance").replaceChildren(p.compliance_table ? table(p.compliance_table, 40) : "");
    drawMap(); renderSites();
  }
  function table(tbl, maxRows) {
    const tb = el("table");
    tb.append(el("thead", {}, el("tr", {}, ...tbl.columns.map((c) => el("th", { text: c })))));
    const body = el("tbody");
    for (const row of tbl.rows.slice(0, maxRows || 500))
      body.append(el("tr", {}, ...row.map((v) => el("td", { class: typeof v === "number" ? "num" : null,
        text: typeof v === "number" ? fmt(v, 4) : (v ?? "") }))));
    tb.append(body);
    return tb;
  }
  function coverageTable(p) {
    if (p.coverage_table) {
      const c = p.coverage_table, keep = c.columns.filter((k) => k !== "credited");
      return table({ columns: keep.map((k) => k === "credited_share" ? t("share") : k),
        rows: c.rows.map((r) => keep.map((k) => { const v = r[c.columns.indexOf(k)];
          if (k === "service" || k === "segment") return term(k, v);
          return k === "credited_share" && typeof v === "number" ? pct(v) : v; })) });
    }
    if (p.metrics) {
      return table({ columns: ["metric", "value"], rows: Object.entries(p.metrics)
        .filter(([, v]) => typeof v !== "object").map(([k, v]) => [k, v]) });
    }
    return el("p", { text: t("no_plan") });
  }

  // ---------------------------------------------------------------------- map
  function bbox() {
    const b = S.base, xs = [...b.blocks.x, ...b.sites.x], ys = [...b.blocks.y, ...b.sites.y];
    const minx = Math.min(...xs), maxx = Math.max(...xs), miny = Math.min(...ys), maxy = Math.max(...ys);
    const pad = 0.03 * Math.max(maxx - minx, maxy - miny, 1);
    return { minx: minx - pad, miny: miny - pad, w: maxx - minx + 2 * pad, h: maxy - miny + 2 * pad };
  }
  function drawInto(svg, openNow, openFirst, interactive, share) {
    const b = S.base, bb = bbox(), size = Math.max(bb.w, bb.h);
    svg.setAttribute("viewBox", `${bb.minx} ${-(bb.miny + bb.h)} ${bb.w} ${bb.h}`);
    svg.replaceChildren();
    for (const line of b.streets || []) {
      const pl = document.createElementNS(SVGNS, "polyline");
      pl.setAttribute("points", line.map(([x, y]) => x + "," + (-y)).join(" "));
      pl.setAttribute("class", "street");
      svg.append(pl);
    }
    if ((b.network || []).length) {  // the walking network the distances were measured on
      const net = document.createElementNS(SVGNS, "g");
      net.setAttribute("class", "network");
      if (interactive) net.setAttribute("data-testid", "map-network");
      for (const line of b.network) {
        if (line.length < 2) continue;
        const pl = document.createElementNS(SVGNS, "polyline");
        pl.setAttribute("points", line.map(([x, y]) => x + "," + (-y)).join(" "));
        net.append(pl);
      }
      svg.append(net);
    }
    const g = document.createElementNS(SVGNS, "g");
    const wmax = Math.max(...b.blocks.w.map((v) => v || 0), 1);
    for (let i = 0; i < b.blocks.x.length; i++) {
      const c = document.createElementNS(SVGNS, "circle");
      c.setAttribute("cx", b.blocks.x[i]); c.setAttribute("cy", -b.blocks.y[i]);
      c.setAttribute("r", size * (0.0012 + 0.0035 * Math.sqrt((b.blocks.w[i] || 0) / wmax)));
      c.setAttribute("class", "block");
      if (share && share[i] !== null && share[i] !== undefined)  // credited share: grey → teal
        c.style.fill = `hsl(170, ${Math.round(15 + 60 * share[i])}%, ${Math.round(62 - 25 * share[i])}%)`;
      g.append(c);
    }
    svg.append(g);
    for (let j = 0; j < b.sites.id.length; j++) {
      const id = b.sites.id[j], c = document.createElementNS(SVGNS, "circle");
      c.setAttribute("cx", b.sites.x[j]); c.setAttribute("cy", -b.sites.y[j]);
      c.setAttribute("r", size * (interactive ? 0.008 : 0.012));
      const cls = ["site"];
      if (openFirst) {
        const a = openNow.has(id), f = openFirst.has(id);
        if (a && !f) cls.push("added"); else if (!a && f) cls.push("removed"); else if (a) cls.push("kept");
      } else {
        if (b.sites.existing[j]) cls.push("existing");
        if (openNow.has(id)) cls.push("open");
        if (S.lock.has(id) || b.sites.required[j]) cls.push("locked");
        if (S.forbid.has(id) || b.sites.forbidden[j]) cls.push("forbidden");
      }
      c.setAttribute("class", cls.join(" "));
      c.setAttribute("data-testid", (interactive ? "map-site-" : "cmp-site-") + id);
      const title = document.createElementNS(SVGNS, "title");
      title.textContent = id + (b.sites.name && b.sites.name[j] ? " " + b.sites.name[j] : "");
      c.append(title);
      if (interactive) c.addEventListener("click", (ev) => openPopup(j, ev));
      svg.append(c);
    }
  }
  function openSet(job) {
    return new Set(job && job.plan ? job.plan.open_sites || [] : []);
  }
  function drawMap() {
    const job = S.jobs[S.shown];
    drawInto($("map"), openSet(job), null, true, job && job.plan ? job.plan.block_share : null);
  }

  function openPopup(j, ev) {
    const b = S.base, id = b.sites.id[j], pop = $("popup"), ed = S.siteEdits[id] || {};
    pop.replaceChildren(
      el("strong", { text: `${t("site")} ${id}` + (b.sites.name && b.sites.name[j] ? " · " + b.sites.name[j] : "") }),
      el("div", {}, el("label", {}, el("input", { type: "checkbox", "data-testid": "popup-lock-" + id,
        checked: S.lock.has(id) }), " ", t("lock"))),
      el("div", {}, el("label", {}, el("input", { type: "checkbox", "data-testid": "popup-forbid-" + id,
        checked: S.forbid.has(id) }), " ", t("forbid"))));
    if (b.sites.cost) pop.append(el("label", { class: "field" }, t("cost"),
      el("input", { type: "number", step: "any", min: "0", "data-testid": "popup-cost-" + id,
        value: ed.cost ?? b.sites.cost[j] ?? "" })));
    if (b.sites.area) pop.append(el("label", { class: "field" }, t("area"),
      el("input", { type: "number", step: "any", min: "0", "data-testid": "popup-area-" + id,
        value: ed.area ?? b.sites.area[j] ?? "" })));
    const close = el("button", { type: "button", class: "secondary", text: "×", "data-testid": "popup-close" });
    close.addEventListener("click", () => { pop.hidden = true; });
    pop.append(close);
    pop.querySelector(`[data-testid="popup-lock-${id}"]`).addEventListener("change", (e) => setLock(id, e.target.checked));
    pop.querySelector(`[data-testid="popup-forbid-${id}"]`).addEventListener("change", (e) => setForbid(id, e.target.checked));
    for (const f of ["cost", "area"]) {
      const inp = pop.querySelector(`[data-testid="popup-${f}-${id}"]`);
      if (inp) inp.addEventListener("change", () => setSiteValue(j, f, inp));
    }
    const wrap = $("map-wrap").getBoundingClientRect();
    pop.style.left = Math.min(ev.clientX - wrap.left + 8, wrap.width - 200) + "px";
    pop.style.top = (ev.clientY - wrap.top + 8) + "px";
    pop.hidden = false;
  }

  // ---------------------------------------------------------------------- sites table
  function setLock(id, on) {
    if (on) { S.lock.add(id); S.forbid.delete(id); } else S.lock.delete(id);
    renderSites(); drawMap();
  }
  function setForbid(id, on) {
    if (on) { S.forbid.add(id); S.lock.delete(id); } else S.forbid.delete(id);
    renderSites(); drawMap();
  }
  function setSiteValue(j, field, input) {
    const b = S.base, id = b.sites.id[j], v = numOrNull(input);
    const ed = S.siteEdits[id] || (S.siteEdits[id] = {});
    if (v === null || v === b.sites[field][j]) delete ed[field]; else ed[field] = v;
    renderSites();
  }
  function renderSites() {
    const b = S.base, tb = $("sites");
    const open = openSet(S.jobs[S.shown]);
    const head = [t("site"), "name", t("community"), t("state"), t("in_plan")];
    if (b.sites.cost) head.push(t("cost"));
    if (b.sites.area) head.push(t("area"));
    head.push(t("lock"), t("forbid"));
    tb.tHead.replaceChildren(el("tr", {}, ...head.map((h) => el("th", { text: h }))));
    const body = el("tbody");
    for (let j = 0; j < b.sites.id.length; j++) {
      const id = b.sites.id[j], ed = S.siteEdits[id] || {};
      const state = b.sites.existing[j] ? t("existing") : b.sites.required[j] ? t("locked") :
        b.sites.forbidden[j] ? t("forbidden") : "";
      const fixed = b.sites.existing[j] || b.sites.required[j] || b.sites.forbidden[j];
      const tr = el("tr", { "data-testid": "site-row-" + id, class: open.has(id) ? "in-plan" : null },
        el("td", { text: id }), el("td", { text: b.sites.name ? b.sites.name[j] : "" }),
        el("td", { text: b.sites.district ? b.sites.district[j] : "" }), el("td", { text: state }),
        el("td", { "data-testid": "inplan-" + id, text: open.has(id) ? "✓" : "" }));
      for (const f of ["cost", "area"]) {
        if (!b.sites[f]) continue;
        const inp = el("input", { type: "number", step: "any", min: "0", "data-testid": f + "-" + id,
          value: ed[f] ?? b.sites[f][j] ?? "" });
        inp.addEventListener("change", () => setSiteValue(j, f, inp));
        tr.append(el("td", {}, inp));
      }
      const lk = el("input", { type: "checkbox", "data-testid": "lock-" + id, checked: S.lock.has(id) || b.sites.required[j],
        disabled: fixed, "aria-label": t("lock") + " " + id });
      lk.addEventListener("change", () => setLock(id, lk.checked));
      const fb = el("input", { type: "checkbox", "data-testid": "forbid-" + id, checked: S.forbid.has(id) || b.sites.forbidden[j],
        disabled: fixed, "aria-label": t("forbid") + " " + id });
      fb.addEventListener("change", () => setForbid(id, fb.checked));
      tr.append(el("td", {}, lk), el("td", {}, fb));
      body.append(tr);
    }
    tb.tBodies[0].replaceWith(body);
  }

  // ---------------------------------------------------------------------- compare
  function addCompare() {
    if (!S.shown || S.compare.includes(S.shown)) return;
    S.compare.push(S.shown);
    if (S.compare.length > 4) S.compare.shift();
    renderCompare();
  }
  function shareOf(plan, service, district) {
    const c = plan.coverage_table;
    if (!c) return null;
    const si = c.columns.indexOf("service"), di = c.columns.indexOf("district"), vi = c.columns.indexOf("credited_share");
    const row = c.rows.find((r) => r[si] === service && String(r[di]) === district);
    return row ? row[vi] : null;
  }
  function renderCompare() {
    const box = $("compare"); box.replaceChildren();
    const jobs = S.compare.map((id) => S.jobs[id]).filter((j) => j && j.plan);
    if (!jobs.length) return;
    const first = openSet(jobs[0]);
    const rows = [[t("status"), ...jobs.map((j) => statusWord(j.plan.status) + (j.plan.interrupted ? " (" + t("interrupted") + ")" : ""))],
      [t("objective_value"), ...jobs.map((j) => fmt(j.plan.objective, 4))],
      [t("gap"), ...jobs.map((j) => pct(j.plan.gap))],
      [t("cost"), ...jobs.map((j) => fmt(j.plan.cost ? j.plan.cost.total : null, 0))],
      [t("budget"), ...jobs.map((j) => fmt(j.plan.cost ? j.plan.cost.budget : (j.edits.problem || {}).budget, 0))],
      [t("sites"), ...jobs.map((j) => String((j.plan.open_sites || []).length))]];
    const c0 = jobs[0].plan.coverage_table;
    if (c0) {
      const si = c0.columns.indexOf("service"), di = c0.columns.indexOf("district");
      for (const r of c0.rows) {
        const svc = r[si], d = String(r[di]);
        rows.push([`${t("share")} · ${svc} · ${d === "ALL" ? t("overall") : d}`,
          ...jobs.map((j) => pct(shareOf(j.plan, svc, d)))]);
      }
    }
    rows.push([t("added") + " (" + t("vs_first") + ")", ...jobs.map((j) =>
      [...openSet(j)].filter((s) => !first.has(s)).join(", "))]);
    rows.push([t("removed") + " (" + t("vs_first") + ")", ...jobs.map((j) =>
      [...first].filter((s) => !openSet(j).has(s)).join(", "))]);
    const tbl = el("table", { "data-testid": "compare-table" });
    tbl.append(el("thead", {}, el("tr", {}, el("th", { text: "" }),
      ...jobs.map((j) => el("th", { text: t("plan") + " " + j.label })))));
    const body = el("tbody");
    rows.forEach((r, k) => body.append(el("tr", { "data-testid": "compare-row-" + k },
      ...r.map((v, i) => el(i ? "td" : "th", { text: v })))));
    tbl.append(body);
    const maps = el("div", { class: "maps" });
    for (const j of jobs) {
      const svg = document.createElementNS(SVGNS, "svg");
      svg.setAttribute("data-testid", "compare-map-" + j.id);
      drawInto(svg, openSet(j), j === jobs[0] ? null : first, false);
      maps.append(el("figure", {}, svg, el("figcaption", { text: t("plan") + " " + j.label })));
    }
    box.append(tbl, maps);
  }

  // ---------------------------------------------------------------------- export
  async function exportPlan() {
    if (!S.shown) return;
    $("export-result").textContent = "";
    try {
      const r = await api("/api/export", { job: S.shown });
      const p = $("export-result");
      p.replaceChildren(el("span", { text: t("exported_to") + " " }),
        el("code", { "data-testid": "export-path", text: r.scenario }), el("br"));
      for (const [f, url] of Object.entries(r.urls))
        p.append(el("a", { href: url, target: "_blank", rel: "noopener", text: f }), " ");
    } catch (err) { message(err.message); }
  }

  async function exportPdf() {  // the plan's report printed by the server's Chromium, downloaded
    if (!S.shown) return;
    const btn = $("export-pdf"); btn.disabled = true;
    const p = $("pdf-result"); p.textContent = t("printing");
    try {
      const r = await api("/api/pdf", { job: S.shown });
      const a = el("a", { href: r.url, download: `${S.base.name}-${S.shown}.pdf`, "data-testid": "pdf-link",
        text: r.file });
      p.replaceChildren(a);
      a.click();
    } catch (err) { p.textContent = ""; message(err.message); }
    finally { btn.disabled = false; }
  }

  // ---------------------------------------------------------------------- language
  function applyLang() {
    document.documentElement.lang = S.lang === "zh" ? "zh-CN" : "en";
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    $("lang-toggle").textContent = t("lang");
    const nn = S.base.network_note || {};
    $("legend-network-text").textContent = t("network") + (nn.drawn < nn.edges ?
      ` (${fmt(nn.drawn, 0)} / ${fmt(nn.edges, 0)})` : "");
    for (const e of document.querySelectorAll("[data-term]")) {
      const [ctx, value] = e.dataset.term.split("|");
      e.textContent = term(ctx, value);
    }
    if (S.current && S.jobs[S.current]) showJob(S.jobs[S.current]); else renderSites();
    renderCompare();
  }

  // ---------------------------------------------------------------------- start
  function listen() {
    const es = new EventSource("/api/events");
    es.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (!msg.job) return;
      const old = S.jobs[msg.job.id] || {};
      const job = msg.type === "progress" ? { ...old, ...msg.job } : msg.job;
      S.jobs[job.id] = job;
      if (job.id === S.current) showJob(job); else if (msg.type === "job") renderHistory();
    };
  }
  async function start() {
    S.base = await api("/api/state");
    for (const j of S.base.jobs || []) S.jobs[j.id] = j;
    buildPanel(); applyLang(); drawMap(); renderSites(); listen();

    $("solve").addEventListener("click", solve);
    $("cancel").addEventListener("click", cancel);
    $("reset").addEventListener("click", () => { S.lock.clear(); S.forbid.clear(); S.siteEdits = {};
      buildPanel(); applyLang(); drawMap(); renderSites(); });
    $("compare-add").addEventListener("click", addCompare);
    $("compare-clear").addEventListener("click", () => { S.compare = []; renderCompare(); });
    $("export-toml").addEventListener("click", exportPlan);
    $("export-pdf").addEventListener("click", exportPdf);
    $("lang-toggle").addEventListener("click", () => { S.lang = S.lang === "zh" ? "en" : "zh"; applyLang(); });
    // the event stream can drop (sleep, proxy): a running solve is also polled now and then
    setInterval(async () => {
      const j = S.current ? S.jobs[S.current] : null;
      if (!j || !(j.state === "running" || j.state === "queued")) return;
      try { const r = await api("/api/jobs/" + j.id);
        if (r.job.state !== j.state) { S.jobs[j.id] = r.job; showJob(r.job); } } catch (e) { /* next time */ }
    }, 3000);
    document.body.dataset.ready = "1";
  }
  start().catch((err) => message(err.message));
})();
