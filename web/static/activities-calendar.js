// The activities calendar (web/pages/activities_calendar.py): FullCalendar, vendored
// under /static/vendor/, configured here because the Content-Security-Policy refuses
// inline scripts. Everything it shows comes from the session-guarded JSON feed; every
// change goes back through the page's JSON routes (the same service as the API), and
// a refused change is shown and undone.
(() => {
  const el = document.getElementById("calendar");
  if (!el || !window.FullCalendar) return;

  // The remembered choice (server side) by its short name, and FullCalendar's names.
  const VIEWS = { month: "dayGridMonth", week: "timeGridWeek", day: "timeGridDay", list: "listWeek" };
  const NAMES = Object.fromEntries(Object.entries(VIEWS).map(([name, view]) => [view, name]));
  const BUSY_COLOUR = "#9ca3af";
  const csrf = el.dataset.csrf;
  const base = el.dataset.base;
  const message = document.getElementById("calendar-message");
  let remembered = el.dataset.view in VIEWS ? el.dataset.view : "month";

  function say(text, kind) {
    message.textContent = text;
    message.className = `calendar-message ${kind || "error"}`;
    message.hidden = !text;
  }

  async function send(method, url, body) {
    const answer = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    if (answer.redirected && new URL(answer.url).pathname === "/login") {
      window.location.reload(); // the session ended: sign in again
      throw new Error("Your session has ended.");
    }
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error(data.detail || `The server answered ${answer.status}.`);
    return data;
  }

  function activityEvent(a) {
    return {
      id: String(a.id),
      title: a.title,
      start: a.start,
      end: a.end,
      allDay: a.all_day,
      color: a.colour,
      contrastColor: a.text_colour,
      editable: !a.read_only,
      className: a.read_only ? "activity read-only" : "activity",
      extendedProps: { kind: "activity", url: a.url, readOnly: a.read_only, type: a.type_name },
    };
  }

  function busyEvent(b, index) {
    return {
      id: `busy-${index}`,
      title: b.title,
      start: b.start,
      end: b.end,
      allDay: b.all_day,
      color: BUSY_COLOUR,
      contrastColor: "#111827",
      editable: false,
      className: b.tentative ? "busy tentative" : "busy",
      extendedProps: { kind: "busy", calendar: b.calendar, tentative: b.tentative },
    };
  }

  async function loadRange(info, success, failure) {
    const query = new URLSearchParams({ start: info.start.toISOString(), end: info.end.toISOString() });
    try {
      const answer = await fetch(`${el.dataset.feed}?${query}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (answer.redirected && new URL(answer.url).pathname === "/login") {
        window.location.reload();
        return;
      }
      if (!answer.ok) throw new Error(`The server answered ${answer.status}.`);
      const feed = await answer.json();
      success([...feed.activities.map(activityEvent), ...feed.busy.map(busyEvent)]);
    } catch (error) {
      say(`The activities could not be loaded: ${error.message}`);
      failure(error);
    }
  }

  function nextDay(day) {
    const date = new Date(`${day}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() + 1);
    return date.toISOString().slice(0, 10);
  }

  // An event's bounds as the server takes them: dates for all-day, else with the
  // offset FullCalendar writes in the host's zone.
  function bounds(event) {
    if (event.allDay) {
      const start = event.startStr.slice(0, 10);
      return { start, end: event.endStr ? event.endStr.slice(0, 10) : nextDay(start), all_day: true };
    }
    // Dragged out of the all-day row it has no end yet: an hour, the default length.
    const end = event.endStr || calendar.formatIso(new Date(event.start.getTime() + 3600 * 1000));
    return { start: event.startStr, end, all_day: false };
  }

  async function moved(info) {
    const event = info.event;
    say("");
    try {
      await send("PATCH", `${base}/${event.id}/times`, bounds(event));
      say(`Moved “${event.title}”.`, "ok");
    } catch (error) {
      info.revert();
      say(`“${event.title}” was not moved: ${error.message}`);
    }
  }

  // Creating: a selected range asks for a title and a type in a small dialog.
  const dialog = document.getElementById("new-activity");
  const form = document.getElementById("new-activity-form");
  const nameInput = document.getElementById("new-activity-name");
  const typeInput = document.getElementById("new-activity-type");
  const formError = document.getElementById("new-activity-error");
  const when = document.querySelector("#new-activity-when small");
  let selection = null;

  function describe(range) {
    const options = { timeZone: el.dataset.zone, dateStyle: "medium" };
    if (range.allDay) {
      const last = new Date(range.end.getTime() - 1);
      const first = range.start.toLocaleDateString(undefined, options);
      const final = last.toLocaleDateString(undefined, options);
      return first === final ? `${first}, all day` : `${first} to ${final}, all day`;
    }
    const timed = { timeZone: el.dataset.zone, dateStyle: "medium", timeStyle: "short" };
    const end = { timeZone: el.dataset.zone, timeStyle: "short" };
    return `${range.start.toLocaleString(undefined, timed)} to ${range.end.toLocaleString(undefined, end)}`;
  }

  function ask(range) {
    selection = range;
    formError.hidden = true;
    nameInput.value = "";
    when.textContent = describe(range);
    dialog.showModal();
    nameInput.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!selection) return;
    const range = selection;
    const body = {
      title: nameInput.value.trim(),
      activity_type_id: Number(typeInput.value) || null,
      start: range.allDay ? range.startStr.slice(0, 10) : range.startStr,
      end: range.allDay ? range.endStr.slice(0, 10) : range.endStr,
      all_day: range.allDay,
    };
    if (!body.title) {
      formError.textContent = "Give the activity a title.";
      formError.hidden = false;
      nameInput.focus();
      return;
    }
    try {
      const made = await send("POST", base, body);
      calendar.addEvent(activityEvent(made), true);
      dialog.close();
      say(`Added “${made.title}”.`, "ok");
    } catch (error) {
      formError.textContent = error.message;
      formError.hidden = false;
    }
  });
  document.getElementById("new-activity-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    selection = null;
    calendar.unselect();
  });

  async function remember(view) {
    const name = NAMES[view];
    if (!name || name === remembered) return;
    remembered = name;
    const url = new URL(window.location.href);
    url.searchParams.delete("view");
    window.history.replaceState(null, "", url);
    try {
      await send("POST", `${base}/view`, { view: name });
    } catch {
      // Not remembered: the calendar works all the same.
    }
  }

  const narrow = window.matchMedia("(max-width: 40rem)");
  const calendar = new FullCalendar.Calendar(el, {
    timeZone: el.dataset.zone,
    initialView: VIEWS[remembered],
    // A phone has no room for one toolbar: the title and arrows on top, the views below.
    headerToolbar: narrow.matches
      ? { start: "title", end: "prev,next" }
      : { start: "prev,next today", center: "title", end: "dayGridMonth,timeGridWeek,timeGridDay,listWeek" },
    footerToolbar: narrow.matches
      ? { start: "today", end: "dayGridMonth,timeGridWeek,timeGridDay,listWeek" }
      : false,
    buttonText: { today: "Today", month: "Month", week: "Week", day: "Day", list: "List" },
    firstDay: 1,
    height: "auto",
    nowIndicator: true,
    navLinks: true,
    // A phone's day cells are too short for "+2 more" to be any help: they grow instead.
    dayMaxEvents: !narrow.matches,
    // Timed activities as blocks in their type's colour in the month grid too.
    eventDisplay: "block",
    editable: true,
    selectable: true,
    selectMirror: true,
    longPressDelay: 400,
    events: loadRange,
    eventDidMount(info) {
      const props = info.event.extendedProps;
      if (props.kind === "busy") {
        info.el.title = `${info.event.title}: busy in ${props.calendar}${props.tentative ? " (tentative)" : ""}`;
      } else if (props.readOnly) {
        info.el.title = props.readOnly;
      } else {
        info.el.title = `${info.event.title} (${props.type}): drag to move, open for details`;
      }
    },
    eventClick(info) {
      info.jsEvent.preventDefault();
      const props = info.event.extendedProps;
      if (props.kind === "busy") {
        say(`“${info.event.title}” is busy time from ${props.calendar}, not an activity.`, "info");
        return;
      }
      window.location.assign(props.url);
    },
    eventDrop: moved,
    eventResize: moved,
    select: ask,
    datesSet(info) {
      remember(info.view.type);
    },
  });
  calendar.render();
})();
