/* Public booking pages: the slot picker (booking and rescheduling) and booked times shown
   in the browser's zone. Talks only to the public JSON API; data reaches the page only
   through textContent, never as markup. */
(() => {
  "use strict";

  const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Fields the form has no control for; their messages ("is too soon: ...") read as a sentence.
  const TOP_LEVEL_FIELDS = { start: "The chosen time", time_zone: "The time zone" };
  const NETWORK_ERROR = "The server could not be reached. Check your connection and try again.";

  const pad = (n) => String(n).padStart(2, "0");
  const isoDate = (year, month, day) => `${year}-${pad(month)}-${pad(day)}`;
  const daysInMonth = (year, month) => new Date(Date.UTC(year, month, 0)).getUTCDate();
  // Calendar dates are handled as UTC midnights so the browser's own zone never shifts them.
  const utcDate = (iso) => new Date(`${iso}T00:00:00Z`);

  function todayIn(zone) {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, year: "numeric", month: "numeric", day: "numeric",
    }).formatToParts(new Date());
    const part = (type) => Number(parts.find((p) => p.type === type).value);
    return { year: part("year"), month: part("month"), day: part("day") };
  }

  function firstWeekday() {
    // 0 = Sunday as in getUTCDay(); weekInfo counts Monday = 1 .. Sunday = 7.
    try {
      const locale = new Intl.Locale(navigator.language);
      const info = locale.getWeekInfo ? locale.getWeekInfo() : locale.weekInfo;
      return info && info.firstDay ? info.firstDay % 7 : 1;
    } catch {
      return 1;
    }
  }

  async function fetchJson(url, options) {
    // Resolves to {ok, status, body}; a network failure or a non-JSON answer becomes a
    // problem-shaped body so callers handle every failure the same way.
    let response;
    try {
      response = await fetch(url, { ...options, headers: { Accept: "application/json", ...(options && options.headers) } });
    } catch {
      return { ok: false, status: 0, body: { detail: NETWORK_ERROR } };
    }
    try {
      return { ok: response.ok, status: response.status, body: await response.json() };
    } catch {
      return { ok: false, status: response.status, body: { detail: `The server answered ${response.status}. Please try again.` } };
    }
  }

  function localiseTimes() {
    const day = new Intl.DateTimeFormat(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });
    const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
    for (const element of document.querySelectorAll("time[data-end]")) {
      const start = new Date(element.dateTime);
      const end = new Date(element.dataset.end);
      const range = document.createElement("span");
      range.className = "nowrap";
      range.textContent = `${time.format(start)} – ${time.format(end)}`;
      element.replaceChildren(`${day.format(start)}, `, range);
      const label = document.getElementById(element.dataset.zoneLabel);
      if (label) label.textContent = BROWSER_ZONE;
    }
  }

  // Lower case, no accents, "_" and "/" as spaces: "sao paulo" finds America/Sao_Paulo.
  const searchable = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[_/]/g, " ");

  function startZoneSearch(select, search, matches) {
    // Filters the zone list to what the words typed match (name, region or offset, as in
    // "eastern", "new york", "+05:30"); Enter takes the first match. The zone chosen stays
    // listed whatever is typed, so the select never changes its value behind the page's back.
    const groups = [...select.querySelectorAll("optgroup")].map((group) => ({
      label: group.label,
      id: group.id,
      options: [...group.children].map((option) => ({ option, text: searchable(`${option.textContent} ${option.value}`) })),
    }));
    let first = null;

    function filter() {
      const terms = searchable(search.value).split(/\s+/).filter(Boolean);
      const current = select.value;
      const kept = [];
      const found = new Set();
      first = null;
      for (const group of groups) {
        const options = group.options.filter(({ text }) => terms.every((term) => text.includes(term))).map(({ option }) => option);
        for (const option of options) {
          found.add(option.value);
          if (!first && option.value !== current) first = option.value;
        }
        if (!options.length) continue;
        const element = document.createElement("optgroup");
        element.label = group.label;
        if (group.id) element.id = group.id;
        element.append(...options);
        kept.push(element);
      }
      if (!found.has(current)) {
        const chosen = groups.flatMap((group) => group.options).find(({ option }) => option.value === current);
        const element = document.createElement("optgroup");
        element.label = "Chosen";
        element.append(chosen.option);
        kept.unshift(element);
      }
      select.replaceChildren(...kept);
      select.value = current;
      if (!terms.length) matches.textContent = "";
      else if (!found.size) matches.textContent = "No zone matches; try a city or an offset such as +05:30.";
      else if (!first) matches.textContent = "Only the zone already chosen matches.";
      else matches.textContent = found.size === 1 ? "1 zone matches; Enter picks it." : `${found.size} zones match; Enter picks the first.`;
    }

    search.addEventListener("input", filter);
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (!first) return;
      select.value = first;
      select.dispatchEvent(new Event("change"));
      filter();
    });
  }

  function startPicker(root) {
    const byId = (id) => document.getElementById(id);
    const mode = root.dataset.mode;
    const slotsUrl = `${root.dataset.api}/${encodeURIComponent(root.dataset.host)}/${encodeURIComponent(root.dataset.event)}/slots`;
    const zoneSelect = byId("zone");
    const picker = byId("picker");
    const pickerError = byId("picker-error");
    const status = byId("picker-status");
    const monthLabel = byId("month-label");
    const monthDays = byId("month-days");
    const grid = monthDays.closest("table");
    const prevMonth = byId("prev-month");
    const nextMonth = byId("next-month");
    const slotsPanel = byId("slots");
    const slotsHeading = byId("slots-heading");
    const slotList = byId("slot-list");
    const form = byId("details-form");
    const chosenTime = byId("chosen-time");
    const formError = byId("form-error");
    const weekStart = firstWeekday();

    const state = { zone: "", year: 0, month: 0, days: new Map(), date: null, focus: null, pending: null, slot: null, request: 0, firstLoad: true };

    function detectZone() {
      // Offer the browser's zone first. One the list lacks is still offered when it looks
      // like an IANA name (the API has the last word); anything else falls back to the host's.
      const listed = [...zoneSelect.options].find((option) => option.value === BROWSER_ZONE);
      if (!listed && !BROWSER_ZONE.includes("/")) return root.dataset.hostZone;
      const group = document.createElement("optgroup");
      group.label = "Your zone";
      group.append(new Option(listed ? listed.textContent : BROWSER_ZONE.replaceAll("_", " "), BROWSER_ZONE));
      zoneSelect.prepend(group);
      return BROWSER_ZONE;
    }

    function formats() {
      const zone = state.zone;
      return {
        time: new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: "numeric", minute: "2-digit" }),
        day: new Intl.DateTimeFormat(undefined, { timeZone: "UTC", weekday: "long", month: "long", day: "numeric" }),
        longDay: new Intl.DateTimeFormat(undefined, { timeZone: "UTC", weekday: "long", year: "numeric", month: "long", day: "numeric" }),
        month: new Intl.DateTimeFormat(undefined, { timeZone: "UTC", month: "long", year: "numeric" }),
      };
    }

    function setStatus(text) {
      status.textContent = text;
    }

    function showPickerError(text) {
      pickerError.textContent = text;
      pickerError.hidden = !text;
    }

    function renderWeekdays() {
      const short = new Intl.DateTimeFormat(undefined, { timeZone: "UTC", weekday: "short" });
      const long = new Intl.DateTimeFormat(undefined, { timeZone: "UTC", weekday: "long" });
      const row = byId("weekdays");
      row.replaceChildren();
      for (let i = 0; i < 7; i += 1) {
        // 2024-01-07 was a Sunday: adding the weekday index gives a date of that weekday.
        const date = new Date(Date.UTC(2024, 0, 7 + ((weekStart + i) % 7)));
        const cell = document.createElement("th");
        cell.scope = "col";
        const abbr = document.createElement("abbr");
        abbr.title = long.format(date);
        abbr.textContent = short.format(date);
        cell.append(abbr);
        row.append(cell);
      }
    }

    const isoOf = (date) => date.toISOString().slice(0, 10);
    const addDays = (iso, days) => isoOf(new Date(utcDate(iso).getTime() + days * 86400000));
    const monthOf = (iso) => iso.slice(0, 7);
    const shownMonth = () => isoDate(state.year, state.month, 1).slice(0, 7);

    function tabStop() {
      // The one day Tab reaches (roving tabindex): the last one focused, else the picked
      // day, else the first with times, else today, else the 1st.
      const month = shownMonth();
      if (state.focus && monthOf(state.focus) === month) return state.focus;
      if (state.date && monthOf(state.date) === month) return state.date;
      const open = [...state.days.keys()].sort().find((iso) => monthOf(iso) === month && state.days.get(iso).length);
      if (open) return open;
      const today = todayIn(state.zone);
      const todayIso = isoDate(today.year, today.month, today.day);
      return monthOf(todayIso) === month ? todayIso : `${month}-01`;
    }

    function renderMonth() {
      const fmt = formats();
      const { year, month } = state;
      const today = todayIn(state.zone);
      const todayIso = isoDate(today.year, today.month, today.day);
      const loading = grid.getAttribute("aria-busy") === "true";
      monthLabel.textContent = fmt.month.format(new Date(Date.UTC(year, month - 1, 1)));
      prevMonth.disabled = year < today.year || (year === today.year && month <= today.month);
      const stop = tabStop();
      // Re-rendering replaces the cells: focus goes back to the same day if it was in the grid.
      const hadFocus = monthDays.contains(document.activeElement);

      const rows = [];
      let row = document.createElement("tr");
      const leading = (new Date(Date.UTC(year, month - 1, 1)).getUTCDay() - weekStart + 7) % 7;
      for (let i = 0; i < leading; i += 1) row.append(document.createElement("td"));
      for (let day = 1; day <= daysInMonth(year, month); day += 1) {
        const iso = isoDate(year, month, day);
        const slots = state.days.get(iso) || [];
        const cell = document.createElement("td");
        cell.className = "day";
        cell.dataset.date = iso;
        cell.tabIndex = iso === stop ? 0 : -1;
        const number = document.createElement("span");
        number.textContent = String(day);
        cell.append(number);
        if (iso === todayIso) {
          cell.classList.add("today");
          cell.setAttribute("aria-current", "date");
        }
        let count = "";
        if (slots.length) {
          count = slots.length === 1 ? ", 1 time available" : `, ${slots.length} times available`;
          cell.setAttribute("aria-selected", String(iso === state.date));
        } else {
          if (!loading) count = ", no times available";
          cell.setAttribute("aria-disabled", "true");
        }
        cell.setAttribute("aria-label", `${fmt.longDay.format(utcDate(iso))}${count}`);
        row.append(cell);
        if (row.children.length === 7) {
          rows.push(row);
          row = document.createElement("tr");
        }
      }
      if (row.children.length) {
        while (row.children.length < 7) row.append(document.createElement("td"));
        rows.push(row);
      }
      monthDays.replaceChildren(...rows);
      if (hadFocus) focusDay(stop);
    }

    function focusDay(iso) {
      const cell = monthDays.querySelector(`td[data-date="${iso}"]`);
      if (!cell) return;
      for (const other of monthDays.querySelectorAll("td[tabindex='0']")) other.tabIndex = -1;
      cell.tabIndex = 0;
      cell.focus();
    }

    function moveTo(iso) {
      // Never into a month wholly past in the chosen zone (the previous-month button's rule).
      const today = todayIn(state.zone);
      if (monthOf(iso) < isoDate(today.year, today.month, 1).slice(0, 7)) return;
      state.focus = iso;
      if (monthOf(iso) === shownMonth()) {
        focusDay(iso);
        return;
      }
      showPickerError("");
      const [year, month] = iso.split("-").map(Number);
      shiftMonth((year * 12 + month) - (state.year * 12 + state.month));
    }

    function sameDayMonthsAway(iso, step) {
      const [year, month, day] = iso.split("-").map(Number);
      const index = year * 12 + (month - 1) + step;
      const y = Math.floor(index / 12);
      const m = (index % 12) + 1;
      return isoDate(y, m, Math.min(day, daysInMonth(y, m)));
    }

    function onGridKey(event) {
      const cell = event.target.closest("td[data-date]");
      if (!cell || event.altKey || event.ctrlKey || event.metaKey) return;
      const iso = cell.dataset.date;
      const weekday = (utcDate(iso).getUTCDay() - weekStart + 7) % 7;
      const moves = {
        ArrowLeft: () => addDays(iso, -1),
        ArrowRight: () => addDays(iso, 1),
        ArrowUp: () => addDays(iso, -7),
        ArrowDown: () => addDays(iso, 7),
        Home: () => addDays(iso, -weekday),
        End: () => addDays(iso, 6 - weekday),
        PageUp: () => sameDayMonthsAway(iso, event.shiftKey ? -12 : -1),
        PageDown: () => sameDayMonthsAway(iso, event.shiftKey ? 12 : 1),
      };
      if (moves[event.key]) {
        event.preventDefault();
        moveTo(moves[event.key]());
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        pickDay(cell);
      }
    }

    function pickDay(cell) {
      if (!cell) return;
      if (grid.getAttribute("aria-busy") === "true") {
        // Enter pressed while the month loads: picked once its times are known.
        state.pending = cell.dataset.date;
        return;
      }
      if (cell.getAttribute("aria-disabled") === "true") return;
      state.focus = cell.dataset.date;
      showDay(cell.dataset.date, true);
    }

    function showDay(iso, focusTimes) {
      const fmt = formats();
      state.date = iso;
      for (const cell of monthDays.querySelectorAll("td[aria-selected]")) {
        cell.setAttribute("aria-selected", String(cell.dataset.date === iso));
      }
      slotsHeading.textContent = fmt.day.format(utcDate(iso));
      const items = (state.days.get(iso) || []).map((slot) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "slot";
        button.dataset.start = slot.start;
        button.textContent = fmt.time.format(new Date(slot.start));
        button.addEventListener("click", () => chooseSlot(slot));
        item.append(button);
        return item;
      });
      slotList.replaceChildren(...items);
      slotsPanel.hidden = false;
      if (!focusTimes || !items.length) return;
      // On a phone the times sit below the month: bring their heading to the top rather
      // than leaving the first time peeking in at the bottom edge.
      const below = slotsPanel.getBoundingClientRect().top >= grid.getBoundingClientRect().bottom;
      if (below) {
        const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        slotsPanel.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
      }
      items[0].firstChild.focus({ preventScroll: below });
    }

    function hideDay() {
      state.date = null;
      slotsPanel.hidden = true;
      slotList.replaceChildren();
    }

    async function loadMonth() {
      const request = (state.request += 1);
      const { year, month, zone } = state;
      state.days = new Map();
      grid.setAttribute("aria-busy", "true");
      renderMonth();
      setStatus("Loading available times…");
      const params = new URLSearchParams({
        start: isoDate(year, month, 1), end: isoDate(year, month, daysInMonth(year, month)), tz: zone,
      });
      // Rescheduling: the booking being moved must not block its own neighbourhood.
      if (root.dataset.reschedule) {
        params.set("reschedule", root.dataset.reschedule);
        params.set("token", root.dataset.token);
      }
      const { ok, body } = await fetchJson(`${slotsUrl}?${params}`);
      // A newer month or zone was asked for meanwhile: this answer is stale.
      if (request !== state.request) return;
      grid.removeAttribute("aria-busy");
      if (!ok) {
        setStatus("");
        showPickerError(body.detail || "Available times could not be loaded.");
        return;
      }
      state.days = new Map(body.days.map((day) => [day.date, day.slots]));
      const open = body.days.some((day) => day.slots.length);
      if (!open && state.firstLoad) {
        // Late in a month the rest of it may be booked up: show the next one instead.
        state.firstLoad = false;
        shiftMonth(1);
        return;
      }
      state.firstLoad = false;
      renderMonth();
      setStatus(open ? "" : "No available times this month.");
      const pending = state.pending;
      state.pending = null;
      if (pending && (state.days.get(pending) || []).length) {
        showDay(pending, monthDays.contains(document.activeElement));
      } else if (state.date && (state.days.get(state.date) || []).length) {
        showDay(state.date, false);
      } else {
        hideDay();
      }
    }

    function shiftMonth(step) {
      const index = state.year * 12 + (state.month - 1) + step;
      state.year = Math.floor(index / 12);
      state.month = (index % 12) + 1;
      hideDay();
      loadMonth();
    }

    function chooseSlot(slot) {
      const fmt = formats();
      state.slot = slot;
      const start = new Date(slot.start);
      const end = new Date(slot.end);
      chosenTime.textContent = `${fmt.time.format(start)} – ${fmt.time.format(end)}, ${fmt.longDay.format(utcDate(state.date))} (${state.zone})`;
      clearErrors();
      picker.hidden = true;
      form.hidden = false;
      byId("details-heading").focus();
    }

    function backToPicker() {
      form.hidden = true;
      picker.hidden = false;
      const current = state.slot && slotList.querySelector(`button[data-start="${CSS.escape(state.slot.start)}"]`);
      if (current) current.focus();
    }

    function clearErrors() {
      formError.hidden = true;
      formError.textContent = "";
      for (const message of form.querySelectorAll(".field-error")) {
        message.hidden = true;
        message.textContent = "";
      }
      for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
    }

    function showProblem(body) {
      // errors[].field names a body field ("guests[1]" for one guest); a message goes next
      // to its field when the form has one, else on top, as does a problem without errors.
      const unplaced = [];
      let first = null;
      for (const error of Array.isArray(body.errors) ? body.errors : []) {
        const name = String(error.field || "").replace(/\[\d+\]$/, "");
        const control = name && form.elements.namedItem(name);
        const message = name && byId(`${name}-error`);
        if (control && message) {
          message.textContent = `${message.textContent} ${error.message}`.trim();
          message.hidden = false;
          control.setAttribute("aria-invalid", "true");
          first = first || control;
        } else {
          unplaced.push(TOP_LEVEL_FIELDS[name] ? `${TOP_LEVEL_FIELDS[name]} ${error.message}` : error.message);
        }
      }
      if (unplaced.length || !first) {
        formError.textContent = unplaced.join(" ") || body.detail || "Something went wrong. Please try again.";
        formError.hidden = false;
      }
      (first || formError).focus();
    }

    function payload() {
      if (mode === "reschedule") {
        return { start: state.slot.start, reason: form.elements.reason.value };
      }
      return {
        start: state.slot.start,
        name: form.elements.name.value,
        email: form.elements.email.value,
        time_zone: state.zone,
        notes: form.elements.notes.value,
        guests: form.elements.guests.value.split(",").map((g) => g.trim()).filter(Boolean),
      };
    }

    async function submit(event) {
      event.preventDefault();
      clearErrors();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const { ok, status: code, body } = await fetchJson(root.dataset.submitUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload()),
      });
      if (ok) {
        // Stays disabled: the confirmation page is loading, a second click would book twice.
        // Path and query only: the link names PUBLIC_URL, which may not be how this
        // browser reached the server (a LAN address, a port forward).
        const target = new URL(body.links.booking_url, window.location.href);
        window.location.assign(target.pathname + target.search);
        return;
      }
      button.disabled = false;
      if (code === 409) {
        // Someone else took the slot meanwhile: fresh times, and the typed details stay.
        backToPicker();
        showPickerError(body.detail || "This time is no longer available. Please pick another.");
        loadMonth();
        return;
      }
      showProblem(body);
    }

    renderWeekdays();
    state.zone = detectZone();
    zoneSelect.value = state.zone;
    const today = todayIn(state.zone);
    state.year = today.year;
    state.month = today.month;

    zoneSelect.addEventListener("change", () => {
      state.zone = zoneSelect.value;
      // Tokyo may already be in next month while New York is not: never show a month
      // that is wholly past in the chosen zone, and if its own current month has no
      // times left, move on as on the first load.
      const now = todayIn(state.zone);
      if (state.year * 12 + state.month <= now.year * 12 + now.month) {
        state.year = now.year;
        state.month = now.month;
        state.firstLoad = true;
      }
      showPickerError("");
      loadMonth();
    });
    monthDays.addEventListener("keydown", onGridKey);
    monthDays.addEventListener("click", (event) => pickDay(event.target.closest("td[data-date]")));
    monthDays.addEventListener("focusin", (event) => {
      const cell = event.target.closest("td[data-date]");
      if (cell) state.focus = cell.dataset.date;
    });
    startZoneSearch(zoneSelect, byId("zone-search"), byId("zone-matches"));
    prevMonth.addEventListener("click", () => { showPickerError(""); shiftMonth(-1); });
    nextMonth.addEventListener("click", () => { showPickerError(""); shiftMonth(1); });
    byId("back").addEventListener("click", backToPicker);
    form.addEventListener("submit", submit);
    loadMonth();
  }

  const scheduler = document.getElementById("scheduler");
  if (scheduler) startPicker(scheduler);
  localiseTimes();
})();
