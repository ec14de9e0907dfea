// The calendar sync page: while a sync runs, its progress bar follows the run (a
// session-guarded JSON route) and the page reloads once the run has finished, to show
// its result in the history. A script file: the Content-Security-Policy refuses inline ones.
const POLL_MS = 1000;

function follow(bar) {
  const run = bar.dataset.run;
  const text = document.querySelector(`[data-progress-text="${run}"]`);
  const poll = async () => {
    let progress;
    try {
      const answer = await fetch(`/dashboard/calendar-sync/runs/${run}/progress`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (answer.status === 404) {
        window.location.reload(); // the run is gone (its account was disconnected)
        return;
      }
      if (!answer.ok) throw new Error(`status ${answer.status}`);
      progress = await answer.json();
    } catch {
      window.setTimeout(poll, POLL_MS * 5); // the server restarting: try again later
      return;
    }
    if (progress.status !== "running") {
      window.location.reload();
      return;
    }
    if (progress.total > 0) {
      bar.max = progress.total;
      bar.value = progress.done;
      bar.textContent = `${progress.done} of ${progress.total}`;
      if (text) text.textContent = `${progress.done} of ${progress.total} changes`;
    }
    window.setTimeout(poll, POLL_MS);
  };
  window.setTimeout(poll, POLL_MS);
}

document.querySelectorAll("progress[data-run]").forEach(follow);
