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

  async function send(method, url, body, { keepalive = false } = {}) {
    const answer = await fetch(url, {
      method,
      keepalive,
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

  // Creating: a selected range (or the "Add activity" button, for the keyboard and for
  // phones) opens a small dialog asking for the title, the type and the times, which are
  // wall-clock times of the host's zone (the server reads them so).
  const dialog = document.getElementById("new-activity");
  const form = document.getElementById("new-activity-form");
  const nameInput = document.getElementById("new-activity-name");
  const typeInput = document.getElementById("new-activity-type");
  const allDayInput = document.getElementById("new-activity-all-day");
  const startInput = document.getElementById("new-activity-start");
  const endInput = document.getElementById("new-activity-end");
  const endLabel = document.getElementById("new-activity-end-label");
  const formError = document.getElementById("new-activity-error");

  function previousDay(day) {
    const date = new Date(`${day}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() - 1);
    return date.toISOString().slice(0, 10);
  }

  // All-day ranges are shown by their first and last day; FullCalendar's end is the day after.
  function showTimes(allDay, start, end) {
    allDayInput.checked = allDay;
    startInput.type = endInput.type = allDay ? "date" : "datetime-local";
    endLabel.textContent = allDay ? "Last day" : "Ends";
    startInput.value = start;
    endInput.value = end;
  }

  allDayInput.addEventListener("change", () => {
    const day = (startInput.value || "").slice(0, 10);
    const last = (endInput.value || "").slice(0, 10) || day;
    if (allDayInput.checked) showTimes(true, day, last < day ? day : last);
    else showTimes(false, `${day}T09:00`, `${day}T10:00`);
  });

  // Now in the host's zone, to the next full hour, as "YYYY-MM-DDTHH:00".
  function nextHour(offsetHours) {
    const at = new Date(Date.now() + (offsetHours + 1) * 3600 * 1000);
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-CA", {
        timeZone: el.dataset.zone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", hourCycle: "h23",
      }).formatToParts(at).map((part) => [part.type, part.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:00`;
  }

  function ask(range) {
    formError.hidden = true;
    nameInput.value = "";
    if (!range) showTimes(false, nextHour(0), nextHour(1));
    else if (range.allDay) showTimes(true, range.startStr.slice(0, 10), previousDay(range.endStr.slice(0, 10)));
    else showTimes(false, range.startStr.slice(0, 16), range.endStr.slice(0, 16));
    dialog.showModal();
    nameInput.focus();
  }

  function problem(text, input) {
    formError.textContent = text;
    formError.hidden = false;
    input.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const allDay = allDayInput.checked;
    const body = {
      title: nameInput.value.trim(),
      activity_type_id: Number(typeInput.value) || null,
      start: startInput.value,
      end: allDay && endInput.value ? nextDay(endInput.value) : endInput.value,
      all_day: allDay,
    };
    if (!body.title) return problem("Give the activity a title.", nameInput);
    if (!startInput.value) return problem("Give the activity a start.", startInput);
    if (!endInput.value || body.end <= body.start) return problem("It has to end after it starts.", endInput);
    try {
      const made = await send("POST", base, body);
      calendar.addEvent(activityEvent(made), true);
      dialog.close();
      say(`Added “${made.title}”.`, "ok");
    } catch (error) {
      problem(error.message, nameInput);
    }
  });
  document.getElementById("new-activity-cancel").addEventListener("click", () => dialog.close());
  document.getElementById("add-activity").addEventListener("click", () => ask(null));
  dialog.addEventListener("close", () => calendar.unselect());

  async function remember(view) {
    const name = NAMES[view];
    if (!name || name === remembered) return;
    remembered = name;
    const url = new URL(window.location.href);
    url.searchParams.delete("view");
    window.history.replaceState(null, "", url);
    try {
      // keepalive: a host who picks a view and leaves at once still finds it next time.
      await send("POST", `${base}/view`, { view: name }, { keepalive: true });
    } catch {
      // Not remembered: the calendar works all the same.
    }
  }

  function navLinkName(dateText) {
    // dateText is FullCalendar's "December 1, 2026"; the links show "1", "Tue 1" or
    // "Tuesday", so the name carries those spellings too.
    const day = new Date(`${dateText} 00:00 UTC`);
    if (Number.isNaN(day.getTime())) return `Go to ${dateText}`;
    const weekday = (style) => day.toLocaleDateString("en-US", { weekday: style, timeZone: "UTC" });
    return `Go to ${weekday("long")}, ${weekday("short")} ${day.getUTCDate()}, ${dateText}`;
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
    // The hour axis in the 24-hour clock the rest of the page (and every event) uses.
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    // Names that contain what the button or link shows (WCAG 2.5.3, label in name):
    // FullCalendar's own are "This month" on a button reading "Today" and "Go to
    // December 1, 2026" on a link reading "Tue 1".
    todayHint: (unitText, unit) => (unit === "day" ? "Today" : `Today (this ${unitText})`),
    navLinkHint: navLinkName,
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
