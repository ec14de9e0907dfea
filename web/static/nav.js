// The host navigation's "Menu" button (partials/nav.html): on a narrow screen the list
// folds away behind it. A native <button>, so Enter and Space open it from the keyboard;
// Escape closes it and gives focus back to the button. Without this script the button
// stays hidden and the list wraps, so every page is still reachable.
const nav = document.querySelector(".site-nav");
const toggle = nav && nav.querySelector(".nav-toggle");
if (nav && toggle) {
  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  };
  nav.classList.add("collapsible");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
}
